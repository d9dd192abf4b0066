#pragma once
// Token embedding: ids (N, T) -> y (N, E, 1, T) with y[n, e, t] = W[id, e], W (V, E).
// Id 0 is padding: its row is fixed at zero and never updated, and it is masked.
#include <cstdint>

#include "kernels/cpu/kernel_isa.hpp"

namespace MANET_CPU_KERNELS {

// mask: (N, T), 1 where id != 0. Ids must already be checked to lie in [0, V).
template <class T>
void embedding_forward(T* y, uint8_t* mask, const int64_t* ids, const T* weight, int N, int Tlen, int E) {
  for (int n = 0; n < N; ++n)
    for (int t = 0; t < Tlen; ++t) {
      const int64_t id = ids[long(n) * Tlen + t];
      mask[long(n) * Tlen + t] = id != 0;
      const T* row = weight + id * E;
      for (int e = 0; e < E; ++e) y[(long(n) * E + e) * Tlen + t] = row[e];
    }
}

// Accumulates dweight; row 0 (padding) receives nothing.
template <class T>
void embedding_backward(T* dweight, const T* dy, const int64_t* ids, int N, int Tlen, int E) {
  for (int n = 0; n < N; ++n)
    for (int t = 0; t < Tlen; ++t) {
      const int64_t id = ids[long(n) * Tlen + t];
      if (id == 0) continue;
      T* row = dweight + id * E;
      for (int e = 0; e < E; ++e) row[e] += dy[(long(n) * E + e) * Tlen + t];
    }
}

}  // namespace MANET_CPU_KERNELS
