#include "core/isa.hpp"

#include <cstdlib>

#include "core/cpu.hpp"
#include "core/error.hpp"

namespace manet {

bool cpu_supports(Isa isa) { return isa == Isa::avx2 ? this_cpu().avx2 && this_cpu().fma : this_cpu().avx512; }

const char* isa_name(Isa isa) { return isa == Isa::avx512 ? "avx512" : "avx2"; }

namespace {
// The default: AVX-512 where the CPU has it, except AMD family 25 (Zen 3/Zen 4), whose
// cores split every 512-bit operation into two 256-bit halves: there these kernels built
// for AVX-512 ran 10-25 % slower than for AVX2. Zen 5 (family 26) has full-width units.
Isa default_isa() {
  if (!cpu_supports(Isa::avx512)) return Isa::avx2;
  if (this_cpu().amd() && this_cpu().family == 25) return Isa::avx2;
  return Isa::avx512;
}

Isa choose_isa() {
  const char* forced = std::getenv("MANET_ISA");
  if (!forced || !*forced) return default_isa();
  const std::string name = forced;
  if (name != "avx2" && name != "avx512")
    throw Error("MANET_ISA=" + name + ": expected avx2 or avx512 (or unset: the best for this CPU)", ErrorKind::usage);
  const Isa isa = name == "avx512" ? Isa::avx512 : Isa::avx2;
  if (!cpu_supports(isa))
    throw Error("MANET_ISA=" + name + ": this CPU (" + this_cpu().describe() + ") does not have it", ErrorKind::usage);
  return isa;
}
}  // namespace

Isa active_isa() {
  static const Isa isa = choose_isa();
  return isa;
}

}  // namespace manet
