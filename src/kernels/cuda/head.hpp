#pragma once
// The model's ends on the GPU: token embedding, attention pooling, fully connected
// layers and the label-smoothed cross-entropy. Same math and shapes as kernels/cpu/
// embedding.hpp, attention_pool.hpp, linear.hpp and cross_entropy.hpp.
#include <cstdint>

#include "kernels/cuda/cuda_context.hpp"

namespace manet::cuda {

// y (N, E, 1, T) = W[id]; mask (N, T) = id != 0. ids: (N, T) on the device.
void embedding_forward(float* y, uint8_t* mask, const int64_t* ids, const float* weight, int N, int T, int E,
                       cudaStream_t stream);
// Accumulates dweight (V, E); row 0 (padding) receives nothing. Atomic adds: the order of
// the sums over repeated ids is not fixed (float rounding may differ from the CPU's).
void embedding_backward(float* dweight, const float* dy, const int64_t* ids, int N, int T, int E, cudaStream_t stream);

// v (N, C) = X alpha per sample, alpha (N, P) = softmax(w X + b) over valid positions.
// w: (C) and b: (1) on the device.
void attention_pool_forward(float* v, float* alpha, const float* x, const uint8_t* mask, const float* w,
                            const float* b, int N, int C, int P, cudaStream_t stream);
// Accumulates dw (C), db (1); writes dx (N, C, P) unless null.
void attention_pool_backward(float* dx, float* dw, float* db, const float* dv, const float* x, const float* alpha,
                             const float* w, int N, int C, int P, cudaStream_t stream);

// y (N, out) = x (N, in) Wᵀ + b, W (out, in).
void linear_forward(const CudaContext& cx, float* y, const float* x, const float* weight, const float* bias, int N,
                    int in, int out);
// Accumulates dweight, dbias; writes dx unless null.
void linear_backward(const CudaContext& cx, float* dx, float* dweight, float* dbias, const float* dy, const float* x,
                     const float* weight, int N, int in, int out);

// probs (N, K) kept for backward; losses (N) per sample (the caller sums them on the host,
// in the CPU's order). labels: (N) on the device.
void cross_entropy_forward(float* probs, float* losses, const float* logits, const int64_t* labels, int N, int K,
                           float smoothing, cudaStream_t stream);
// dlogits = scale (p - t).
void cross_entropy_backward(float* dlogits, const float* probs, const int64_t* labels, int N, int K, float smoothing,
                            float scale, cudaStream_t stream);

}  // namespace manet::cuda
