#pragma once
// The per-(sample, head) core of attention, O = V softmax(QᵀK/√d)ᵀ, fused so that no
// P×P matrix is ever stored: queries are taken R = 4 at a time (8 with AVX-512), and their
// scores against every key (R×P, a few KB) stay in L1 while the softmax and the products
// with V run on them. Scores are kept in log2 units (log2 e folded into the query panel's
// scale), so the softmax needs 2^x, cheaper than e^x; lse is saved in the same units.
// Backward recomputes the scores from Q and K and the row log-sum-exp saved by forward
// (FlashAttention-2's recipe):
//   A = exp(S − lse),  dA = dOᵀV,  dS = A ∘ (dA − D) with D_p = dO_p · O_p,
//   dV += dO A,  dK += Q dS / √d,  dQ = K dSᵀ / √d.
// Q, K, V, O and their gradients are (d, P) with row stride P. Each is first copied into
// a (d, Pp) panel, Pp = P rounded up to the vector width, with zero padding, so the three
// micro-kernels below run on whole vectors (vector.hpp: 32 bytes in the AVX2 build, 64 in
// the AVX-512 one). Masked keys (and the padding columns) get score -inf: weight
// 2^-125 ~ 2e-38 in float (0 in double), gradient exactly 0.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/cpu/fast_exp.hpp"
#include "kernels/cpu/kernel_isa.hpp"
#include "kernels/cpu/vector.hpp"

namespace MANET_CPU_KERNELS {

template <class T>
constexpr T kLog2e = T(1.44269504088896340736);
template <class T>
constexpr T kLn2 = T(0.693147180559945309417);

// R: queries per block. AVX-512 takes 8: its 32 vector registers hold the 8 x 2 accumulators
// of block_scores and its loads (AVX2's 16 hold 4 x 2).
constexpr int kQueryBlock = MANET_VECTOR_BYTES == 64 ? 8 : 4;

// out (R, Pp) = aᵀ B + bias: out[r][q] = Σ_k a[k][r] B[k][q] + bias[q]; a and B are
// (d, Pp) panels, a already offset to the block's first column.
template <class T>
void block_scores(T* out, const T* a, const T* B, const T* bias, int d, int Pp) {
  using V = typename Lanes<T>::V;
  constexpr int W = Lanes<T>::W, R = kQueryBlock;
  int q = 0;
  for (; q + 2 * W <= Pp; q += 2 * W) {
    V acc[R][2] = {};
    for (int k = 0; k < d; ++k) {
      const V b0 = load_v(B + long(k) * Pp + q), b1 = load_v(B + long(k) * Pp + q + W);
      const T* ak = a + long(k) * Pp;
      for (int r = 0; r < R; ++r) {
        acc[r][0] += ak[r] * b0;
        acc[r][1] += ak[r] * b1;
      }
    }
    const V bias0 = load_v(bias + q), bias1 = load_v(bias + q + W);
    for (int r = 0; r < R; ++r) {
      store_v(out + long(r) * Pp + q, acc[r][0] + bias0);
      store_v(out + long(r) * Pp + q + W, acc[r][1] + bias1);
    }
  }
  if (q < Pp) {
    V acc[R] = {};
    for (int k = 0; k < d; ++k) {
      const V b0 = load_v(B + long(k) * Pp + q);
      const T* ak = a + long(k) * Pp;
      for (int r = 0; r < R; ++r) acc[r] += ak[r] * b0;
    }
    const V bias0 = load_v(bias + q);
    for (int r = 0; r < R; ++r) store_v(out + long(r) * Pp + q, acc[r] + bias0);
  }
}

// out (d, Pp) += a Bblk: out[k][q] += Σ_r a[k][r] Bblk[r][q]; a is a (d, Pp) panel
// offset to the block's first column, Bblk is (R, Pp). With first, out = a Bblk (the
// first block of a sum: no zeroed panel to read).
template <class T>
void block_rank_update(T* out, const T* a, const T* Bblk, int d, int Pp, bool first = false) {
  using V = typename Lanes<T>::V;
  constexpr int W = Lanes<T>::W, R = kQueryBlock;
  int q = 0;
  for (; q + 2 * W <= Pp; q += 2 * W) {
    V b[R][2];
    for (int r = 0; r < R; ++r) {
      b[r][0] = load_v(Bblk + long(r) * Pp + q);
      b[r][1] = load_v(Bblk + long(r) * Pp + q + W);
    }
    for (int k = 0; k < d; ++k) {
      T* ok = out + long(k) * Pp + q;
      V o0 = first ? V{} : load_v(ok), o1 = first ? V{} : load_v(ok + W);
      const T* ak = a + long(k) * Pp;
      for (int r = 0; r < R; ++r) {
        o0 += ak[r] * b[r][0];
        o1 += ak[r] * b[r][1];
      }
      store_v(ok, o0);
      store_v(ok + W, o1);
    }
  }
  if (q < Pp) {
    V b[R];
    for (int r = 0; r < R; ++r) b[r] = load_v(Bblk + long(r) * Pp + q);
    for (int k = 0; k < d; ++k) {
      T* ok = out + long(k) * Pp + q;
      V o0 = first ? V{} : load_v(ok);
      const T* ak = a + long(k) * Pp;
      for (int r = 0; r < R; ++r) o0 += ak[r] * b[r];
      store_v(ok, o0);
    }
  }
}

// out[k][r] = scale[r] Σ_q Bblk[r][q] Ct[q][k] for r < rows, k < d: the block's rows
// times a transposed panel Ct (Pp, dp), dp = d rounded up to the vector width, zero
// padded. Vectors run along k, so no horizontal sums: per q, R broadcasts of Bblk and
// dp/W loads of Ct feed R·dp/W FMAs. out has row stride ldo and is offset to the block's
// first column.
template <class T>
void block_times_transposed(T* out, long ldo, int rows, const T* Bblk, const T* Ct, int d, int dp, int Pp,
                            const T* scale) {
  using V = typename Lanes<T>::V;
  constexpr int W = Lanes<T>::W, R = kQueryBlock;
  alignas(MANET_VECTOR_BYTES) T tmp[R][2 * W];
  for (int k0 = 0; k0 < dp; k0 += 2 * W) {
    const int width = std::min(2 * W, dp - k0);
    if (width == 2 * W) {
      V acc[R][2] = {};
      for (int q = 0; q < Pp; ++q) {
        const V c0 = load_v(Ct + long(q) * dp + k0), c1 = load_v(Ct + long(q) * dp + k0 + W);
        for (int r = 0; r < R; ++r) {
          const T b = Bblk[long(r) * Pp + q];
          acc[r][0] += b * c0;
          acc[r][1] += b * c1;
        }
      }
      for (int r = 0; r < R; ++r) store_v(tmp[r], acc[r][0]), store_v(tmp[r] + W, acc[r][1]);
    } else {  // one vector of k: even and odd q in separate sums, 2R chains hide FMA latency
      V acc[R][2] = {};
      for (int q = 0; q < Pp; q += 2) {  // Pp is a multiple of W, so even
        const V c0 = load_v(Ct + long(q) * dp + k0), c1 = load_v(Ct + long(q + 1) * dp + k0);
        for (int r = 0; r < R; ++r) {
          acc[r][0] += Bblk[long(r) * Pp + q] * c0;
          acc[r][1] += Bblk[long(r) * Pp + q + 1] * c1;
        }
      }
      for (int r = 0; r < R; ++r) store_v(tmp[r], acc[r][0] + acc[r][1]);
    }
    for (int r = 0; r < rows; ++r)
      for (int k = k0; k < std::min(d, k0 + width); ++k) out[long(k) * ldo + r] = scale[r] * tmp[r][k - k0];
  }
}

// (d, P) rows with stride ld → (Pp, dp) transposed panel, zero padded.
template <class T>
void to_transposed_panel(T* panel, const T* src, long ld, int d, int P, int Pp, int dp) {
  std::fill(panel, panel + long(Pp) * dp, T(0));
  for (int k = 0; k < d; ++k)
    for (int q = 0; q < P; ++q) panel[long(q) * dp + k] = src[k * ld + q];
}

// (d, P) rows with stride ld → (d, Pp) panel, times `scale`, zero padded.
template <class T>
void to_panel(T* panel, const T* src, long ld, int d, int P, int Pp, T scale = T(1)) {
  for (int k = 0; k < d; ++k) {
    T* dst = panel + long(k) * Pp;
    const T* s = src + k * ld;
    for (int q = 0; q < P; ++q) dst[q] = scale * s[q];
    std::fill(dst + P, dst + Pp, T(0));
  }
}

// Workspace of one (sample, head); sizes from head_scratch_size().
template <class T>
struct HeadScratch {
  T *qp, *kp, *vp, *dop, *dkp, *dvp;  // (d, Pp) panels
  T* tp;                              // (Pp, dp): Vᵀ in forward, Kᵀ in backward
  T *scores, *dscores;               // (R, Pp) blocks
  T *bias, *zeros, *row_d;           // (Pp): 0 for a valid key, -inf else; (Pp) zeros; (P): D_p

  static long size(int d, int P) {
    const long Pp = padded_positions(P, Lanes<T>::W);
    return 6 * d * Pp + Pp * padded_positions(d, Lanes<T>::W) + 2 * kQueryBlock * Pp + 3 * Pp;
  }
  HeadScratch(T* base, int d, int P) {
    const long Pp = padded_positions(P, Lanes<T>::W), panel = long(d) * Pp;
    T** parts[] = {&qp, &kp, &vp, &dop, &dkp, &dvp};
    for (T** p : parts) *p = base, base += panel;
    tp = base, base += Pp * padded_positions(d, Lanes<T>::W);
    scores = base, base += kQueryBlock * Pp;
    dscores = base, base += kQueryBlock * Pp;
    bias = base, base += Pp;
    zeros = base, base += Pp;
    row_d = base;
  }
};

// Added to every score row: masked keys and the padding columns get -inf, so exp gives
// (next to) 0 for them without a select in the inner loops.
template <class T>
void fill_bias(T* bias, const uint8_t* key_mask, int P, int Pp) {
  for (int q = 0; q < Pp; ++q)
    bias[q] = q < P && (!key_mask || key_mask[q]) ? T(0) : -std::numeric_limits<T>::infinity();
}

// o (d, P) = head output; lse (P) = log2 Σ_q exp(S[p][q]) over valid keys, for backward.
// q, k, v, o: (d, P) with row stride ld.
template <class T>
void attention_head_forward(T* o, T* lse, const T* q, const T* k, const T* v, long ld, const uint8_t* key_mask,
                            int d, int P, HeadScratch<T> ws) {
  const int Pp = padded_positions(P, Lanes<T>::W), R = kQueryBlock;
  to_panel(ws.qp, q, ld, d, P, Pp, kLog2e<T> / std::sqrt(T(d)));  // scores in log2 units
  to_panel(ws.kp, k, ld, d, P, Pp);
  const int dp = padded_positions(d, Lanes<T>::W);
  to_transposed_panel(ws.tp, v, ld, d, P, Pp, dp);
  fill_bias(ws.bias, key_mask, P, Pp);
  for (int p0 = 0; p0 < P; p0 += R) {
    const int rows = std::min(R, P - p0);
    block_scores(ws.scores, ws.qp + p0, ws.kp, ws.bias, d, Pp);
    T inv_sum[kQueryBlock] = {};
    for (int r = 0; r < R; ++r) {
      T* s = ws.scores + long(r) * Pp;
      if (r >= rows) {
        std::fill(s, s + Pp, T(0));
        continue;
      }
      T top = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : top)
      for (int j = 0; j < Pp; ++j) top = top > s[j] ? top : s[j];
      T sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int j = 0; j < Pp; ++j) {
        s[j] = exp2_of_nonpositive(s[j] - top);
        sum += s[j];
      }
      inv_sum[r] = T(1) / sum;  // normalisation folded into the product with V
      lse[p0 + r] = top;
      ws.row_d[p0 + r] = sum;  // row_d is backward's; here it holds the sums for one log2 pass
    }
    block_times_transposed(o + p0, ld, rows, ws.scores, ws.tp, d, dp, Pp, inv_sum);
  }
#pragma omp simd
  for (int p = 0; p < P; ++p) lse[p] += log2_of_at_least_one(ws.row_d[p]);
}

// dq, dk, dv (d, P) are overwritten. o and lse are forward's; do_ is dL/dO. Every (d, P)
// array has row stride ld.
template <class T>
void attention_head_backward(T* dq, T* dk, T* dv, const T* q, const T* k, const T* v, const T* o, const T* do_,
                             long ld, const T* lse, const uint8_t* key_mask, int d, int P, HeadScratch<T> ws) {
  const int Pp = padded_positions(P, Lanes<T>::W), R = kQueryBlock;
  const T scale = T(1) / std::sqrt(T(d));
  to_panel(ws.qp, q, ld, d, P, Pp, kLog2e<T> * scale);  // scores in log2 units, as forward
  to_panel(ws.kp, k, ld, d, P, Pp);
  to_panel(ws.vp, v, ld, d, P, Pp);
  to_panel(ws.dop, do_, ld, d, P, Pp);
  const int dp = padded_positions(d, Lanes<T>::W);
  to_transposed_panel(ws.tp, k, ld, d, P, Pp, dp);
  fill_bias(ws.bias, key_mask, P, Pp);
  std::fill(ws.zeros, ws.zeros + Pp, T(0));
  std::fill(ws.row_d, ws.row_d + P, T(0));
  for (int c = 0; c < d; ++c)
    for (int p = 0; p < P; ++p) ws.row_d[p] += do_[c * ld + p] * o[c * ld + p];
  T scales[kQueryBlock];
  std::fill(scales, scales + kQueryBlock, scale);
  for (int p0 = 0; p0 < P; p0 += R) {
    const int rows = std::min(R, P - p0);
    block_scores(ws.scores, ws.qp + p0, ws.kp, ws.bias, d, Pp);    // S (masked: -inf)
    block_scores(ws.dscores, ws.dop + p0, ws.vp, ws.zeros, d, Pp);  // dA
    for (int r = 0; r < R; ++r) {
      T *a = ws.scores + long(r) * Pp, *ds = ws.dscores + long(r) * Pp;
      if (r >= rows) {
        std::fill(a, a + Pp, T(0));
        std::fill(ds, ds + Pp, T(0));
        continue;
      }
      const T m = lse[p0 + r], dp = ws.row_d[p0 + r];
#pragma omp simd
      for (int j = 0; j < Pp; ++j) {
        a[j] = exp2_of_nonpositive(a[j] - m);
        ds[j] = a[j] * (ds[j] - dp);
      }
    }
    block_rank_update(ws.dvp, ws.dop + p0, ws.scores, d, Pp, p0 == 0);   // dV += dO A
    block_rank_update(ws.dkp, ws.qp + p0, ws.dscores, d, Pp, p0 == 0);   // dK += (Q log2e/√d) dS
    block_times_transposed(dq + p0, ld, rows, ws.dscores, ws.tp, d, dp, Pp, scales);  // dQ = K dSᵀ/√d
  }
  for (int c = 0; c < d; ++c)  // masked keys: exactly 0 (their weights were ~2e-38, not 0)
    for (int j = 0; j < P; ++j) {
      const bool valid = ws.bias[j] == T(0);
      dk[c * ld + j] = valid ? kLn2<T> * ws.dkp[long(c) * Pp + j] : T(0);  // undo the log2 e
      dv[c * ld + j] = valid ? ws.dvp[long(c) * Pp + j] : T(0);
    }
}

}  // namespace MANET_CPU_KERNELS
