#pragma once
// Spatial multi-head self-attention with a learned residual gate (docs/model.md, "Attn").
// Per sample, X is (C, P) with positions as columns:
//   [Q; K; V] = Wqkv X + bqkv                     (3C, P)
//   S_j = Q_j^T K_j / sqrt(d), A_j = softmax_q(S_j) (P, P), masked keys -> 0 weight
//   O_j = V_j A_j^T                                (d, P), stacked to O (C, P)
//   Z = Wproj O + bproj,  Y = X + gamma * Z        (C, P)
// No (P, P) attention map is stored: attention_core.hpp computes each head a few query
// rows at a time in L1, and backward recomputes them from Q, K and the saved row
// log-sum-exp (N*heads*P numbers) instead of keeping N*heads maps.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/blas.hpp"
#include "kernels/cpu/attention_core.hpp"
#include "kernels/cpu/kernel_isa.hpp"
#include "kernels/cpu/kernel_types.hpp"

namespace MANET_CPU_KERNELS {

// m (rows, cols) = bias broadcast along rows: a GEMM with beta = 1 then adds onto it (OpenBLAS
// skips its separate zeroing pass when beta is 1, and no second pass adds the bias).
template <class T>
void fill_row_bias(T* m, const T* bias, int rows, int cols) {
  for (int r = 0; r < rows; ++r) std::fill(m + long(r) * cols, m + long(r + 1) * cols, bias[r]);
}

template <class T>
void accumulate_row_sums(T* out, const T* m, int rows, int cols) {
  for (int r = 0; r < rows; ++r) {
    T sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int c = 0; c < cols; ++c) sum += m[long(r) * cols + c];
    out[r] += sum;
  }
}

// The head core over a raw scratch of head_scratch_size<T>(d, P) numbers (the size depends
// on the vector width: each build of the kernels has its own, kernel_table.hpp).
template <class T>
long head_scratch_size(int d, int P) {
  return HeadScratch<T>::size(d, P);
}

template <class T>
void head_forward(T* o, T* lse, const T* q, const T* k, const T* v, long ld, const uint8_t* mask, int d, int P,
                  T* scratch) {
  attention_head_forward(o, lse, q, k, v, ld, mask, d, P, HeadScratch<T>(scratch, d, P));
}

template <class T>
void head_backward(T* dq, T* dk, T* dv, const T* q, const T* k, const T* v, const T* o, const T* do_, long ld,
                   const T* lse, const uint8_t* mask, int d, int P, T* scratch) {
  attention_head_backward(dq, dk, dv, q, k, v, o, do_, ld, lse, mask, d, P, HeadScratch<T>(scratch, d, P));
}

// y, o, z: (N, C, P); qkv: (N, 3C, P) and lse: (N, heads, P) kept for backward;
// head_ws: head_scratch_size<T>(C / heads, P) numbers; mask: (N, P) or null. gamma is
// the gate scalar.
template <class T>
void attention_forward(T* y, T* qkv, T* o, T* z, T* lse, T* head_ws, const T* x, const uint8_t* mask,
                       const T* wqkv, const T* bqkv, const T* wproj, const T* bproj, T gamma, int N, int C, int P,
                       int heads) {
  const int d = C / heads;
  for (int n = 0; n < N; ++n) {
    const T* xn = x + long(n) * C * P;
    T* qkvn = qkv + long(n) * 3 * C * P;
    T* on = o + long(n) * C * P;
    T* zn = z + long(n) * C * P;
    const uint8_t* mn = mask ? mask + long(n) * P : nullptr;
    fill_row_bias(qkvn, bqkv, 3 * C, P);
    gemm(false, false, 3 * C, P, C, T(1), wqkv, C, xn, P, T(1), qkvn, P);
    for (int j = 0; j < heads; ++j) {
      const T* Q = qkvn + long(j) * d * P;
      const T* K = qkvn + long(C + j * d) * P;
      const T* V = qkvn + long(2 * C + j * d) * P;
      head_forward(on + long(j) * d * P, lse + (long(n) * heads + j) * P, Q, K, V, P, mn, d, P, head_ws);
    }
    fill_row_bias(zn, bproj, C, P);
    gemm(false, false, C, P, C, T(1), wproj, C, on, P, T(1), zn, P);
    T* yn = y + long(n) * C * P;
    for (long i = 0; i < long(C) * P; ++i) yn[i] = xn[i] + gamma * zn[i];
  }
}

// Accumulates all parameter gradients (dgamma is one scalar); writes dx unless null.
template <class T>
void attention_backward(T* dx, T* dwqkv, T* dbqkv, T* dwproj, T* dbproj, T* dgamma, AttentionScratch<T> ws,
                        const T* dy, const T* x, const uint8_t* mask, const T* qkv, const T* lse, const T* o,
                        const T* z, const T* wqkv, const T* wproj, T gamma, int N, int C, int P, int heads) {
  const int d = C / heads;
  const long CP = long(C) * P;
  for (int n = 0; n < N; ++n) {
    const T* dyn = dy + n * CP;
    const T* xn = x + n * CP;
    const T* qkvn = qkv + n * 3 * CP;
    const T* on = o + n * CP;
    const T* zn = z + n * CP;
    const uint8_t* mn = mask ? mask + long(n) * P : nullptr;

    T dg = 0;
#pragma omp simd reduction(+ : dg)
    for (long i = 0; i < CP; ++i) {
      dg += dyn[i] * zn[i];
      ws.dz[i] = gamma * dyn[i];
    }
    *dgamma += dg;
    accumulate_row_sums(dbproj, ws.dz, C, P);
    gemm(false, true, C, C, P, T(1), ws.dz, P, on, P, T(1), dwproj, C);
    gemm(true, false, C, P, C, T(1), wproj, C, ws.dz, P, T(0), ws.dO, P);

    for (int j = 0; j < heads; ++j) {
      const T* Q = qkvn + long(j) * d * P;
      const T* K = qkvn + long(C + j * d) * P;
      const T* V = qkvn + long(2 * C + j * d) * P;
      T* dq = ws.dqkv + long(j) * d * P;
      head_backward(dq, dq + CP, dq + 2 * CP, Q, K, V, on + long(j) * d * P, ws.dO + long(j) * d * P, P,
                    lse + (long(n) * heads + j) * P, mn, d, P, ws.head);
    }
    accumulate_row_sums(dbqkv, ws.dqkv, 3 * C, P);
    gemm(false, true, 3 * C, C, P, T(1), ws.dqkv, P, xn, P, T(1), dwqkv, C);
    if (dx) {
      T* dxn = dx + n * CP;
      std::copy(dyn, dyn + CP, dxn);
      gemm(true, false, C, P, 3 * C, T(1), wqkv, C, ws.dqkv, P, T(1), dxn, P);
    }
  }
}

}  // namespace MANET_CPU_KERNELS
