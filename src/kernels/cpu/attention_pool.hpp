#pragma once
// Attention pooling of the head (docs/model.md): per sample, X (C, P) becomes one vector
//   s = w X + b (P), masked positions -inf;  alpha = softmax(s);  v = X alpha (C).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/cpu/kernel_isa.hpp"

namespace MANET_CPU_KERNELS {

// v: (N, C); alpha: (N, P) kept for backward; w: (C); mask: (N, P) or null.
template <class T>
void attention_pool_forward(T* v, T* alpha, const T* x, const uint8_t* mask, const T* w, T b, int N, int C,
                            int P) {
  for (int n = 0; n < N; ++n) {
    const T* xn = x + long(n) * C * P;
    const uint8_t* mn = mask ? mask + long(n) * P : nullptr;
    T* an = alpha + long(n) * P;
    std::fill(an, an + P, b);
    for (int c = 0; c < C; ++c)
      for (int p = 0; p < P; ++p) an[p] += w[c] * xn[long(c) * P + p];
    T top = -std::numeric_limits<T>::infinity();
    for (int p = 0; p < P; ++p)
      if (!mn || mn[p]) top = std::max(top, an[p]);
    T sum = 0;
    for (int p = 0; p < P; ++p) {
      an[p] = (!mn || mn[p]) ? std::exp(an[p] - top) : T(0);
      sum += an[p];
    }
    for (int p = 0; p < P; ++p) an[p] /= sum;
    for (int c = 0; c < C; ++c) {
      T acc = 0;
      for (int p = 0; p < P; ++p) acc += xn[long(c) * P + p] * an[p];
      v[long(n) * C + c] = acc;
    }
  }
}

// Accumulates dw (C) and db (1); writes dx (N, C, P) unless null. dscore: (P) workspace.
template <class T>
void attention_pool_backward(T* dx, T* dw, T* db, T* dscore, const T* dv, const T* x, const T* alpha, const T* w,
                             int N, int C, int P) {
  for (int n = 0; n < N; ++n) {
    const T* xn = x + long(n) * C * P;
    const T* an = alpha + long(n) * P;
    const T* dvn = dv + long(n) * C;
    std::fill(dscore, dscore + P, T(0));
    for (int c = 0; c < C; ++c)
      for (int p = 0; p < P; ++p) dscore[p] += dvn[c] * xn[long(c) * P + p];  // d alpha
    T dot = 0;
    for (int p = 0; p < P; ++p) dot += dscore[p] * an[p];
    T dbias = 0;
    for (int p = 0; p < P; ++p) {
      dscore[p] = an[p] * (dscore[p] - dot);  // d s
      dbias += dscore[p];
    }
    *db += dbias;
    for (int c = 0; c < C; ++c) {
      T acc = 0;
      for (int p = 0; p < P; ++p) acc += dscore[p] * xn[long(c) * P + p];
      dw[c] += acc;
    }
    if (!dx) continue;
    T* dxn = dx + long(n) * C * P;
    for (int c = 0; c < C; ++c)
      for (int p = 0; p < P; ++p) dxn[long(c) * P + p] = dvn[c] * an[p] + dscore[p] * w[c];
  }
}

}  // namespace MANET_CPU_KERNELS
