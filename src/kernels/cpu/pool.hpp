#pragma once
// Max and average pooling, window = stride = (sh, sw), no padding; output floor(H/sh) x
// floor(W/sw). Under a key mask only valid positions take part: an output position is
// valid iff any position of its window was; an empty window gives 0.
#include <algorithm>
#include <cstdint>
#include <limits>

#include "kernels/cpu/kernel_isa.hpp"
#include "kernels/cpu/kernel_types.hpp"  // PoolKind

namespace MANET_CPU_KERNELS {

// Images' 2x2 max pool over rows of at least a vector: forward and backward take their
// branch-free, vectorised loops (narrower rows, 7 wide after two poolings of 28, measured
// faster on the general ones).
inline bool two_by_two_max_path(const uint8_t* xmask, PoolKind kind, int sh, int sw, int Wo) {
  return !xmask && kind == PoolKind::max && sh == 2 && sw == 2 && Wo >= 8;
}

// y: (N, C, Ho, Wo); ymask: (N, Ho*Wo) written when xmask is given;
// argmax: (N, C, Ho*Wo) flat input index within the map, -1 for an empty window (max only).
// Returns the number of samples left with no valid position (0 without a mask).
template <class T>
int pool_forward(T* y, uint8_t* ymask, int32_t* argmax, const T* x, const uint8_t* xmask, PoolKind kind, int N,
                 int C, int H, int W, int sh, int sw) {
  const int Ho = H / sh, Wo = W / sw, P = H * W, Po = Ho * Wo;
  int emptied = 0;
  if (xmask) {
    for (int n = 0; n < N; ++n) {
      int valid = 0;
      for (int oh = 0; oh < Ho; ++oh)
        for (int ow = 0; ow < Wo; ++ow) {
          uint8_t any = 0;
          for (int i = 0; i < sh; ++i)
            for (int j = 0; j < sw; ++j) any |= xmask[long(n) * P + (oh * sh + i) * W + ow * sw + j];
          ymask[long(n) * Po + oh * Wo + ow] = any;
          valid += any;
        }
      emptied += valid == 0;
    }
  }
  if (two_by_two_max_path(xmask, kind, sh, sw, Wo)) {
    for (long nc = 0; nc < long(N) * C; ++nc) {
      const T* xc = x + nc * P;
      T* yc = y + nc * Po;
      int32_t* ac = argmax + nc * Po;
      for (int oh = 0; oh < Ho; ++oh) {
        const T *r0 = xc + 2 * oh * W, *r1 = r0 + W;
        const int base = 2 * oh * W;
#pragma omp simd
        for (int ow = 0; ow < Wo; ++ow) {  // the first largest in scan order, as below
          const T a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
          const T top = b > a ? b : a, bottom = d > c ? d : c;
          const int32_t itop = b > a ? 1 : 0, ibottom = d > c ? W + 1 : W;
          yc[oh * Wo + ow] = bottom > top ? bottom : top;
          ac[oh * Wo + ow] = base + 2 * ow + (bottom > top ? ibottom : itop);
        }
      }
    }
    return 0;
  }
  if (!xmask && kind == PoolKind::max) {  // images: every position valid, no counting
    for (long nc = 0; nc < long(N) * C; ++nc) {
      const T* xc = x + nc * P;
      T* yc = y + nc * Po;
      int32_t* ac = argmax + nc * Po;
      for (int oh = 0; oh < Ho; ++oh)
        for (int ow = 0; ow < Wo; ++ow) {
          int arg = oh * sh * W + ow * sw;
          T best = xc[arg];
          for (int i = 0; i < sh; ++i)
            for (int j = 0; j < sw; ++j) {
              const int at = (oh * sh + i) * W + ow * sw + j;
              if (xc[at] > best) best = xc[at], arg = at;
            }
          yc[oh * Wo + ow] = best;
          ac[oh * Wo + ow] = arg;
        }
    }
    return 0;
  }
  for (int n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c) {
      const T* xc = x + (long(n) * C + c) * P;
      const uint8_t* m = xmask ? xmask + long(n) * P : nullptr;
      T* yc = y + (long(n) * C + c) * Po;
      for (int oh = 0; oh < Ho; ++oh)
        for (int ow = 0; ow < Wo; ++ow) {
          T best = -std::numeric_limits<T>::infinity(), sum = 0;
          int arg = -1, count = 0;
          for (int i = 0; i < sh; ++i)
            for (int j = 0; j < sw; ++j) {
              const int at = (oh * sh + i) * W + ow * sw + j;
              if (m && !m[at]) continue;
              ++count;
              sum += xc[at];
              if (xc[at] > best || arg < 0) best = xc[at], arg = at;
            }
          const int o = oh * Wo + ow;
          if (kind == PoolKind::max) {
            yc[o] = arg < 0 ? T(0) : best;
            argmax[(long(n) * C + c) * Po + o] = arg;
          } else {
            yc[o] = count ? sum / T(count) : T(0);
          }
        }
    }
  return emptied;
}

// Overwrites dx (N, C, H, W).
template <class T>
void pool_backward(T* dx, const T* dy, const int32_t* argmax, const uint8_t* xmask, PoolKind kind, int N, int C,
                   int H, int W, int sh, int sw) {
  const int Ho = H / sh, Wo = W / sw, P = H * W, Po = Ho * Wo;
  if (two_by_two_max_path(xmask, kind, sh, sw, Wo)) {  // every dx written once, no zeroing pass
    for (long nc = 0; nc < long(N) * C; ++nc) {
      T* dxc = dx + nc * P;
      const T* dyc = dy + nc * Po;
      const int32_t* ac = argmax + nc * Po;
      for (int oh = 0; oh < Ho; ++oh) {
        T *r0 = dxc + 2 * oh * W, *r1 = r0 + W;
        const int base = 2 * oh * W;
#pragma omp simd
        for (int ow = 0; ow < Wo; ++ow) {
          const int at = ac[oh * Wo + ow] - base - 2 * ow;  // 0, 1 (top row), W, W + 1
          const T g = dyc[oh * Wo + ow];
          r0[2 * ow] = at == 0 ? g : T(0);
          r0[2 * ow + 1] = at == 1 ? g : T(0);
          r1[2 * ow] = at == W ? g : T(0);
          r1[2 * ow + 1] = at == W + 1 ? g : T(0);
        }
        if (W % 2) r0[W - 1] = r1[W - 1] = T(0);  // the column no window covers
      }
      if (H % 2) std::fill(dxc + (H - 1) * W, dxc + P, T(0));  // the row no window covers
    }
    return;
  }
  for (long i = 0; i < long(N) * C * P; ++i) dx[i] = 0;
  for (int n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c) {
      T* dxc = dx + (long(n) * C + c) * P;
      const T* dyc = dy + (long(n) * C + c) * Po;
      const uint8_t* m = xmask ? xmask + long(n) * P : nullptr;
      for (int oh = 0; oh < Ho; ++oh)
        for (int ow = 0; ow < Wo; ++ow) {
          const int o = oh * Wo + ow;
          if (kind == PoolKind::max) {
            const int arg = argmax[(long(n) * C + c) * Po + o];
            if (arg >= 0) dxc[arg] += dyc[o];
            continue;
          }
          int count = 0;
          for (int i = 0; i < sh; ++i)
            for (int j = 0; j < sw; ++j) count += !m || m[(oh * sh + i) * W + ow * sw + j];
          if (!count) continue;
          const T share = dyc[o] / T(count);
          for (int i = 0; i < sh; ++i)
            for (int j = 0; j < sw; ++j) {
              const int at = (oh * sh + i) * W + ow * sw + j;
              if (!m || m[at]) dxc[at] += share;
            }
        }
    }
}

}  // namespace MANET_CPU_KERNELS
