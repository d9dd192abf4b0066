// The AVX-512 build of the CPU kernels (kernel_table.hpp): the kernel headers compiled in
// manet::cpu::avx512 with 64-byte vectors (kernel_isa.hpp) under an AVX-512 target, for
// float only. It runs only where core/isa.hpp found AVX-512.
//
// Every header from outside kernels/cpu/ - the standard library's and manet's - is
// included BEFORE the target pragma: an inline function or template compiled after it
// would carry AVX-512 instructions, and the linker, which keeps one copy of each, could
// hand that copy to baseline code on a CPU without AVX-512. The kernels' own code lives in
// its own namespace, so none of it can stand in for the baseline build's.
// tests/kernels/check_isa_symbols.sh checks the linked binary for exactly that.
#define MANET_CPU_KERNELS manet::cpu::avx512
#define MANET_VECTOR_BYTES 64

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

// GCC 12's AVX-512 intrinsics warn about their own _mm512_undefined_ps() (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "core/blas.hpp"
#include "core/isa.hpp"
#include "core/rng.hpp"
#include "kernels/cpu/kernel_table.hpp"
#include "kernels/cpu/kernel_types.hpp"
#include "kernels/optimizer_rules.hpp"

#pragma GCC push_options
#pragma GCC target("arch=x86-64-v4,prefer-vector-width=512")
#include "kernels/cpu/kernel_table_entries.hpp"
#pragma GCC pop_options

namespace manet::cpu::avx512 {

extern const Kernels<float> kFloatKernels;
constinit const Kernels<float> kFloatKernels = kernel_table<float>();

}  // namespace manet::cpu::avx512
