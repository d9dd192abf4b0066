#include "kernels/cuda/attention.hpp"

#include <cmath>

#include "kernels/cuda/elementwise.hpp"
#include "kernels/cuda/gemm.hpp"
#include "kernels/cuda/launch.cuh"

namespace manet::cuda {

namespace {

// out (T, N, R, P) = bias[t*R + r] broadcast, so GEMMs with beta = 1 add onto it.
__global__ void fill_bias_kernel(float* out, const float* bias, int T, int N, int R, long P) {
  const long per_t = long(N) * R * P;
  MANET_GRID_STRIDE(i, T * per_t) out[i] = bias[(i / per_t) * R + i / P % R];
}

// (A, B, R, P) -> (A, R, B, P): samples become columns, so a sum over samples and
// positions is one GEMM of inner size B*P.
__global__ void channel_major_kernel(float* out, const float* in, int A, int B, int R, long P) {
  MANET_GRID_STRIDE(i, long(A) * B * R * P) {
    const long p = i % P, r = i / P % R, b = i / (P * R) % B, a = i / (P * R * B);
    out[((a * R + r) * B + b) * P + p] = in[i];
  }
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

// Threads per softmax row: a warp for short rows, up to 8 warps (the multi-warp paths of
// block_sum_all / block_max_all) for rows of 256 and more.
int row_threads(int P) { return P >= 256 ? 256 : P >= 128 ? 128 : P >= 64 ? 64 : 32; }

void channel_major(const CudaContext& cx, float* out, const float* in, int A, int B, int R, long P) {
  channel_major_kernel<<<blocks_for(long(A) * B * R * P), kThreads, 0, cx.stream>>>(out, in, A, B, R, P);
  check_launch("attention channel-major copy", cx.stream);
}

}  // namespace

void attention_forward(const CudaContext& cx, float* y, AttentionSaved saved, const float* x, const uint8_t* mask,
                       const float* wqkv, const float* bqkv, const float* wproj, const float* bproj,
                       const float* gamma, int N, int C, int P, int heads) {
  const int d = C / heads, pairs = N * heads;
  const long CP = long(C) * P, NCP = N * CP, PP = long(P) * P, dP = long(d) * P;
  float *Q = saved.qkv, *K = Q + NCP, *V = K + NCP;
  fill_bias_kernel<<<blocks_for(3 * NCP), kThreads, 0, cx.stream>>>(saved.qkv, bqkv, 3, N, C, P);
  check_launch("attention qkv bias", cx.stream);
  for (int t = 0; t < 3; ++t)  // Q, K, V = W_t X_n + b_t, each batched over the samples
    gemm_batched(cx, false, false, C, P, C, 1.0f, wqkv + long(t) * C * C, C, 0, x, P, CP, 1.0f, saved.qkv + t * NCP,
                 P, CP, N);
  const float scale = 1.0f / std::sqrt(float(d));
  // S = Qᵀ K / √d for every (sample, head) pair at once
  gemm_batched(cx, true, false, P, P, d, scale, Q, P, dP, K, P, dP, 0.0f, saved.att, P, PP, pairs);
  softmax_rows_kernel<<<unsigned(long(pairs) * P), row_threads(P), 0, cx.stream>>>(saved.att, mask, heads, P);
  check_launch("attention softmax", cx.stream);
  gemm_batched(cx, false, true, d, P, P, 1.0f, V, P, dP, saved.att, P, PP, 0.0f, saved.o, P, dP, pairs);  // O = V Aᵀ
  fill_bias_kernel<<<blocks_for(NCP), kThreads, 0, cx.stream>>>(saved.z, bproj, 1, N, C, P);
  check_launch("attention proj bias", cx.stream);
  gemm_batched(cx, false, false, C, P, C, 1.0f, wproj, C, 0, saved.o, P, CP, 1.0f, saved.z, P, CP, N);
  gated_residual_kernel<<<blocks_for(NCP), kThreads, 0, cx.stream>>>(y, x, saved.z, gamma, NCP);
  check_launch("attention gate", cx.stream);
}

void attention_backward(const CudaContext& cx, float* dx, float* dwqkv, float* dbqkv, float* dwproj, float* dbproj,
                        float* dgamma, AttentionGradScratch ws, const float* dy, const float* x, const uint8_t* mask,
                        AttentionSaved saved, const float* wqkv, const float* wproj, const float* gamma, int N,
                        int C, int P, int heads) {
  const int d = C / heads, pairs = N * heads, NP = N * P;
  const long CP = long(C) * P, NCP = N * CP, PP = long(P) * P, dP = long(d) * P;
  const float *Q = saved.qkv, *K = Q + NCP, *V = K + NCP;
  float *dQ = ws.dqkv, *dK = dQ + NCP, *dV = dK + NCP;

  dot_accumulate(dgamma, ws.partials, dy, saved.z, NCP, cx.stream);
  scale_by_gamma_kernel<<<blocks_for(NCP), kThreads, 0, cx.stream>>>(ws.dz, dy, gamma, NCP);
  check_launch("attention gate gradient", cx.stream);
  channel_sums_accumulate(dbproj, ws.dz, N, C, P, cx.stream);
  // dWproj += Σ_n dz_n O_nᵀ: one GEMM over all samples' positions
  channel_major(cx, ws.rows, ws.dz, 1, N, C, P);
  channel_major(cx, ws.rows_x, saved.o, 1, N, C, P);
  gemm(cx, false, true, C, C, NP, 1.0f, ws.rows, NP, ws.rows_x, NP, 1.0f, dwproj, C);
  gemm_batched(cx, true, false, C, P, C, 1.0f, wproj, C, 0, ws.dz, P, CP, 0.0f, ws.dO, P, CP, N);  // dO = Wprojᵀ dz

  // per (sample, head) pair: dA = dOᵀ V, dV = dO A
  gemm_batched(cx, true, false, P, P, d, 1.0f, ws.dO, P, dP, V, P, dP, 0.0f, ws.datt, P, PP, pairs);
  gemm_batched(cx, false, false, d, P, P, 1.0f, ws.dO, P, dP, saved.att, P, PP, 0.0f, dV, P, dP, pairs);
  softmax_backward_rows_kernel<<<unsigned(long(pairs) * P), row_threads(P), 0, cx.stream>>>(ws.datt, saved.att, P);
  check_launch("attention softmax gradient", cx.stream);
  const float scale = 1.0f / std::sqrt(float(d));
  gemm_batched(cx, false, true, d, P, P, scale, K, P, dP, ws.datt, P, PP, 0.0f, dQ, P, dP, pairs);   // dQ = K dSᵀ/√d
  gemm_batched(cx, false, false, d, P, P, scale, Q, P, dP, ws.datt, P, PP, 0.0f, dK, P, dP, pairs);  // dK = Q dS/√d

  for (int t = 0; t < 3; ++t) channel_sums_accumulate(dbqkv + t * C, ws.dqkv + t * NCP, N, C, P, cx.stream);
  // dWqkv (3C, C) += Σ_n dqkv_n x_nᵀ: one GEMM
  channel_major(cx, ws.rows, ws.dqkv, 3, N, C, P);
  channel_major(cx, ws.rows_x, x, 1, N, C, P);
  gemm(cx, false, true, 3 * C, C, NP, 1.0f, ws.rows, NP, ws.rows_x, NP, 1.0f, dwqkv, C);
  if (!dx) return;
  cuda_check(cudaMemcpyAsync(dx, dy, NCP * sizeof(float), cudaMemcpyDeviceToDevice, cx.stream), "attention dx");
  for (int t = 0; t < 3; ++t)  // dx = dy + Σ_t W_tᵀ dqkv_t
    gemm_batched(cx, true, false, C, P, C, 1.0f, wqkv + long(t) * C * C, C, 0, ws.dqkv + t * NCP, P, CP, 1.0f, dx, P,
                 CP, N);
}

}  // namespace manet::cuda
