#include "kernels/cuda/optimizer.hpp"

#include "kernels/cuda/cuda_context.hpp"
#include "kernels/cuda/launch.cuh"

namespace manet::cuda {

namespace {

// _rn intrinsics: round each product and sum separately, as the CPU does.
__device__ inline float mul(float a, float b) { return __fmul_rn(a, b); }
__device__ inline float add(float a, float b) { return __fadd_rn(a, b); }
__device__ inline float sub(float a, float b) { return __fsub_rn(a, b); }

__global__ void sgd_kernel(float* p, float* buffer, const float* grad, long n, SgdScalars s, const int* skip) {
  if (skip && *skip) return;
  MANET_GRID_STRIDE(i, n) {
    float g = grad[i];
    if (s.weight_decay != 0) g = add(g, mul(s.weight_decay, p[i]));
    if (s.momentum != 0) {
      buffer[i] = s.first ? g : add(mul(s.momentum, buffer[i]), g);
      g = s.nesterov ? add(g, mul(s.momentum, buffer[i])) : buffer[i];
    }
    p[i] = sub(p[i], mul(s.lr, g));
  }
}

__global__ void adamw_kernel(float* p, float* m, float* v, const float* grad, long n, AdamWScalars s,
                             const int* skip) {
  if (skip && *skip) return;
  MANET_GRID_STRIDE(i, n) {
    const float g = grad[i];
    p[i] = mul(p[i], s.decay);
    m[i] = add(m[i], mul(s.one_minus_b1, sub(g, m[i])));
    v[i] = add(mul(v[i], s.b2), mul(mul(s.one_minus_b2, g), g));
    const float denom = add(__fdiv_rn(__fsqrt_rn(v[i]), s.bc2_sqrt), s.eps);
    p[i] = sub(p[i], mul(s.step_size, __fdiv_rn(m[i], denom)));
  }
}

}  // namespace

void sgd_step(float* p, float* buffer, const float* grad, long n, const SgdScalars& s, cudaStream_t stream,
              const int* skip) {
  sgd_kernel<<<blocks_for(n), kThreads, 0, stream>>>(p, buffer, grad, n, s, skip);
  check_launch("sgd_step", stream);
}

void adamw_step(float* p, float* m, float* v, const float* grad, long n, const AdamWScalars& s, cudaStream_t stream,
                const int* skip) {
  adamw_kernel<<<blocks_for(n), kThreads, 0, stream>>>(p, m, v, grad, n, s, skip);
  check_launch("adamw_step", stream);
}

}  // namespace manet::cuda
