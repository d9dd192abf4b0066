#include "core/isa.hpp"

#include <cstdlib>

#include "core/cpu.hpp"
#include "core/error.hpp"

namespace manet {

bool cpu_supports(Isa isa) { return isa == Isa::avx2 ? this_cpu().avx2 && this_cpu().fma : this_cpu().avx512; }

const char* isa_name(Isa isa) { return isa == Isa::avx512 ? "avx512" : "avx2"; }

namespace {
Isa choose_isa() {
  const char* forced = std::getenv("MANET_ISA");
  if (!forced || !*forced) return cpu_supports(Isa::avx512) ? Isa::avx512 : Isa::avx2;
  const std::string name = forced;
  if (name != "avx2" && name != "avx512")
    throw Error("MANET_ISA=" + name + ": expected avx2 or avx512 (or unset: the widest this CPU has)", ErrorKind::usage);
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
