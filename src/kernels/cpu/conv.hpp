#pragma once
// 2-D convolution, stride 1, "same" zero padding (odd kernels), fused ReLU:
//   y = ReLU(conv(x) + b)
// computed as im2col + one GEMM over the whole batch, so OpenBLAS sees one long GEMM.
// Masked input positions read as zero (docs/model.md: masked positions are set to 0 before
// every convolution), and get no gradient.
#include <algorithm>
#include <cstdint>

#include "core/blas.hpp"
#include "kernels/cpu/kernel_isa.hpp"

namespace MANET_CPU_KERNELS {

// col: (K, N*P) with K = C*kh*kw, P = H*W; x: (N, C, H, W); mask: (N, P) or null.
template <class T>
void im2col(T* col, const T* x, const uint8_t* mask, int N, int C, int H, int W, int kh, int kw) {
  const int P = H * W, ph = kh / 2, pw = kw / 2;
  const long NP = long(N) * P;
  for (int c = 0; c < C; ++c)
    for (int ki = 0; ki < kh; ++ki)
      for (int kj = 0; kj < kw; ++kj) {
        T* row = col + (long(c * kh + ki) * kw + kj) * NP;
        const int dh = ki - ph, dw = kj - pw;  // out[h][w] = x[h + dh][w + dw], 0 outside
        for (int n = 0; n < N; ++n) {
          const T* xc = x + (long(n) * C + c) * P;
          const uint8_t* m = mask ? mask + long(n) * P : nullptr;
          T* out = row + long(n) * P;
          if (!m) {
            // No mask: the whole plane shifted by one flat offset, one copy. A position whose
            // source column is inside the row is inside the plane iff its flat source index
            // is, so zeroing outside [lo, hi) and then the columns that wrap is exact.
            const long off = long(dh) * W + dw, lo = std::clamp<long>(-off, 0, P);
            const long hi = std::clamp<long>(P - off, lo, P);
            std::fill(out, out + lo, T(0));
            std::copy(xc + lo + off, xc + hi + off, out + lo);
            std::fill(out + hi, out + P, T(0));
            const int wrap_lo = std::min(W, std::max(0, -dw)), wrap_hi = std::max(wrap_lo, std::min(W, W - dw));
            if (wrap_lo > 0 || wrap_hi < W)
              for (int h = 0; h < H; ++h) {
                for (int w = 0; w < wrap_lo; ++w) out[h * W + w] = T(0);
                for (int w = wrap_hi; w < W; ++w) out[h * W + w] = T(0);
              }
            continue;
          }
          for (int h = 0; h < H; ++h) {
            const int hs = h + dh;
            for (int w = 0; w < W; ++w) {
              const int ws = w + dw;
              const bool inside = hs >= 0 && hs < H && ws >= 0 && ws < W && m[hs * W + ws];
              out[h * W + w] = inside ? xc[hs * W + ws] : T(0);
            }
          }
        }
      }
}

// dx (N, C, H, W) = col2im(dcol): the adjoint of im2col. Overwrites dx.
template <class T>
void col2im(T* dx, const T* dcol, const uint8_t* mask, int N, int C, int H, int W, int kh, int kw) {
  const int P = H * W, ph = kh / 2, pw = kw / 2;
  const long NP = long(N) * P;
  std::fill(dx, dx + long(N) * C * P, T(0));
  for (int c = 0; c < C; ++c)
    for (int ki = 0; ki < kh; ++ki)
      for (int kj = 0; kj < kw; ++kj) {
        const T* row = dcol + (long(c * kh + ki) * kw + kj) * NP;
        for (int n = 0; n < N; ++n) {
          T* dxc = dx + (long(n) * C + c) * P;
          const uint8_t* m = mask ? mask + long(n) * P : nullptr;
          const T* in = row + long(n) * P;
          const int w_lo = std::min(W, std::max(0, pw - kj)), w_hi = std::max(w_lo, std::min(W, W + pw - kj));
          for (int h = 0; h < H; ++h) {
            const int hs = h + ki - ph;
            if (hs < 0 || hs >= H) continue;
            if (!m) {  // no mask: one contiguous, vectorisable add per row
              T* dst = dxc + hs * W + kj - pw;
              const T* src = in + h * W;
              for (int w = w_lo; w < w_hi; ++w) dst[w] += src[w];
              continue;
            }
            for (int w = 0; w < W; ++w) {
              const int ws = w + kj - pw;
              if (ws >= 0 && ws < W && (!m || m[hs * W + ws])) dxc[hs * W + ws] += in[h * W + w];
            }
          }
        }
      }
}

// y: (N, Co, H, W); col: (Ci*kh*kw, N*P) workspace; scratch: (Co, N*P);
// weight: (Co, Ci, kh, kw); bias: (Co).
template <class T>
void conv_relu_forward(T* y, T* col, T* scratch, const T* x, const uint8_t* mask, const T* weight,
                       const T* bias, int N, int Ci, int H, int W, int Co, int kh, int kw) {
  const int P = H * W, K = Ci * kh * kw;
  const int NP = N * P;
  im2col(col, x, mask, N, Ci, H, W, kh, kw);
  // (Co, N*P) = b + W col: the bias is written first and the GEMM adds onto it (beta = 1),
  // which spares OpenBLAS its separate pass that zeroes C when beta is 0.
  for (int co = 0; co < Co; ++co) std::fill(scratch + long(co) * NP, scratch + long(co + 1) * NP, bias[co]);
  gemm(false, false, Co, NP, K, T(1), weight, K, col, NP, T(1), scratch, NP);
  for (int n = 0; n < N; ++n)
    for (int co = 0; co < Co; ++co) {
      const T* src = scratch + long(co) * NP + long(n) * P;
      T* dst = y + (long(n) * Co + co) * P;
      for (int p = 0; p < P; ++p) dst[p] = std::max(src[p], T(0));
    }
}

// Accumulates dweight, dbias; writes dx (N, Ci, H, W) unless dx is null. col: (K, N*P)
// workspace: im2col(x) is recomputed into it (cheaper than keeping it: 9x the input for a
// 3x3 kernel), then it holds dcol. scratch: (Co, N*P).
template <class T>
void conv_relu_backward(T* dx, T* dweight, T* dbias, T* col, T* scratch, const T* dy, const T* y, const T* x,
                        const uint8_t* mask, const T* weight, int N, int Ci, int H, int W, int Co, int kh, int kw) {
  const int P = H * W, K = Ci * kh * kw;
  const int NP = N * P;
  for (int n = 0; n < N; ++n)  // gradient through ReLU, gathered into (Co, N*P)
    for (int co = 0; co < Co; ++co) {
      const long at = (long(n) * Co + co) * P;
      T* dst = scratch + long(co) * NP + long(n) * P;
      T sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int p = 0; p < P; ++p) {
        dst[p] = y[at + p] > T(0) ? dy[at + p] : T(0);
        sum += dst[p];
      }
      dbias[co] += sum;
    }
  im2col(col, x, mask, N, Ci, H, W, kh, kw);
  gemm(false, true, Co, K, NP, T(1), scratch, NP, col, NP, T(1), dweight, K);
  if (!dx) return;
  gemm(true, false, K, NP, Co, T(1), weight, K, scratch, NP, T(0), col, NP);
  col2im(dx, col, mask, N, Ci, H, W, kh, kw);
}

}  // namespace MANET_CPU_KERNELS
