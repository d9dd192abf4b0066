#pragma once
// Elementwise activations. Backward uses the output y, which each of these determines
// its derivative from: relu' = [y > 0], sigmoid' = y (1 - y), tanh' = 1 - y^2.
#include <algorithm>
#include <cmath>

#include "kernels/cpu/kernel_isa.hpp"
#include "kernels/cpu/kernel_types.hpp"  // ActivationKind

namespace MANET_CPU_KERNELS {

template <class T>
void activation_forward(T* y, const T* x, long n, ActivationKind kind) {
  switch (kind) {
    case ActivationKind::relu:
      for (long i = 0; i < n; ++i) y[i] = std::max(x[i], T(0));
      break;
    case ActivationKind::sigmoid:
      for (long i = 0; i < n; ++i) y[i] = T(1) / (T(1) + std::exp(-x[i]));
      break;
    case ActivationKind::tanh:
      for (long i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
      break;
  }
}

template <class T>
void activation_backward(T* dx, const T* dy, const T* y, long n, ActivationKind kind) {
  switch (kind) {
    case ActivationKind::relu:
      for (long i = 0; i < n; ++i) dx[i] = y[i] > T(0) ? dy[i] : T(0);
      break;
    case ActivationKind::sigmoid:
      for (long i = 0; i < n; ++i) dx[i] = dy[i] * y[i] * (T(1) - y[i]);
      break;
    case ActivationKind::tanh:
      for (long i = 0; i < n; ++i) dx[i] = dy[i] * (T(1) - y[i] * y[i]);
      break;
  }
}

}  // namespace MANET_CPU_KERNELS
