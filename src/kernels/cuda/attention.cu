#include "kernels/cuda/attention.hpp"

#include <cmath>

#include "kernels/cuda/elementwise.hpp"
#include "kernels/cuda/gemm.hpp"
#include "kernels/cuda/launch.cuh"

namespace manet::cuda {

namespace {

// out (N, R, P) = bias[r] broadcast, so a GEMM with beta = 1 adds onto it.
__global__ void fill_row_bias_kernel(float* out, const float* bias, int N, int R, long P) {
  MANET_GRID_STRIDE(i, long(N) * R * P) out[i] = bias[i / P % R];
}

// One block per row (n, head, p) of the scores: masked keys -> 0, softmax over the rest.
__global__ void softmax_rows_kernel(float* att, const uint8_t* mask, int heads, int P) {
  const long row = blockIdx.x;
  const long n = row / (long(heads) * P);
  float* s = att + row * P;
  const uint8_t* m = mask ? mask + n * P : nullptr;
  float top = -INFINITY;
  for (int q = threadIdx.x; q < P; q += blockDim.x)
    if (!m || m[q]) top = fmaxf(top, s[q]);
  top = block_max_all(top);
  float sum = 0;
  for (int q = threadIdx.x; q < P; q += blockDim.x) {
    const float e = (!m || m[q]) ? expf(s[q] - top) : 0.0f;
    s[q] = e;
    sum += e;
  }
  const float inv = 1.0f / block_sum_all(sum);
  for (int q = threadIdx.x; q < P; q += blockDim.x) s[q] *= inv;
}

// In place on datt: dS = A ∘ (dA − Σ_q dA∘A), per row.
__global__ void softmax_backward_rows_kernel(float* datt, const float* att, int P) {
  const long row = blockIdx.x;
  float* ds = datt + row * P;
  const float* a = att + row * P;
  float dot = 0;
  for (int q = threadIdx.x; q < P; q += blockDim.x) dot += ds[q] * a[q];
  dot = block_sum_all(dot);
  for (int q = threadIdx.x; q < P; q += blockDim.x) ds[q] = a[q] * (ds[q] - dot);
}

// y = x + gamma z.
__global__ void gated_residual_kernel(float* y, const float* x, const float* z, const float* gamma, long n) {
  const float g = *gamma;
  MANET_GRID_STRIDE(i, n) y[i] = x[i] + g * z[i];
}

__global__ void scale_by_gamma_kernel(float* dz, const float* dy, const float* gamma, long n) {
  const float g = *gamma;
  MANET_GRID_STRIDE(i, n) dz[i] = g * dy[i];
}

int row_threads(int P) { return P >= 256 ? 256 : P >= 128 ? 128 : P >= 64 ? 64 : 32; }

}  // namespace

void attention_forward(const CudaContext& cx, float* y, AttentionSaved saved, const float* x, const uint8_t* mask,
                       const float* wqkv, const float* bqkv, const float* wproj, const float* bproj,
                       const float* gamma, int N, int C, int P, int heads) {
  const int d = C / heads;
  const long CP = long(C) * P, PP = long(P) * P;
  fill_row_bias_kernel<<<blocks_for(3 * N * CP), kThreads, 0, cx.stream>>>(saved.qkv, bqkv, N, 3 * C, P);
  check_launch("attention qkv bias");
  gemm_batched(cx, false, false, 3 * C, P, C, 1.0f, wqkv, C, 0, x, P, CP, 1.0f, saved.qkv, P, 3 * CP, N);
  const float scale = 1.0f / std::sqrt(float(d));
  for (int n = 0; n < N; ++n) {  // the heads of one sample are one strided batch
    const float* Q = saved.qkv + n * 3 * CP;
    float* S = saved.att + long(n) * heads * PP;
    gemm_batched(cx, true, false, P, P, d, scale, Q, P, long(d) * P, Q + CP, P, long(d) * P, 0.0f, S, P, PP, heads);
  }
  softmax_rows_kernel<<<unsigned(long(N) * heads * P), row_threads(P), 0, cx.stream>>>(saved.att, mask, heads, P);
  check_launch("attention softmax");
  for (int n = 0; n < N; ++n) {
    const float* V = saved.qkv + n * 3 * CP + 2 * CP;
    gemm_batched(cx, false, true, d, P, P, 1.0f, V, P, long(d) * P, saved.att + long(n) * heads * PP, P, PP, 0.0f,
                 saved.o + n * CP, P, long(d) * P, heads);
  }
  fill_row_bias_kernel<<<blocks_for(N * CP), kThreads, 0, cx.stream>>>(saved.z, bproj, N, C, P);
  check_launch("attention proj bias");
  gemm_batched(cx, false, false, C, P, C, 1.0f, wproj, C, 0, saved.o, P, CP, 1.0f, saved.z, P, CP, N);
  gated_residual_kernel<<<blocks_for(N * CP), kThreads, 0, cx.stream>>>(y, x, saved.z, gamma, N * CP);
  check_launch("attention gate");
}

void attention_backward(const CudaContext& cx, float* dx, float* dwqkv, float* dbqkv, float* dwproj, float* dbproj,
                        float* dgamma, AttentionGradScratch ws, const float* dy, const float* x, const uint8_t* mask,
                        AttentionSaved saved, const float* wqkv, const float* wproj, const float* gamma, int N,
                        int C, int P, int heads) {
  const int d = C / heads;
  const long CP = long(C) * P, PP = long(P) * P, dP = long(d) * P;
  dot_accumulate(dgamma, dy, saved.z, N * CP, cx.stream);
  scale_by_gamma_kernel<<<blocks_for(N * CP), kThreads, 0, cx.stream>>>(ws.dz, dy, gamma, N * CP);
  check_launch("attention gate gradient");
  channel_sums_accumulate(dbproj, ws.dz, N, C, P, cx.stream);
  for (int n = 0; n < N; ++n)  // dWproj += dz_n O_nᵀ, accumulated sample by sample
    gemm(cx, false, true, C, C, P, 1.0f, ws.dz + n * CP, P, saved.o + n * CP, P, 1.0f, dwproj, C);
  gemm_batched(cx, true, false, C, P, C, 1.0f, wproj, C, 0, ws.dz, P, CP, 0.0f, ws.dO, P, CP, N);

  for (int n = 0; n < N; ++n) {
    const float* Q = saved.qkv + n * 3 * CP;
    const float* V = Q + 2 * CP;
    const float* dO = ws.dO + n * CP;
    const float* A = saved.att + long(n) * heads * PP;
    float* dA = ws.datt + long(n) * heads * PP;
    float* dq = ws.dqkv + n * 3 * CP;
    gemm_batched(cx, true, false, P, P, d, 1.0f, dO, P, dP, V, P, dP, 0.0f, dA, P, PP, heads);          // dA = dOᵀV
    gemm_batched(cx, false, false, d, P, P, 1.0f, dO, P, dP, A, P, PP, 0.0f, dq + 2 * CP, P, dP, heads);  // dV = dO A
  }
  softmax_backward_rows_kernel<<<unsigned(long(N) * heads * P), row_threads(P), 0, cx.stream>>>(ws.datt, saved.att, P);
  check_launch("attention softmax gradient");
  const float scale = 1.0f / std::sqrt(float(d));
  for (int n = 0; n < N; ++n) {
    const float* Q = saved.qkv + n * 3 * CP;
    const float* K = Q + CP;
    const float* dS = ws.datt + long(n) * heads * PP;
    float* dq = ws.dqkv + n * 3 * CP;
    gemm_batched(cx, false, true, d, P, P, scale, K, P, dP, dS, P, PP, 0.0f, dq, P, dP, heads);        // dQ = K dSᵀ/√d
    gemm_batched(cx, false, false, d, P, P, scale, Q, P, dP, dS, P, PP, 0.0f, dq + CP, P, dP, heads);  // dK = Q dS/√d
  }
  channel_sums_accumulate(dbqkv, ws.dqkv, N, 3 * C, P, cx.stream);
  for (int n = 0; n < N; ++n)
    gemm(cx, false, true, 3 * C, C, P, 1.0f, ws.dqkv + n * 3 * CP, P, x + n * CP, P, 1.0f, dwqkv, C);
  if (!dx) return;
  cuda_check(cudaMemcpyAsync(dx, dy, N * CP * sizeof(float), cudaMemcpyDeviceToDevice, cx.stream), "attention dx");
  gemm_batched(cx, true, false, C, P, 3 * C, 1.0f, wqkv, C, 0, ws.dqkv, P, 3 * CP, 1.0f, dx, P, CP, N);
}

}  // namespace manet::cuda
