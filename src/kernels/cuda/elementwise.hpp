#pragma once
// Elementwise kernels and the small reductions the layers need, on device pointers:
// activations, dropout (the same Philox keying as kernels/cpu/dropout.hpp, so the same
// units are dropped), bias sums, the gate's dot product, and the checks and norms the
// trainer runs on the flat gradient buffer. Each launches on `stream` and returns.
#include <cstdint>

#include <cuda_runtime.h>

#include "core/rng.hpp"
#include "kernels/cpu/kernel_types.hpp"

namespace manet::cuda {

using cpu::ActivationKind;

void activation_forward(float* y, const float* x, long n, ActivationKind kind, cudaStream_t stream);
void activation_backward(float* dx, const float* dy, const float* y, long n, ActivationKind kind, cudaStream_t stream);

// y, keep: (N, F); keep holds 0 or 1/(1-p). Unit f of sample n uses the stream's value at
// (f, first_sample + n), exactly as on the CPU.
void dropout_forward(float* y, float* keep, const float* x, int N, int F, double p, const RandomStream& random,
                     int64_t first_sample, cudaStream_t stream);
void dropout_backward(float* dx, const float* dy, const float* keep, long n, cudaStream_t stream);

// out[c] += Σ_{n,p} x[n, c, p] for x (N, C, P): a bias gradient over batch and positions.
void channel_sums_accumulate(float* out, const float* x, int N, int C, long P, cudaStream_t stream);
// *out += Σ_i a[i] b[i] (one scalar, e.g. the attention gate's gradient).
void dot_accumulate(float* out, const float* a, const float* b, long n, cudaStream_t stream);

// *out = Σ x², in double (for gradient clipping); *out = count of NaN / inf in x.
void sum_of_squares(double* out, const float* x, long n, cudaStream_t stream);
void count_non_finite(int* out, const float* x, long n, cudaStream_t stream);
// *out += that count (one counter over several ranges, e.g. the gradient buckets of a step).
void count_non_finite_accumulate(int* out, const float* x, long n, cudaStream_t stream);
// x *= factor, the factor read on the device (no host round trip).
void scale_by_device_factor(float* x, long n, const double* factor, cudaStream_t stream);

}  // namespace manet::cuda
