#pragma once
// The first convolution of an image or spectrogram model (one input channel, no mask),
// computed directly instead of as im2col + GEMM: with C_in = 1 the GEMM has K = kh·kw
// (9), far too short for OpenBLAS, and im2col writes 9 copies of the input to feed it.
// Here each sample's input is copied once into a zero-padded plane, and every output row
// is built from kh·kw shifted vector loads of it:
//   y[co][h][w] = ReLU(b[co] + Σ_{i,j} w[co][i][j] xp[h+i][w+j]),  xp = x padded by (kh/2, kw/2),
// the same "same"-padded convolution as conv.hpp. Backward gives dweight and dbias (the
// input of a first layer needs no gradient; ConvLayer falls back to conv.hpp when it does).
#include <algorithm>
#include <cstdint>

#include "kernels/cpu/kernel_isa.hpp"
#include "kernels/cpu/vector.hpp"

namespace MANET_CPU_KERNELS {

// When the direct kernels apply: one input channel, no key mask, kernel sides 1, 3 or 5
// (each size is its own instantiation, so the taps live in registers).
inline bool direct_conv_applies(int Ci, int kh, int kw, const uint8_t* mask) {
  const auto side = [](int k) { return k == 1 || k == 3 || k == 5; };
  return Ci == 1 && !mask && side(kh) && side(kw);
}

// Geometry of the padded planes: rows H + kh - 1; a row holds the output's W columns
// rounded up to whole vectors, plus kw - 1 (and kept a multiple of the vector width).
template <class T>
struct DirectConvPlane {
  int vectors, row, rows;
  DirectConvPlane(int H, int W, int kh, int kw)
      : vectors((W + Lanes<T>::W - 1) / Lanes<T>::W),
        row((vectors * Lanes<T>::W + kw - 1 + Lanes<T>::W - 1) / Lanes<T>::W * Lanes<T>::W),
        rows(H + kh - 1) {}
  long size() const { return long(rows) * row; }
};

template <class T>
long direct_conv_workspace(int N, int H, int W, int kh, int kw) {
  return long(N) * DirectConvPlane<T>(H, W, kh, kw).size();
}

// xp (N planes) = x (N, 1, H, W) with zero borders.
template <class T>
void pad_planes(T* xp, const T* x, int N, int H, int W, int kh, int kw) {
  const DirectConvPlane<T> g(H, W, kh, kw);
  std::fill(xp, xp + N * g.size(), T(0));
  for (int n = 0; n < N; ++n)
    for (int h = 0; h < H; ++h)
      std::copy(x + (long(n) * H + h) * W, x + (long(n) * H + h + 1) * W,
                xp + n * g.size() + long(h + kh / 2) * g.row + kw / 2);
}

namespace detail {

template <class T, int kh, int kw>
void direct_forward(T* y, T* xp, const T* x, const T* weight, const T* bias, int N, int H, int W, int Co) {
  using V = typename Lanes<T>::V;
  constexpr int L = Lanes<T>::W, taps = kh * kw;
  const DirectConvPlane<T> g(H, W, kh, kw);
  pad_planes(xp, x, N, H, W, kh, kw);
  alignas(MANET_VECTOR_BYTES) T tail[L];
  for (int n = 0; n < N; ++n)
    for (int co = 0; co < Co; ++co) {  // the channel's taps stay in registers over the plane
      V wv[taps];
      for (int t = 0; t < taps; ++t) wv[t] = V{} + weight[long(co) * taps + t];
      const V bv = V{} + bias[co];
      const T* xn = xp + n * g.size();
      T* yc = y + (long(n) * Co + co) * H * W;
      for (int h = 0; h < H; ++h)
        for (int v = 0; v < g.vectors; ++v) {
          V acc = bv;
          for (int i = 0; i < kh; ++i)
            for (int j = 0; j < kw; ++j) acc += wv[i * kw + j] * load_v(xn + long(h + i) * g.row + v * L + j);
          acc = acc > T(0) ? acc : T(0);
          const int width = std::min(L, W - v * L);
          if (width == L) {
            store_v(yc + h * W + v * L, acc);
          } else {
            store_v(tail, acc);
            std::copy(tail, tail + width, yc + h * W + v * L);
          }
        }
    }
}

template <class T, int kh, int kw>
void direct_backward(T* dweight, T* dbias, T* xp, const T* dy, const T* y, const T* x, int N, int H, int W, int Co) {
  using V = typename Lanes<T>::V;
  constexpr int L = Lanes<T>::W, taps = kh * kw;
  const DirectConvPlane<T> g(H, W, kh, kw);
  pad_planes(xp, x, N, H, W, kh, kw);
  alignas(MANET_VECTOR_BYTES) T ty[L] = {}, tdy[L] = {};  // a row's last, partial vector
  for (int co = 0; co < Co; ++co) {
    V acc[taps] = {}, bsum = {};
    for (int n = 0; n < N; ++n) {
      const T* yc = y + (long(n) * Co + co) * H * W;
      const T* dyc = dy + (long(n) * Co + co) * H * W;
      const T* xn = xp + n * g.size();
      for (int h = 0; h < H; ++h)
        for (int v = 0; v < g.vectors; ++v) {
          const int at = h * W + v * L, width = std::min(L, W - v * L);
          V yv, dyv;
          if (width == L) {
            yv = load_v(yc + at), dyv = load_v(dyc + at);
          } else {  // lanes past the row's end read y = 0: no gradient
            std::copy(yc + at, yc + at + width, ty), std::copy(dyc + at, dyc + at + width, tdy);
            yv = load_v(ty), dyv = load_v(tdy);
          }
          const V gv = yv > T(0) ? dyv : V{};  // the ReLU's gradient
          bsum += gv;
          for (int i = 0; i < kh; ++i)
            for (int j = 0; j < kw; ++j) acc[i * kw + j] += gv * load_v(xn + long(h + i) * g.row + v * L + j);
        }
    }
    for (int t = 0; t < taps; ++t)
      for (int l = 0; l < L; ++l) dweight[long(co) * taps + t] += acc[t][l];
    for (int l = 0; l < L; ++l) dbias[co] += bsum[l];
  }
}

template <class F>
void with_kernel(int kh, int kw, F f) {
  switch (kh * 10 + kw) {
    case 11: return f.template operator()<1, 1>();
    case 13: return f.template operator()<1, 3>();
    case 15: return f.template operator()<1, 5>();
    case 31: return f.template operator()<3, 1>();
    case 33: return f.template operator()<3, 3>();
    case 35: return f.template operator()<3, 5>();
    case 51: return f.template operator()<5, 1>();
    case 53: return f.template operator()<5, 3>();
    default: return f.template operator()<5, 5>();
  }
}

}  // namespace detail

// y (N, Co, H, W) = ReLU(conv(x) + b); xp: direct_conv_workspace() elements.
template <class T>
void direct_conv_relu_forward(T* y, T* xp, const T* x, const T* weight, const T* bias, int N, int H, int W, int Co,
                              int kh, int kw) {
  detail::with_kernel(kh, kw, [&]<int KH, int KW>() {
    detail::direct_forward<T, KH, KW>(y, xp, x, weight, bias, N, H, W, Co);
  });
}

// dweight (Co, 1, kh, kw) and dbias (Co) accumulate; xp: as forward (refilled from x).
template <class T>
void direct_conv_relu_backward(T* dweight, T* dbias, T* xp, const T* dy, const T* y, const T* x, int N, int H, int W,
                               int Co, int kh, int kw) {
  detail::with_kernel(kh, kw, [&]<int KH, int KW>() {
    detail::direct_backward<T, KH, KW>(dweight, dbias, xp, dy, y, x, N, H, W, Co);
  });
}

}  // namespace MANET_CPU_KERNELS
