#include "kernels/cuda/elementwise.hpp"

#include "kernels/cuda/cuda_context.hpp"
#include "kernels/cuda/launch.cuh"

namespace manet::cuda {

namespace {

__global__ void activation_forward_kernel(float* y, const float* x, long n, ActivationKind kind) {
  MANET_GRID_STRIDE(i, n) {
    const float v = x[i];
    y[i] = kind == ActivationKind::relu ? fmaxf(v, 0.0f)
           : kind == ActivationKind::sigmoid ? 1.0f / (1.0f + expf(-v))
                                             : tanhf(v);
  }
}

__global__ void activation_backward_kernel(float* dx, const float* dy, const float* y, long n, ActivationKind kind) {
  MANET_GRID_STRIDE(i, n) {
    const float v = y[i];
    dx[i] = kind == ActivationKind::relu ? (v > 0.0f ? dy[i] : 0.0f)
            : kind == ActivationKind::sigmoid ? dy[i] * v * (1.0f - v)
                                              : dy[i] * (1.0f - v * v);
  }
}

__global__ void dropout_forward_kernel(float* y, float* keep, const float* x, int N, int F, double p,
                                       RandomStream random, int64_t first_sample) {
  const float scale = float(1.0 / (1.0 - p));
  MANET_GRID_STRIDE(i, long(N) * F) {
    const long n = i / F, f = i % F;
    keep[i] = random.uniform(uint64_t(f), uint64_t(first_sample + n)) < p ? 0.0f : scale;
    y[i] = x[i] * keep[i];
  }
}

__global__ void multiply_kernel(float* out, const float* a, const float* b, long n) {
  MANET_GRID_STRIDE(i, n) out[i] = a[i] * b[i];
}

// One block per channel c.
__global__ void channel_sums_kernel(float* out, const float* x, int N, int C, long P) {
  const int c = blockIdx.x;
  float sum = 0;
  for (long i = threadIdx.x; i < long(N) * P; i += blockDim.x) {
    const long n = i / P, p = i % P;
    sum += x[(n * C + c) * P + p];
  }
  sum = block_sum_all(sum);
  if (threadIdx.x == 0) out[c] += sum;
}

// Fixed-order reductions: block b sums elements b, b + B, b + 2B, ... (B = gridDim.x
// threads-wide strides), then partials[b]; finish_kernel adds partials[0..B) in one block.
__global__ void dot_partials_kernel(float* partials, const float* a, const float* b, long n) {
  float sum = 0;
  MANET_GRID_STRIDE(i, n) sum += a[i] * b[i];
  sum = block_sum_all(sum);
  if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

__global__ void sum_of_squares_partials_kernel(double* partials, const float* x, long n) {
  double sum = 0;
  MANET_GRID_STRIDE(i, n) sum += double(x[i]) * x[i];
  sum = block_sum_all(sum);
  if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

// One block: *out (+)= Σ partials[0..count).
template <class T>
__global__ void finish_sum_kernel(T* out, const T* partials, int count, bool accumulate) {
  T sum = 0;
  for (int i = threadIdx.x; i < count; i += blockDim.x) sum += partials[i];
  sum = block_sum_all(sum);
  if (threadIdx.x == 0) *out = accumulate ? *out + sum : sum;
}

__global__ void count_non_finite_kernel(int* out, const float* x, long n) {
  int bad = 0;
  MANET_GRID_STRIDE(i, n) bad += !isfinite(x[i]);
  bad = block_sum_all(bad);
  if (threadIdx.x == 0 && bad) atomicAdd(out, bad);
}

// optim/clip.hpp's clip_factor, in the same double operations.
__global__ void clip_factor_kernel(double* factor, const double* sum_of_squares, double max_norm, const int* skip) {
  const double f = max_norm / (sqrt(*sum_of_squares) + 1e-6);
  *factor = (skip && *skip) || !(f < 1.0) ? 1.0 : f;
}

__global__ void scale_kernel(float* x, long n, const double* factor) {
  const double f = *factor;
  if (f >= 1.0) return;
  MANET_GRID_STRIDE(i, n) x[i] = float(x[i] * f);
}

__global__ void sum_in_order_kernel(float* out, const float* x, int n) {
  float total = 0;
  for (int i = 0; i < n; ++i) total += x[i];
  *out = total;
}

int reduce_blocks(long n) { return blocks_for(n) < kReduceBlocks ? blocks_for(n) : kReduceBlocks; }

}  // namespace

void activation_forward(float* y, const float* x, long n, ActivationKind kind, cudaStream_t stream) {
  activation_forward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(y, x, n, kind);
  check_launch("activation_forward", stream);
}

void activation_backward(float* dx, const float* dy, const float* y, long n, ActivationKind kind,
                         cudaStream_t stream) {
  activation_backward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(dx, dy, y, n, kind);
  check_launch("activation_backward", stream);
}

void dropout_forward(float* y, float* keep, const float* x, int N, int F, double p, const RandomStream& random,
                     int64_t first_sample, cudaStream_t stream) {
  dropout_forward_kernel<<<blocks_for(long(N) * F), kThreads, 0, stream>>>(y, keep, x, N, F, p, random, first_sample);
  check_launch("dropout_forward", stream);
}

void dropout_backward(float* dx, const float* dy, const float* keep, long n, cudaStream_t stream) {
  multiply_kernel<<<blocks_for(n), kThreads, 0, stream>>>(dx, dy, keep, n);
  check_launch("dropout_backward", stream);
}

void channel_sums_accumulate(float* out, const float* x, int N, int C, long P, cudaStream_t stream) {
  channel_sums_kernel<<<C, kThreads, 0, stream>>>(out, x, N, C, P);
  check_launch("channel_sums_accumulate", stream);
}

void dot_accumulate(float* out, float* partials, const float* a, const float* b, long n, cudaStream_t stream) {
  const int blocks = reduce_blocks(n);
  dot_partials_kernel<<<blocks, kThreads, 0, stream>>>(partials, a, b, n);
  finish_sum_kernel<<<1, kThreads, 0, stream>>>(out, partials, blocks, true);
  check_launch("dot_accumulate", stream);
}

void sum_of_squares(double* out, double* partials, const float* x, long n, cudaStream_t stream) {
  const int blocks = reduce_blocks(n);
  sum_of_squares_partials_kernel<<<blocks, kThreads, 0, stream>>>(partials, x, n);
  finish_sum_kernel<<<1, kThreads, 0, stream>>>(out, partials, blocks, false);
  check_launch("sum_of_squares", stream);
}

void count_non_finite(int* out, const float* x, long n, cudaStream_t stream) {
  cuda_check(cudaMemsetAsync(out, 0, sizeof(int), stream), "count_non_finite");
  count_non_finite_accumulate(out, x, n, stream);
}

void count_non_finite_accumulate(int* out, const float* x, long n, cudaStream_t stream) {
  count_non_finite_kernel<<<blocks_for(n), kThreads, 0, stream>>>(out, x, n);
  check_launch("count_non_finite", stream);
}

void clip_factor_on_device(double* factor, const double* sum_of_squares, double max_norm, const int* skip,
                           cudaStream_t stream) {
  clip_factor_kernel<<<1, 1, 0, stream>>>(factor, sum_of_squares, max_norm, skip);
  check_launch("clip_factor_on_device", stream);
}

void scale_by_device_factor(float* x, long n, const double* factor, cudaStream_t stream) {
  scale_kernel<<<blocks_for(n), kThreads, 0, stream>>>(x, n, factor);
  check_launch("scale_by_device_factor", stream);
}

void sum_in_order(float* out, const float* x, int n, cudaStream_t stream) {
  sum_in_order_kernel<<<1, 1, 0, stream>>>(out, x, n);
  check_launch("sum_in_order", stream);
}

}  // namespace manet::cuda
