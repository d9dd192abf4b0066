#pragma once
// dst = srcᵀ for a rows × cols block: dst[j·ldd + i] = src[i·lds + j]. With `gate` (laid out
// like src), entries whose gate is not > 0 become 0 (a ReLU's gradient on the way). Floats
// go 8 × 8 at a time through AVX2 registers (built with -march=x86-64-v3); the edges and
// other types take the scalar loop, which gives the same values.
#include <cstdint>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "kernels/cpu/kernel_isa.hpp"

namespace MANET_CPU_KERNELS {

template <class T>
void transpose_scalar(T* dst, long ldd, const T* src, long lds, int rows, int cols, const T* gate, int i0, int j0) {
  for (int i = i0; i < rows; ++i)
    for (int j = j0; j < cols; ++j) {
      const T v = src[i * lds + j];
      dst[j * ldd + i] = !gate || gate[i * lds + j] > T(0) ? v : T(0);
    }
}

template <class T>
void transpose(T* dst, long ldd, const T* src, long lds, int rows, int cols, const T* gate = nullptr) {
  transpose_scalar(dst, ldd, src, lds, rows, cols, gate, 0, 0);
}

#if defined(__AVX2__)
template <>
inline void transpose<float>(float* dst, long ldd, const float* src, long lds, int rows, int cols,
                             const float* gate) {
  const int rb = rows / 8 * 8, cb = cols / 8 * 8;
  const __m256 zero = _mm256_setzero_ps();
  for (int i = 0; i < rb; i += 8)
    for (int j = 0; j < cb; j += 8) {
      __m256 r[8];
      for (int k = 0; k < 8; ++k) {
        r[k] = _mm256_loadu_ps(src + (i + k) * lds + j);
        if (gate)
          r[k] = _mm256_and_ps(r[k], _mm256_cmp_ps(_mm256_loadu_ps(gate + (i + k) * lds + j), zero, _CMP_GT_OQ));
      }
      __m256 t[8], u[8];
      for (int k = 0; k < 8; k += 2) {
        t[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);
        t[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]);
      }
      for (int k = 0; k < 8; k += 4) {
        u[k] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(3, 2, 3, 2));
      }
      for (int k = 0; k < 4; ++k) {
        _mm256_storeu_ps(dst + (j + k) * ldd + i, _mm256_permute2f128_ps(u[k], u[k + 4], 0x20));
        _mm256_storeu_ps(dst + (j + k + 4) * ldd + i, _mm256_permute2f128_ps(u[k], u[k + 4], 0x31));
      }
    }
  transpose_scalar(dst, ldd, src, lds, rb, cols, gate, 0, cb);    // right edge of the blocked rows
  transpose_scalar(dst, ldd, src, lds, rows, cols, gate, rb, 0);  // bottom rows
}
#endif

}  // namespace MANET_CPU_KERNELS
