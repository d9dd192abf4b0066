#pragma once
// Softmax cross-entropy against a label-smoothed target
//   t = (1 - eps) onehot(y) + eps / K
// per sample: loss_n = -sum_k t_k log p_k, p = softmax(logits_n).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/cpu/kernel_isa.hpp"

namespace MANET_CPU_KERNELS {

// probs: (N, K) kept for backward; losses: (N). Returns the sum of the per-sample losses.
template <class T>
T cross_entropy_forward(T* probs, T* losses, const T* logits, const int64_t* labels, int N, int K, T smoothing) {
  T total = 0;
  for (int n = 0; n < N; ++n) {
    const T* z = logits + long(n) * K;
    T* p = probs + long(n) * K;
    const T top = *std::max_element(z, z + K);
    T sum = 0;
    for (int k = 0; k < K; ++k) sum += std::exp(z[k] - top);
    const T log_sum = std::log(sum) + top;
    T loss = 0;
    for (int k = 0; k < K; ++k) {
      const T log_p = z[k] - log_sum;
      p[k] = std::exp(log_p);
      const T target = smoothing / T(K) + (k == labels[n] ? T(1) - smoothing : T(0));
      loss -= target * log_p;
    }
    losses[n] = loss;
    total += loss;
  }
  return total;
}

// dlogits = scale * (p - t). scale is 1 / (global batch size) for a mean loss.
template <class T>
void cross_entropy_backward(T* dlogits, const T* probs, const int64_t* labels, int N, int K, T smoothing,
                            T scale) {
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < K; ++k) {
      const T target = smoothing / T(K) + (k == labels[n] ? T(1) - smoothing : T(0));
      dlogits[long(n) * K + k] = scale * (probs[long(n) * K + k] - target);
    }
}

}  // namespace MANET_CPU_KERNELS
