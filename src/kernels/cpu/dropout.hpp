#pragma once
// Inverted dropout: kept units are scaled by 1/(1-p). Unit f of sample n is dropped iff
// the random stream's value at (global sample index, f) is below p, so the mask depends
// on (seed, step, layer, global sample index), never on which rank holds the sample.
#include <cstdint>

#include "core/rng.hpp"
#include "kernels/cpu/kernel_isa.hpp"

namespace MANET_CPU_KERNELS {

// y, keep: (N, F); keep holds 0 or 1/(1-p) per unit for backward.
template <class T>
void dropout_forward(T* y, T* keep, const T* x, int N, int F, double p, const RandomStream& stream,
                     int64_t first_sample) {
  const T scale = T(1.0 / (1.0 - p));
  for (int n = 0; n < N; ++n)
    for (int f = 0; f < F; ++f) {
      const long i = long(n) * F + f;
      keep[i] = stream.uniform(uint64_t(f), uint64_t(first_sample + n)) < p ? T(0) : scale;
      y[i] = x[i] * keep[i];
    }
}

template <class T>
void dropout_backward(T* dx, const T* dy, const T* keep, long n) {
  for (long i = 0; i < n; ++i) dx[i] = dy[i] * keep[i];
}

}  // namespace MANET_CPU_KERNELS
