#pragma once
// Fully connected layer over a batch: y (N, out) = x (N, in) W^T + b, W is (out, in).
#include "core/blas.hpp"
#include "kernels/cpu/kernel_isa.hpp"

namespace MANET_CPU_KERNELS {

template <class T>
void linear_forward(T* y, const T* x, const T* weight, const T* bias, int N, int in, int out) {
  gemm(false, true, N, out, in, T(1), x, in, weight, in, T(0), y, out);
  for (int n = 0; n < N; ++n)
    for (int o = 0; o < out; ++o) y[long(n) * out + o] += bias[o];
}

// Accumulates dweight, dbias; writes dx unless null.
template <class T>
void linear_backward(T* dx, T* dweight, T* dbias, const T* dy, const T* x, const T* weight, int N, int in,
                     int out) {
  gemm(true, false, out, in, N, T(1), dy, out, x, in, T(1), dweight, in);
  for (int n = 0; n < N; ++n)
    for (int o = 0; o < out; ++o) dbias[o] += dy[long(n) * out + o];
  if (dx) gemm(false, false, N, in, out, T(1), dy, out, weight, in, T(0), dx, in);
}

}  // namespace MANET_CPU_KERNELS
