#pragma once
// What this CPU is and which vector instructions it (and the OS) allows, read once from
// cpuid. Used to pick the BLAS kernels (core/blas_core.hpp) and named in start lines,
// because speed differs between CPU families in ways a user should see.
#include <string>

namespace manet {

struct CpuInfo {
  std::string vendor;      // "GenuineIntel", "AuthenticAMD", ...
  std::string model_name;  // "Intel(R) Xeon(R) Processor" (cpuid brand string, trimmed)
  int family = 0, model = 0, stepping = 0;  // display family/model (extended fields folded in)
  bool sse42 = false, avx = false, avx2 = false, fma = false;
  bool avx512 = false;       // F + CD + BW + DQ + VL (the "SkylakeX" set) and the OS saves ZMM state
  bool avx512_bf16 = false;  // AVX512_BF16 (Cooper Lake, Sapphire Rapids and later, Zen 4)
  bool amx = false;          // AMX tiles (Sapphire Rapids and later)

  bool intel() const { return vendor == "GenuineIntel"; }
  bool amd() const { return vendor == "AuthenticAMD"; }
  // "Intel Xeon (family 6, model 207; AVX-512, AMX)": for logs and benchmark reports.
  std::string describe() const;
  // The widest vector ISA as a word: "avx512", "avx2", "avx", "sse4.2" or "sse3".
  std::string best_isa() const;
};

// This machine's CPU (cpuid is read on first use).
const CpuInfo& this_cpu();

}  // namespace manet
