#pragma once
// 3×3 "same" convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray 2016):
// every 2×2 block of outputs (a tile) comes from a 4×4 patch of the zero-padded input as
//   Y = Aᵀ [ Σ_c (G g_c Gᵀ) ∘ (Bᵀ d_c B) ] A,
// 16 multiplies per tile and input channel instead of 36. Across channels and tiles the
// products are 16 GEMMs, M_ξ (tiles × Cout) = V_ξ (tiles × Cin) · U_ξ (Cin × Cout), one
// per position ξ of the 4×4 transformed patch. Activations are first laid out channel-last
// (tile, channel), so both transforms run as vector loops over channels.
//
// The same routine gives the input gradient of a 3×3 convolution: dx = conv(g, w'), with
// w'[ci][co] = w[co][ci] rotated by 180° (adjoint_weights below), and no bias or ReLU;
// winograd_weight_grad gives the weight and bias gradients through the transposed
// transforms. Each transform only adds and halves, so the results differ from a direct
// sum by float rounding (the tests hold them to 1e-5 relative against im2col + GEMM).
#include <algorithm>
#include <cstdint>

#include "core/blas.hpp"
#include "kernels/cpu/kernel_isa.hpp"
#include "kernels/cpu/transpose.hpp"

namespace MANET_CPU_KERNELS {

// When Winograd pays: a 3×3 kernel, no key mask, enough channels for the GEMMs and the
// channel vectors (the first layer, C_in = 1, goes to conv_direct.hpp).
inline bool winograd_applies(int Ci, int Co, int kh, int kw, const uint8_t* mask) {
  return kh == 3 && kw == 3 && !mask && Ci >= 8 && Co >= 8;
}

// Tiles and padded plane of one sample.
struct WinogradGeometry {
  int H, W, th, tw, Hp, Wp;
  WinogradGeometry(int H_, int W_) : H(H_), W(W_), th((H_ + 1) / 2), tw((W_ + 1) / 2), Hp(2 * th + 2), Wp(2 * tw + 2) {}
  long tiles() const { return long(th) * tw; }
};

// Workspace (elements) of winograd_conv with Cin -> Cout channels, one sample at a time;
// and the size of its product buffer M, which callers keep zeroed (see winograd_conv).
inline long winograd_workspace(int Cin, int Cout, int H, int W) {
  const WinogradGeometry g(H, W);
  return long(g.Hp) * g.Wp * Cin + 16 * g.tiles() * Cin + long(H) * W * Cout + 4L * Cout;
}
inline long winograd_products(int Cout, int H, int W) {
  return 16 * WinogradGeometry(H, W).tiles() * Cout;
}

// One sample's (C, H, W) map x into the interior of the channel-last padded plane xt
// (Hp, Wp, C), whose zero border the caller keeps. With `gate`, x where gate > 0, else 0.
template <class T>
void winograd_pad(T* xt, const T* x, const T* gate, const WinogradGeometry& g, int C) {
  const long P = long(g.H) * g.W;
  for (int h = 0; h < g.H; ++h)  // row h of every channel, (C, W) -> (W, C)
    transpose(xt + (long(h + 1) * g.Wp + 1) * C, C, x + h * g.W, P, C, g.W, gate ? gate + h * g.W : nullptr);
}

// The four outputs of tile (i, j) in a channel-last (H, W, C) plane; those past the map's
// edge (odd H or W) are the rows of `outside` (4, C) instead.
template <class T>
void winograd_tile_cells(T* cell[2][2], T* plane, T* outside, int i, int j, const WinogradGeometry& g, int C) {
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 2; ++b) {
      const int h = 2 * i + a, w = 2 * j + b;
      cell[a][b] = h < g.H && w < g.W ? plane + (long(h) * g.W + w) * C : outside + (a * 2 + b) * C;
    }
}

// U (16, Ci, Co) = G w Gᵀ for w (Co, Ci, 3, 3).
template <class T>
void winograd_weights(T* U, const T* w, int Co, int Ci) {
  for (int co = 0; co < Co; ++co)
    for (int ci = 0; ci < Ci; ++ci) {
      const T* g = w + (long(co) * Ci + ci) * 9;
      T t[4][3];  // G g: G = [[1,0,0],[1/2,1/2,1/2],[1/2,-1/2,1/2],[0,0,1]]
      for (int j = 0; j < 3; ++j) {
        t[0][j] = g[j];
        t[1][j] = T(0.5) * (g[j] + g[3 + j] + g[6 + j]);
        t[2][j] = T(0.5) * (g[j] - g[3 + j] + g[6 + j]);
        t[3][j] = g[6 + j];
      }
      for (int i = 0; i < 4; ++i) {  // (G g) Gᵀ
        const T u[4] = {t[i][0], T(0.5) * (t[i][0] + t[i][1] + t[i][2]), T(0.5) * (t[i][0] - t[i][1] + t[i][2]),
                        t[i][2]};
        for (int j = 0; j < 4; ++j) U[(long(i * 4 + j) * Ci + ci) * Co + co] = u[j];
      }
    }
}

// The weights of the input gradient: w' (Ci, Co, 3, 3), w'[ci][co][i][j] = w[co][ci][2-i][2-j].
template <class T>
void adjoint_weights(T* wt, const T* w, int Co, int Ci) {
  for (int co = 0; co < Co; ++co)
    for (int ci = 0; ci < Ci; ++ci)
      for (int k = 0; k < 9; ++k) wt[(long(ci) * Co + co) * 9 + k] = w[(long(co) * Ci + ci) * 9 + 8 - k];
}

// V[ξ][t0 + tile][c] = (Bᵀ d B)[ξ] for every tile of one padded channel-last plane xt,
// Bᵀ = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]]; V is (16, ld_tiles, Cin).
template <class T>
void winograd_input_transform(T* V, long ld_tiles, long t0, const T* xt, const WinogradGeometry& g, int Cin) {
  const long nt = ld_tiles;
  for (int i = 0; i < g.th; ++i)
    for (int j = 0; j < g.tw; ++j) {
      const long t = t0 + long(i) * g.tw + j;
      const T* d[4][4];
      for (int r = 0; r < 4; ++r)
        for (int q = 0; q < 4; ++q) d[r][q] = xt + (long(2 * i + r) * g.Wp + 2 * j + q) * Cin;
      T* v[16];
      for (int k = 0; k < 16; ++k) v[k] = V + (k * nt + t) * Cin;
#pragma omp simd
      for (int c = 0; c < Cin; ++c) {
        T b[4][4];
        for (int q = 0; q < 4; ++q) {
          b[0][q] = d[0][q][c] - d[2][q][c];
          b[1][q] = d[1][q][c] + d[2][q][c];
          b[2][q] = d[2][q][c] - d[1][q][c];
          b[3][q] = d[1][q][c] - d[3][q][c];
        }
        for (int r = 0; r < 4; ++r) {
          v[r * 4 + 0][c] = b[r][0] - b[r][2];
          v[r * 4 + 1][c] = b[r][1] + b[r][2];
          v[r * 4 + 2][c] = b[r][2] - b[r][1];
          v[r * 4 + 3][c] = b[r][1] - b[r][3];
        }
      }
    }
}

// y (N, Cout, H, W) = conv3x3(x) [+ bias] [then ReLU], U from winograd_weights. With
// `gate`, the input is x where gate > 0 and 0 elsewhere (the ReLU's gradient of a layer
// whose output was gate), read in place. Samples go one at a time (their workspace stays
// in L2). M holds winograd_products() elements that are zero on entry and are left zero:
// each GEMM then adds onto zeros (beta = 1), which spares OpenBLAS a zeroing pass and call
// per product (measured 4.46 -> 3.28 ms for the 16 x 64 GEMMs of blocks.2), and the output
// transform, which reads M anyway, writes the zeros back.
template <class T>
void winograd_conv(T* y, const T* x, const T* gate, const T* U, const T* bias, bool relu, int N, int Cin, int Cout,
                   int H, int W, T* ws, T* M) {
  const WinogradGeometry g(H, W);
  const long P = long(H) * W, nt = g.tiles();
  T* xt = ws;                               // (Hp, Wp, Cin), zero borders
  T* V = xt + long(g.Hp) * g.Wp * Cin;      // (16, tiles, Cin)
  T* yt = V + 16 * nt * Cin;                // (H, W, Cout)
  T* spill = yt + P * Cout;                 // (4, Cout): outputs of edge tiles past the map
  std::fill(xt, xt + long(g.Hp) * g.Wp * Cin, T(0));  // the interior is overwritten per sample
  for (int n = 0; n < N; ++n) {
    const T* xn = x + long(n) * Cin * P;
    const T* gn = gate ? gate + long(n) * Cin * P : nullptr;
    winograd_pad(xt, xn, gn, g, Cin);
    winograd_input_transform(V, nt, 0, xt, g, Cin);
    for (int k = 0; k < 16; ++k)
      gemm(false, false, int(nt), Cout, Cin, T(1), V + k * nt * Cin, Cin, U + long(k) * Cin * Cout, Cout, T(1),
           M + k * nt * Cout, Cout);
    // Y = Aᵀ M A, Aᵀ = [[1,1,1,0],[0,1,-1,-1]], then bias and ReLU; tiles past the map's
    // edge (odd H or W) write only their inside outputs.
    for (int i = 0; i < g.th; ++i)
      for (int j = 0; j < g.tw; ++j) {
        const long t = long(i) * g.tw + j;
        T* m[16];
        for (int k = 0; k < 16; ++k) m[k] = M + (k * nt + t) * Cout;
        T* out[2][2];
        winograd_tile_cells(out, yt, spill, i, j, g, Cout);
#pragma omp simd
        for (int co = 0; co < Cout; ++co) {
          T a0[4], a1[4];
          for (int q = 0; q < 4; ++q) {
            a0[q] = m[q][co] + m[4 + q][co] + m[8 + q][co];
            a1[q] = m[4 + q][co] - m[8 + q][co] - m[12 + q][co];
          }
          for (int k = 0; k < 16; ++k) m[k][co] = T(0);  // M's zeros for the next sample
          const T base = bias ? bias[co] : T(0);
          T o[4] = {base + a0[0] + a0[1] + a0[2], base + a0[1] - a0[2] - a0[3], base + a1[0] + a1[1] + a1[2],
                    base + a1[1] - a1[2] - a1[3]};
          for (int k = 0; k < 4; ++k) {
            if (relu) o[k] = o[k] > T(0) ? o[k] : T(0);
            out[k / 2][k % 2][co] = o[k];
          }
        }
      }
    T* yn = y + long(n) * Cout * P;
    transpose(yn, P, yt, Cout, int(P), Cout);  // (H·W, Cout) -> (Cout, H·W)
  }
}

// Workspace (elements) of winograd_weight_grad, S samples per GEMM.
inline long winograd_weight_grad_workspace(int S, int Cin, int Cout, int H, int W) {
  const WinogradGeometry g(H, W);
  const long K = S * g.tiles();
  return long(g.Hp) * g.Wp * Cin + 16 * K * Cin + long(H) * W * Cout + 16 * K * Cout + 16L * Cin * Cout + 4L * Cout;
}

// dweight (Cout, Cin, 3, 3) and dbias (Cout) accumulate the gradients of
// y = ReLU(conv3x3(x) + b) given dy. With g = dy where y > 0 (0 elsewhere and past the
// map's edge), each tile's dM = A g Aᵀ, dU_ξ = Σ_tiles V_ξᵀ dM_ξ (16 GEMMs over S samples'
// tiles at a time), and dW = Gᵀ dU G: the adjoint of forward, 16 multiplies per tile
// and channel pair instead of im2col's 36.
template <class T>
void winograd_weight_grad(T* dweight, T* dbias, const T* x, const T* dy, const T* y, int N, int Cin, int Cout, int H,
                          int W, int S, T* ws) {
  const WinogradGeometry g(H, W);
  const long P = long(H) * W, nt = g.tiles(), K = S * nt;
  T* xt = ws;                           // (Hp, Wp, Cin), zero borders
  T* V = xt + long(g.Hp) * g.Wp * Cin;  // (16, K, Cin)
  T* gt = V + 16 * K * Cin;             // (H, W, Cout): one sample's g, channel-last
  T* dM = gt + P * Cout;                // (16, K, Cout)
  T* dU = dM + 16 * K * Cout;           // (16, Cin, Cout)
  T* zeros = dU + 16L * Cin * Cout;     // (4, Cout): g past the map's edge
  std::fill(xt, xt + long(g.Hp) * g.Wp * Cin, T(0));
  std::fill(dU, dU + 16L * Cin * Cout + 4L * Cout, T(0));
  for (int n0 = 0; n0 < N; n0 += S) {
    const int count = std::min(S, N - n0);
    for (int s = 0; s < count; ++s) {
      const long n = n0 + s;
      winograd_pad(xt, x + n * Cin * P, static_cast<const T*>(nullptr), g, Cin);
      winograd_input_transform(V, K, s * nt, xt, g, Cin);
      transpose(gt, Cout, dy + n * Cout * P, P, Cout, int(P), y + n * Cout * P);
      for (long p = 0; p < P; ++p)
#pragma omp simd
        for (int co = 0; co < Cout; ++co) dbias[co] += gt[p * Cout + co];
      for (int i = 0; i < g.th; ++i)  // dM = A g Aᵀ, A = [[1,0],[1,1],[1,-1],[0,-1]]
        for (int j = 0; j < g.tw; ++j) {
          const long t = s * nt + long(i) * g.tw + j;
          T* yv[2][2];
          winograd_tile_cells(yv, gt, zeros, i, j, g, Cout);
          T* m[16];
          for (int k = 0; k < 16; ++k) m[k] = dM + (k * K + t) * Cout;
#pragma omp simd
          for (int co = 0; co < Cout; ++co) {
            T e[4][2];
            for (int b = 0; b < 2; ++b) {
              const T y0 = yv[0][b][co], y1 = yv[1][b][co];
              e[0][b] = y0, e[1][b] = y0 + y1, e[2][b] = y0 - y1, e[3][b] = -y1;
            }
            for (int r = 0; r < 4; ++r) {
              m[r * 4 + 0][co] = e[r][0];
              m[r * 4 + 1][co] = e[r][0] + e[r][1];
              m[r * 4 + 2][co] = e[r][0] - e[r][1];
              m[r * 4 + 3][co] = -e[r][1];
            }
          }
        }
    }
    for (int k = 0; k < 16; ++k)
      gemm(true, false, Cin, Cout, int(count * nt), T(1), V + k * K * Cin, Cin, dM + k * K * Cout, Cout, T(1),
           dU + long(k) * Cin * Cout, Cout);
  }
  for (int ci = 0; ci < Cin; ++ci)  // dW = Gᵀ dU G, G = [[1,0,0],[½,½,½],[½,-½,½],[0,0,1]]
    for (int co = 0; co < Cout; ++co) {
      T u[4][4], t[3][4];
      for (int k = 0; k < 16; ++k) u[k / 4][k % 4] = dU[(long(k) * Cin + ci) * Cout + co];
      for (int q = 0; q < 4; ++q) {
        t[0][q] = u[0][q] + T(0.5) * (u[1][q] + u[2][q]);
        t[1][q] = T(0.5) * (u[1][q] - u[2][q]);
        t[2][q] = T(0.5) * (u[1][q] + u[2][q]) + u[3][q];
      }
      T* dw = dweight + (long(co) * Cin + ci) * 9;
      for (int i = 0; i < 3; ++i) {
        dw[i * 3 + 0] += t[i][0] + T(0.5) * (t[i][1] + t[i][2]);
        dw[i * 3 + 1] += T(0.5) * (t[i][1] - t[i][2]);
        dw[i * 3 + 2] += T(0.5) * (t[i][1] + t[i][2]) + t[i][3];
      }
    }
}

}  // namespace MANET_CPU_KERNELS
