#include "kernels/cuda/head.hpp"

#include "kernels/cuda/gemm.hpp"
#include "kernels/cuda/launch.cuh"

namespace manet::cuda {

namespace {

__global__ void embedding_forward_kernel(float* y, uint8_t* mask, const int64_t* ids, const float* weight, int N,
                                         int T, int E) {
  MANET_GRID_STRIDE(i, long(N) * E * T) {
    const long t = i % T, e = i / T % E, n = i / (long(T) * E);
    const int64_t id = ids[n * T + t];
    y[i] = weight[id * E + e];
    if (e == 0) mask[n * T + t] = id != 0;
  }
}

__global__ void embedding_backward_kernel(float* dweight, const float* dy, const int64_t* ids, int N, int T, int E) {
  MANET_GRID_STRIDE(i, long(N) * E * T) {
    const long t = i % T, e = i / T % E, n = i / (long(T) * E);
    const int64_t id = ids[n * T + t];
    if (id != 0) atomicAdd(dweight + id * E + e, dy[i]);
  }
}

// One block per sample; alpha lives in the output array, scores are computed in place.
__global__ void attention_pool_forward_kernel(float* v, float* alpha, const float* x, const uint8_t* mask,
                                              const float* w, const float* b, int C, int P) {
  const long n = blockIdx.x;
  const float* xn = x + n * C * P;
  const uint8_t* m = mask ? mask + n * P : nullptr;
  float* an = alpha + n * P;
  float top = -INFINITY;
  for (int p = threadIdx.x; p < P; p += blockDim.x) {
    float s = *b;
    for (int c = 0; c < C; ++c) s += w[c] * xn[long(c) * P + p];
    an[p] = s;
    if (!m || m[p]) top = fmaxf(top, s);
  }
  top = block_max_all(top);
  float sum = 0;
  for (int p = threadIdx.x; p < P; p += blockDim.x) {
    an[p] = (!m || m[p]) ? expf(an[p] - top) : 0.0f;
    sum += an[p];
  }
  const float inv = 1.0f / block_sum_all(sum);
  for (int p = threadIdx.x; p < P; p += blockDim.x) an[p] *= inv;
  __syncthreads();
  for (int c = threadIdx.x; c < C; c += blockDim.x) {
    float acc = 0;
    for (int p = 0; p < P; ++p) acc += xn[long(c) * P + p] * an[p];
    v[n * C + c] = acc;
  }
}

// One block per sample; dscore (P floats) in dynamic shared memory.
__global__ void attention_pool_backward_kernel(float* dx, float* dw, float* db, const float* dv, const float* x,
                                               const float* alpha, const float* w, int C, int P) {
  extern __shared__ float dscore[];
  const long n = blockIdx.x;
  const float* xn = x + n * C * P;
  const float* an = alpha + n * P;
  const float* dvn = dv + n * C;
  float dot = 0;
  for (int p = threadIdx.x; p < P; p += blockDim.x) {
    float da = 0;
    for (int c = 0; c < C; ++c) da += dvn[c] * xn[long(c) * P + p];
    dscore[p] = da;
    dot += da * an[p];
  }
  dot = block_sum_all(dot);
  float dbias = 0;
  for (int p = threadIdx.x; p < P; p += blockDim.x) {
    dscore[p] = an[p] * (dscore[p] - dot);
    dbias += dscore[p];
  }
  dbias = block_sum_all(dbias);  // also a barrier: dscore is complete below
  if (threadIdx.x == 0) atomicAdd(db, dbias);
  for (int c = threadIdx.x; c < C; c += blockDim.x) {
    float acc = 0;
    for (int p = 0; p < P; ++p) acc += dscore[p] * xn[long(c) * P + p];
    atomicAdd(dw + c, acc);
  }
  if (!dx) return;
  for (long i = threadIdx.x; i < long(C) * P; i += blockDim.x) {
    const long c = i / P, p = i % P;
    dx[n * C * P + i] = dvn[c] * an[p] + dscore[p] * w[c];
  }
}

// y (N, out) += bias, per row.
__global__ void add_bias_kernel(float* y, const float* bias, int N, int out) {
  MANET_GRID_STRIDE(i, long(N) * out) y[i] += bias[i % out];
}

// dbias[o] += Σ_n dy[n, o]: one thread per column.
__global__ void column_sums_kernel(float* dbias, const float* dy, int N, int out) {
  MANET_GRID_STRIDE(o, long(out)) {
    float sum = 0;
    for (int n = 0; n < N; ++n) sum += dy[long(n) * out + o];
    dbias[o] += sum;
  }
}

// One thread per sample (K, the class count, is small).
__global__ void cross_entropy_forward_kernel(float* probs, float* losses, const float* logits, const int64_t* labels,
                                             int N, int K, float smoothing) {
  MANET_GRID_STRIDE(n, long(N)) {
    const float* z = logits + n * K;
    float* p = probs + n * K;
    float top = z[0];
    for (int k = 1; k < K; ++k) top = fmaxf(top, z[k]);
    float sum = 0;
    for (int k = 0; k < K; ++k) sum += expf(z[k] - top);
    const float log_sum = logf(sum) + top;
    float loss = 0;
    for (int k = 0; k < K; ++k) {
      const float log_p = z[k] - log_sum;
      p[k] = expf(log_p);
      const float target = smoothing / float(K) + (k == labels[n] ? 1.0f - smoothing : 0.0f);
      loss -= target * log_p;
    }
    losses[n] = loss;
  }
}

__global__ void cross_entropy_backward_kernel(float* dlogits, const float* probs, const int64_t* labels, int N, int K,
                                              float smoothing, float scale) {
  MANET_GRID_STRIDE(i, long(N) * K) {
    const long n = i / K, k = i % K;
    const float target = smoothing / float(K) + (k == labels[n] ? 1.0f - smoothing : 0.0f);
    dlogits[i] = scale * (probs[i] - target);
  }
}

int threads_for(int P) { return P >= 256 ? 256 : P >= 128 ? 128 : 64; }

}  // namespace

void embedding_forward(float* y, uint8_t* mask, const int64_t* ids, const float* weight, int N, int T, int E,
                       cudaStream_t stream) {
  embedding_forward_kernel<<<blocks_for(long(N) * E * T), kThreads, 0, stream>>>(y, mask, ids, weight, N, T, E);
  check_launch("embedding_forward", stream);
}

void embedding_backward(float* dweight, const float* dy, const int64_t* ids, int N, int T, int E,
                        cudaStream_t stream) {
  embedding_backward_kernel<<<blocks_for(long(N) * E * T), kThreads, 0, stream>>>(dweight, dy, ids, N, T, E);
  check_launch("embedding_backward", stream);
}

void attention_pool_forward(float* v, float* alpha, const float* x, const uint8_t* mask, const float* w,
                            const float* b, int N, int C, int P, cudaStream_t stream) {
  attention_pool_forward_kernel<<<N, threads_for(P), 0, stream>>>(v, alpha, x, mask, w, b, C, P);
  check_launch("attention_pool_forward", stream);
}

void attention_pool_backward(float* dx, float* dw, float* db, const float* dv, const float* x, const float* alpha,
                             const float* w, int N, int C, int P, cudaStream_t stream) {
  check(P * sizeof(float) <= 48 * 1024, "attention pooling over " + std::to_string(P) +
                                            " positions exceeds the GPU kernel's shared memory (12288 positions)");
  attention_pool_backward_kernel<<<N, threads_for(P), P * sizeof(float), stream>>>(dx, dw, db, dv, x, alpha, w, C, P);
  check_launch("attention_pool_backward", stream);
}

void linear_forward(const CudaContext& cx, float* y, const float* x, const float* weight, const float* bias, int N,
                    int in, int out) {
  gemm(cx, false, true, N, out, in, 1.0f, x, in, weight, in, 0.0f, y, out);
  add_bias_kernel<<<blocks_for(long(N) * out), kThreads, 0, cx.stream>>>(y, bias, N, out);
  check_launch("linear bias", cx.stream);
}

void linear_backward(const CudaContext& cx, float* dx, float* dweight, float* dbias, const float* dy, const float* x,
                     const float* weight, int N, int in, int out) {
  gemm(cx, true, false, out, in, N, 1.0f, dy, out, x, in, 1.0f, dweight, in);
  column_sums_kernel<<<blocks_for(out), kThreads, 0, cx.stream>>>(dbias, dy, N, out);
  check_launch("linear bias gradient", cx.stream);
  if (dx) gemm(cx, false, false, N, in, out, 1.0f, dy, out, weight, in, 0.0f, dx, in);
}

void cross_entropy_forward(float* probs, float* losses, const float* logits, const int64_t* labels, int N, int K,
                           float smoothing, cudaStream_t stream) {
  cross_entropy_forward_kernel<<<blocks_for(N), kThreads, 0, stream>>>(probs, losses, logits, labels, N, K, smoothing);
  check_launch("cross_entropy_forward", stream);
}

void cross_entropy_backward(float* dlogits, const float* probs, const int64_t* labels, int N, int K, float smoothing,
                            float scale, cudaStream_t stream) {
  cross_entropy_backward_kernel<<<blocks_for(long(N) * K), kThreads, 0, stream>>>(dlogits, probs, labels, N, K,
                                                                                   smoothing, scale);
  check_launch("cross_entropy_backward", stream);
}

}  // namespace manet::cuda
