// Which build of the CPU kernels this translation unit compiles. Every kernel header in
// kernels/cpu/ puts its code in namespace MANET_CPU_KERNELS and sizes its hand-written
// vectors (vector.hpp) with MANET_VECTOR_BYTES:
//   - by default manet::cpu with 32-byte vectors: the AVX2 build (the compiler's target is
//     the build's baseline, x86-64-v3), and the double kernels of the gradient checks;
//   - kernel_table_avx512.cpp defines manet::cpu::avx512 and 64 before its first include,
//     and includes the kernel headers under an AVX-512 target pragma.
// A kernel header is included once per translation unit (#pragma once), so each unit holds
// one build; kernel_table.hpp's tables are how the rest of manet reaches either.
// No include guard: it only defines the defaults, once.
#ifndef MANET_CPU_KERNELS
#define MANET_CPU_KERNELS manet::cpu
#define MANET_VECTOR_BYTES 32
#endif
