#pragma once
// Spatial multi-head self-attention with a learned residual gate (MANET.md, "Attn").
// Per sample, X is (C, P) with positions as columns:
//   [Q; K; V] = Wqkv X + bqkv                     (3C, P)
//   S_j = Q_j^T K_j / sqrt(d), A_j = softmax_q(S_j) (P, P), masked keys -> 0 weight
//   O_j = V_j A_j^T                                (d, P), stacked to O (C, P)
//   Z = Wproj O + bproj,  Y = X + gamma * Z        (C, P)
// The (P, P) attention map lives only in a per-(sample, head) workspace that stays in
// cache; backward recomputes it from Q and K instead of storing N*heads maps.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/blas.hpp"
#include "kernels/cpu/fast_exp.hpp"

namespace manet::cpu {

// Row-wise softmax of S (P, P) in place; columns whose key is masked get weight 0.
template <class T>
void masked_softmax_rows(T* S, int P, const uint8_t* key_mask) {
  for (int p = 0; p < P; ++p) {
    T* row = S + long(p) * P;
    T top = -std::numeric_limits<T>::infinity();
    if (key_mask) {
      for (int q = 0; q < P; ++q)
        if (key_mask[q]) top = std::max(top, row[q]);
    } else {
#pragma omp simd reduction(max : top)
      for (int q = 0; q < P; ++q) top = std::max(top, row[q]);
    }
    T sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int q = 0; q < P; ++q) {
      row[q] = exp_of(row[q] - top);
      sum += row[q];
    }
    if (key_mask) {
      sum = 0;
      for (int q = 0; q < P; ++q) {
        row[q] = key_mask[q] ? row[q] : T(0);
        sum += row[q];
      }
    }
    const T inv = T(1) / sum;
#pragma omp simd
    for (int q = 0; q < P; ++q) row[q] *= inv;
  }
}

template <class T>
void add_row_bias(T* m, const T* bias, int rows, int cols) {
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) m[long(r) * cols + c] += bias[r];
}

template <class T>
void accumulate_row_sums(T* out, const T* m, int rows, int cols) {
  for (int r = 0; r < rows; ++r) {
    T sum = 0;
    for (int c = 0; c < cols; ++c) sum += m[long(r) * cols + c];
    out[r] += sum;
  }
}

// y, o, z: (N, C, P); qkv: (N, 3C, P) kept for backward; scores: (P, P) workspace;
// mask: (N, P) or null. gamma is the gate scalar.
template <class T>
void attention_forward(T* y, T* qkv, T* o, T* z, T* scores, const T* x, const uint8_t* mask, const T* wqkv,
                       const T* bqkv, const T* wproj, const T* bproj, T gamma, int N, int C, int P, int heads) {
  const int d = C / heads;
  const T scale = T(1) / std::sqrt(T(d));
  for (int n = 0; n < N; ++n) {
    const T* xn = x + long(n) * C * P;
    T* qkvn = qkv + long(n) * 3 * C * P;
    T* on = o + long(n) * C * P;
    T* zn = z + long(n) * C * P;
    const uint8_t* mn = mask ? mask + long(n) * P : nullptr;
    gemm(false, false, 3 * C, P, C, T(1), wqkv, C, xn, P, T(0), qkvn, P);
    add_row_bias(qkvn, bqkv, 3 * C, P);
    for (int j = 0; j < heads; ++j) {
      const T* Q = qkvn + long(j) * d * P;
      const T* K = qkvn + long(C + j * d) * P;
      const T* V = qkvn + long(2 * C + j * d) * P;
      gemm(true, false, P, P, d, scale, Q, P, K, P, T(0), scores, P);
      masked_softmax_rows(scores, P, mn);
      gemm(false, true, d, P, P, T(1), V, P, scores, P, T(0), on + long(j) * d * P, P);
    }
    gemm(false, false, C, P, C, T(1), wproj, C, on, P, T(0), zn, P);
    add_row_bias(zn, bproj, C, P);
    T* yn = y + long(n) * C * P;
    for (long i = 0; i < long(C) * P; ++i) yn[i] = xn[i] + gamma * zn[i];
  }
}

// Workspaces for one sample at a time.
template <class T>
struct AttentionScratch {
  T* scores;   // (P, P)
  T* dscores;  // (P, P)
  T* dz;       // (C, P)
  T* dO;       // (C, P)
  T* dqkv;     // (3C, P)
};

// Accumulates all parameter gradients (dgamma is one scalar); writes dx unless null.
template <class T>
void attention_backward(T* dx, T* dwqkv, T* dbqkv, T* dwproj, T* dbproj, T* dgamma, AttentionScratch<T> ws,
                        const T* dy, const T* x, const uint8_t* mask, const T* qkv, const T* o, const T* z,
                        const T* wqkv, const T* wproj, T gamma, int N, int C, int P, int heads) {
  const int d = C / heads;
  const T scale = T(1) / std::sqrt(T(d));
  const long CP = long(C) * P;
  for (int n = 0; n < N; ++n) {
    const T* dyn = dy + n * CP;
    const T* xn = x + n * CP;
    const T* qkvn = qkv + n * 3 * CP;
    const T* on = o + n * CP;
    const T* zn = z + n * CP;
    const uint8_t* mn = mask ? mask + long(n) * P : nullptr;

    T dg = 0;
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
      const T* dO = ws.dO + long(j) * d * P;
      T* A = ws.scores;
      T* dS = ws.dscores;
      gemm(true, false, P, P, d, scale, Q, P, K, P, T(0), A, P);
      masked_softmax_rows(A, P, mn);
      gemm(false, false, d, P, P, T(1), dO, P, A, P, T(0), ws.dqkv + long(2 * C + j * d) * P, P);  // dV
      gemm(true, false, P, P, d, T(1), dO, P, V, P, T(0), dS, P);                                   // dA
      for (int p = 0; p < P; ++p) {  // softmax backward: dS = A * (dA - <dA, A>_row)
        T* dr = dS + long(p) * P;
        const T* ar = A + long(p) * P;
        T dot = 0;
#pragma omp simd reduction(+ : dot)
        for (int q = 0; q < P; ++q) dot += dr[q] * ar[q];
#pragma omp simd
        for (int q = 0; q < P; ++q) dr[q] = ar[q] * (dr[q] - dot);
      }
      gemm(false, true, d, P, P, scale, K, P, dS, P, T(0), ws.dqkv + long(j) * d * P, P);        // dQ
      gemm(false, false, d, P, P, scale, Q, P, dS, P, T(0), ws.dqkv + long(C + j * d) * P, P);   // dK
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

}  // namespace manet::cpu
