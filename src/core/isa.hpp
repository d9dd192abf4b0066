#pragma once
// Which vector instruction set manet's own kernels run with, chosen once per process:
// AVX-512 where the CPU has F/BW/DQ/VL/CD and the OS saves the registers, except AMD Zen 3/4
// (their 512-bit operations run as two halves), else AVX2 (the build's baseline is
// x86-64-v3); or MANET_ISA=avx2|avx512 to force one
// (for tests and comparisons; asking for AVX-512 on a CPU without it is an error).
// OpenBLAS picks its own kernels (core/blas_core.hpp).
#include <string>

namespace manet {

enum class Isa { avx2, avx512 };

Isa active_isa();
const char* isa_name(Isa isa);  // "avx2" | "avx512"
bool cpu_supports(Isa isa);

}  // namespace manet
