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

// The reductions below add in one fixed order: at most kReduceBlocks blocks each sum a
// fixed share into `partials`, then one block adds those in order. No atomics, so the
// result has the same bits on every run and, for the same input, on every rank.
constexpr int kReduceBlocks = 512;

// *out += Σ_i a[i] b[i] (one scalar, e.g. the attention gate's gradient). partials: kReduceBlocks.
void dot_accumulate(float* out, float* partials, const float* a, const float* b, long n, cudaStream_t stream);

// *out = Σ x², in double (for gradient clipping). partials: kReduceBlocks.
void sum_of_squares(double* out, double* partials, const float* x, long n, cudaStream_t stream);
// *out = count of NaN / inf in x; *out += that count (one counter over several ranges, e.g.
// the gradient buckets of a step). Integer sums: exact in any order.
void count_non_finite(int* out, const float* x, long n, cudaStream_t stream);
void count_non_finite_accumulate(int* out, const float* x, long n, cudaStream_t stream);
// *factor = optim/clip.hpp's clip_factor(*sum_of_squares, max_norm), on the device; 1 when
// *skip (a non-finite count) is not 0.
void clip_factor_on_device(double* factor, const double* sum_of_squares, double max_norm, const int* skip,
                           cudaStream_t stream);
// x *= factor, the factor read on the device (no host round trip); nothing when it is >= 1.
void scale_by_device_factor(float* x, long n, const double* factor, cudaStream_t stream);
// *out = x[0] + x[1] + ... + x[n-1] in float, in that order (the CPU's loss sum).
void sum_in_order(float* out, const float* x, int n, cudaStream_t stream);

}  // namespace manet::cuda
