#pragma once
// Which kernels OpenBLAS runs, and making them the best this CPU allows.
//
// OpenBLAS (DYNAMIC_ARCH builds, as Debian's) picks its kernels once, when the library
// loads: from OPENBLAS_CORETYPE if set, else from its own table of CPU models. A CPU
// newer than the library falls off that table: Debian 12's 0.3.21 runs an Intel Xeon of
// family 6, model 207 with its SSE3 "Prescott" kernels, 4-5x slower than the AVX-512
// ones the CPU has. The choice cannot be changed once the library is loaded, so
// manet re-executes itself, before MPI or anything else starts, with OPENBLAS_CORETYPE
// naming the best core for the CPU's instruction sets. The rule: a core weaker than what
// cpuid allows is upgraded, also when it came from the environment, unless
// MANET_KEEP_BLAS_CORE=1. docs/cpus.md has the details.
#include <string>

#include "core/cpu.hpp"

namespace manet {

// The ISA level of an OpenBLAS core name (case-insensitive): 1 SSE/SSE3, 2 SSE4.2, 3 AVX,
// 4 AVX2+FMA, 5 AVX-512, 6 AVX-512 with BF16; 0 for a name it does not know.
int blas_core_level(const std::string& core);
// The level the CPU allows, on the same scale.
int cpu_blas_level(const CpuInfo& cpu);
// The OpenBLAS core to ask for at that level ("Cooperlake", "SkylakeX", "Haswell" or "Zen",
// "Sandybridge", "Nehalem"), or "" when there is nothing better than SSE3.
std::string blas_core_for(const CpuInfo& cpu);

// What the loaded library says: its core ("Prescott"), version ("OpenBLAS 0.3.21") and
// whether it can switch cores at all (DYNAMIC_ARCH). "unknown" for a BLAS that is not OpenBLAS.
std::string blas_core();
std::string blas_library();
bool blas_core_switchable();

// Call first thing in main(), before MPI_Init: re-executes this program with the better
// core when the rule above says so (returns only when no re-exec is needed or it failed,
// then with a warning on stderr). `argv` as main received it.
void use_best_blas_core(char** argv);

// For start lines: "OpenBLAS 0.3.21, core Cooperlake (upgraded from Prescott, which
// OpenBLAS detected: this CPU has AVX-512 with BF16; MANET_KEEP_BLAS_CORE=1 keeps it)".
std::string blas_description();

}  // namespace manet
