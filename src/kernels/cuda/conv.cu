#include "kernels/cuda/conv.hpp"

#include "kernels/cuda/elementwise.hpp"
#include "kernels/cuda/gemm.hpp"
#include "kernels/cuda/launch.cuh"

namespace manet::cuda {

namespace {

// col[(c, ki, kj), n*P + h*W + w] = x[n, c, h + ki - ph, w + kj - pw] (0 outside or masked).
__global__ void im2col_kernel(float* col, const float* x, const uint8_t* mask, int N, int C, int H, int W, int kh,
                              int kw) {
  const long P = long(H) * W, NP = N * P;
  MANET_GRID_STRIDE(i, long(C) * kh * kw * NP) {
    const long row = i / NP, at = i % NP;
    const int n = int(at / P), p = int(at % P), h = p / W, w = p % W;
    const int kj = int(row % kw), ki = int(row / kw % kh), c = int(row / (long(kh) * kw));
    const int hs = h + ki - kh / 2, ws = w + kj - kw / 2;
    const bool inside = hs >= 0 && hs < H && ws >= 0 && ws < W && (!mask || mask[n * P + hs * W + ws]);
    col[i] = inside ? x[(long(n) * C + c) * P + hs * W + ws] : 0.0f;
  }
}

// The adjoint, as a gather (no atomics): dx[n, c, hs, ws] = Σ over the (ki, kj) that read it.
__global__ void col2im_kernel(float* dx, const float* dcol, const uint8_t* mask, int N, int C, int H, int W, int kh,
                              int kw) {
  const long P = long(H) * W, NP = N * P;
  MANET_GRID_STRIDE(i, long(N) * C * P) {
    const int p = int(i % P), c = int(i / P % C), n = int(i / (P * C)), hs = p / W, ws = p % W;
    float sum = 0;
    if (!mask || mask[n * P + p])
      for (int ki = 0; ki < kh; ++ki)
        for (int kj = 0; kj < kw; ++kj) {
          const int h = hs - ki + kh / 2, w = ws - kj + kw / 2;
          if (h < 0 || h >= H || w < 0 || w >= W) continue;
          sum += dcol[((long(c) * kh + ki) * kw + kj) * NP + n * P + h * W + w];
        }
    dx[i] = sum;
  }
}

// y[n, co, p] = ReLU(scratch[co, n*P + p] + bias[co]).
__global__ void bias_relu_kernel(float* y, const float* scratch, const float* bias, int N, int Co, long P) {
  MANET_GRID_STRIDE(i, long(N) * Co * P) {
    const long p = i % P, co = i / P % Co, n = i / (P * Co);
    y[i] = fmaxf(scratch[co * N * P + n * P + p] + bias[co], 0.0f);
  }
}

// scratch[co, n*P + p] = dy[n, co, p] where the output was positive, else 0.
__global__ void relu_grad_gather_kernel(float* scratch, const float* dy, const float* y, int N, int Co, long P) {
  MANET_GRID_STRIDE(i, long(N) * Co * P) {
    const long p = i % P, co = i / P % Co, n = i / (P * Co);
    scratch[co * N * P + n * P + p] = y[i] > 0.0f ? dy[i] : 0.0f;
  }
}

}  // namespace

void conv_relu_forward(const CudaContext& cx, float* y, float* col, float* scratch, const float* x,
                       const uint8_t* mask, const float* weight, const float* bias, int N, int Ci, int H, int W,
                       int Co, int kh, int kw) {
  const long P = long(H) * W, K = long(Ci) * kh * kw, NP = N * P;
  im2col_kernel<<<blocks_for(K * NP), kThreads, 0, cx.stream>>>(col, x, mask, N, Ci, H, W, kh, kw);
  check_launch("im2col", cx.stream);
  gemm(cx, false, false, Co, int(NP), int(K), 1.0f, weight, int(K), col, int(NP), 0.0f, scratch, int(NP));
  bias_relu_kernel<<<blocks_for(long(Co) * NP), kThreads, 0, cx.stream>>>(y, scratch, bias, N, Co, P);
  check_launch("conv bias + ReLU", cx.stream);
}

void conv_relu_backward(const CudaContext& cx, float* dx, float* dweight, float* dbias, float* col, float* scratch,
                        const float* dy, const float* y, const float* x, const uint8_t* mask, const float* weight,
                        int N, int Ci, int H, int W, int Co, int kh, int kw) {
  const long P = long(H) * W, K = long(Ci) * kh * kw, NP = N * P;
  relu_grad_gather_kernel<<<blocks_for(long(Co) * NP), kThreads, 0, cx.stream>>>(scratch, dy, y, N, Co, P);
  check_launch("conv ReLU gradient", cx.stream);
  channel_sums_accumulate(dbias, scratch, 1, Co, NP, cx.stream);  // (Co, N*P) is one "sample" of Co rows
  im2col_kernel<<<blocks_for(K * NP), kThreads, 0, cx.stream>>>(col, x, mask, N, Ci, H, W, kh, kw);
  check_launch("im2col", cx.stream);
  gemm(cx, false, true, Co, int(K), int(NP), 1.0f, scratch, int(NP), col, int(NP), 1.0f, dweight, int(K));
  if (!dx) return;
  gemm(cx, true, false, int(K), int(NP), Co, 1.0f, weight, int(K), scratch, int(NP), 0.0f, col, int(NP));
  col2im_kernel<<<blocks_for(long(N) * Ci * P), kThreads, 0, cx.stream>>>(dx, col, mask, N, Ci, H, W, kh, kw);
  check_launch("col2im", cx.stream);
}

}  // namespace manet::cuda
