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

__global__ void dot_kernel(float* out, const float* a, const float* b, long n) {
  float sum = 0;
  MANET_GRID_STRIDE(i, n) sum += a[i] * b[i];
  sum = block_sum_all(sum);
  if (threadIdx.x == 0) atomicAdd(out, sum);
}

__global__ void sum_of_squares_kernel(double* out, const float* x, long n) {
  double sum = 0;
  MANET_GRID_STRIDE(i, n) sum += double(x[i]) * x[i];
  sum = block_sum_all(sum);
  if (threadIdx.x == 0) atomicAdd(out, sum);
}

__global__ void count_non_finite_kernel(int* out, const float* x, long n) {
  int bad = 0;
  MANET_GRID_STRIDE(i, n) bad += !isfinite(x[i]);
  bad = block_sum_all(bad);
  if (threadIdx.x == 0 && bad) atomicAdd(out, bad);
}

__global__ void scale_kernel(float* x, long n, const double* factor) {
  const double f = *factor;
  MANET_GRID_STRIDE(i, n) x[i] = float(x[i] * f);
}

}  // namespace

void activation_forward(float* y, const float* x, long n, ActivationKind kind, cudaStream_t stream) {
  activation_forward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(y, x, n, kind);
  check_launch("activation_forward");
}

void activation_backward(float* dx, const float* dy, const float* y, long n, ActivationKind kind,
                         cudaStream_t stream) {
  activation_backward_kernel<<<blocks_for(n), kThreads, 0, stream>>>(dx, dy, y, n, kind);
  check_launch("activation_backward");
}

void dropout_forward(float* y, float* keep, const float* x, int N, int F, double p, const RandomStream& random,
                     int64_t first_sample, cudaStream_t stream) {
  dropout_forward_kernel<<<blocks_for(long(N) * F), kThreads, 0, stream>>>(y, keep, x, N, F, p, random, first_sample);
  check_launch("dropout_forward");
}

void dropout_backward(float* dx, const float* dy, const float* keep, long n, cudaStream_t stream) {
  multiply_kernel<<<blocks_for(n), kThreads, 0, stream>>>(dx, dy, keep, n);
  check_launch("dropout_backward");
}

void channel_sums_accumulate(float* out, const float* x, int N, int C, long P, cudaStream_t stream) {
  channel_sums_kernel<<<C, kThreads, 0, stream>>>(out, x, N, C, P);
  check_launch("channel_sums_accumulate");
}

void dot_accumulate(float* out, const float* a, const float* b, long n, cudaStream_t stream) {
  dot_kernel<<<blocks_for(n), kThreads, 0, stream>>>(out, a, b, n);
  check_launch("dot_accumulate");
}

void sum_of_squares(double* out, const float* x, long n, cudaStream_t stream) {
  cuda_check(cudaMemsetAsync(out, 0, sizeof(double), stream), "sum_of_squares");
  sum_of_squares_kernel<<<blocks_for(n), kThreads, 0, stream>>>(out, x, n);
  check_launch("sum_of_squares");
}

void count_non_finite(int* out, const float* x, long n, cudaStream_t stream) {
  cuda_check(cudaMemsetAsync(out, 0, sizeof(int), stream), "count_non_finite");
  count_non_finite_accumulate(out, x, n, stream);
}

void count_non_finite_accumulate(int* out, const float* x, long n, cudaStream_t stream) {
  count_non_finite_kernel<<<blocks_for(n), kThreads, 0, stream>>>(out, x, n);
  check_launch("count_non_finite");
}

void scale_by_device_factor(float* x, long n, const double* factor, cudaStream_t stream) {
  scale_kernel<<<blocks_for(n), kThreads, 0, stream>>>(x, n, factor);
  check_launch("scale_by_device_factor");
}

}  // namespace manet::cuda
