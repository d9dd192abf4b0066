#include "kernels/cuda/pool.hpp"

#include "kernels/cuda/cuda_context.hpp"
#include "kernels/cuda/launch.cuh"

namespace manet::cuda {

namespace {

__global__ void pool_mask_kernel(uint8_t* ymask, const uint8_t* xmask, int N, int H, int W, int sh, int sw) {
  const int Ho = H / sh, Wo = W / sw;
  MANET_GRID_STRIDE(i, long(N) * Ho * Wo) {
    const long n = i / (Ho * Wo);
    const int o = int(i % (Ho * Wo)), oh = o / Wo, ow = o % Wo;
    uint8_t any = 0;
    for (int a = 0; a < sh; ++a)
      for (int b = 0; b < sw; ++b) any |= xmask[n * H * W + (oh * sh + a) * W + ow * sw + b];
    ymask[i] = any;
  }
}

// One thread per sample: does any pooled position remain valid?
__global__ void count_emptied_kernel(int* emptied, const uint8_t* ymask, int N, int Po) {
  MANET_GRID_STRIDE(n, long(N)) {
    int valid = 0;
    for (int o = 0; o < Po; ++o) valid += ymask[n * Po + o];
    if (!valid) atomicAdd(emptied, 1);
  }
}

__global__ void pool_forward_kernel(float* y, int32_t* argmax, const float* x, const uint8_t* xmask, PoolKind kind,
                                    int N, int C, int H, int W, int sh, int sw) {
  const int Ho = H / sh, Wo = W / sw, Po = Ho * Wo;
  MANET_GRID_STRIDE(i, long(N) * C * Po) {
    const int o = int(i % Po), oh = o / Wo, ow = o % Wo;
    const long nc = i / Po, n = nc / C;
    const float* xc = x + nc * H * W;
    const uint8_t* m = xmask ? xmask + n * H * W : nullptr;
    float best = -INFINITY, sum = 0;
    int arg = -1, count = 0;
    for (int a = 0; a < sh; ++a)
      for (int b = 0; b < sw; ++b) {
        const int at = (oh * sh + a) * W + ow * sw + b;
        if (m && !m[at]) continue;
        ++count;
        sum += xc[at];
        if (xc[at] > best || arg < 0) best = xc[at], arg = at;
      }
    if (kind == PoolKind::max) {
      y[i] = arg < 0 ? 0.0f : best;
      argmax[i] = arg;
    } else {
      y[i] = count ? sum / float(count) : 0.0f;
    }
  }
}

// A gather over input positions (windows do not overlap): no atomics.
__global__ void pool_backward_kernel(float* dx, const float* dy, const int32_t* argmax, const uint8_t* xmask,
                                     PoolKind kind, int N, int C, int H, int W, int sh, int sw) {
  const int Ho = H / sh, Wo = W / sw, Po = Ho * Wo, P = H * W;
  MANET_GRID_STRIDE(i, long(N) * C * P) {
    const int p = int(i % P), h = p / W, w = p % W, oh = h / sh, ow = w / sw;
    const long nc = i / P, n = nc / C;
    const uint8_t* m = xmask ? xmask + n * P : nullptr;
    float g = 0;
    if (oh < Ho && ow < Wo && (!m || m[p])) {
      const long o = nc * Po + oh * Wo + ow;
      if (kind == PoolKind::max) {
        g = argmax[o] == p ? dy[o] : 0.0f;
      } else {
        int count = 0;
        for (int a = 0; a < sh; ++a)
          for (int b = 0; b < sw; ++b) count += !m || m[(oh * sh + a) * W + ow * sw + b];
        g = dy[o] / float(count);
      }
    }
    dx[i] = g;
  }
}

}  // namespace

void pool_forward(float* y, uint8_t* ymask, int32_t* argmax, int* emptied, const float* x, const uint8_t* xmask,
                  PoolKind kind, int N, int C, int H, int W, int sh, int sw, cudaStream_t stream) {
  const long Po = long(H / sh) * (W / sw);
  cuda_check(cudaMemsetAsync(emptied, 0, sizeof(int), stream), "pool_forward");
  if (xmask) {
    pool_mask_kernel<<<blocks_for(N * Po), kThreads, 0, stream>>>(ymask, xmask, N, H, W, sh, sw);
    count_emptied_kernel<<<blocks_for(N), kThreads, 0, stream>>>(emptied, ymask, N, int(Po));
    check_launch("pool mask", stream);
  }
  pool_forward_kernel<<<blocks_for(long(N) * C * Po), kThreads, 0, stream>>>(y, argmax, x, xmask, kind, N, C, H, W,
                                                                              sh, sw);
  check_launch("pool_forward", stream);
}

void pool_backward(float* dx, const float* dy, const int32_t* argmax, const uint8_t* xmask, PoolKind kind, int N,
                   int C, int H, int W, int sh, int sw, cudaStream_t stream) {
  pool_backward_kernel<<<blocks_for(long(N) * C * H * W), kThreads, 0, stream>>>(dx, dy, argmax, xmask, kind, N, C, H,
                                                                                  W, sh, sw);
  check_launch("pool_backward", stream);
}

}  // namespace manet::cuda
