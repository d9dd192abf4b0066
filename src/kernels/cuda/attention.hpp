#pragma once
// Spatial multi-head self-attention with the learned gate (docs/model.md "Attn"), the math of
// kernels/cpu/attention.hpp, as a handful of cuBLAS GEMMs strided-batched over every
// (sample, head) pair at once, and row-softmax kernels. Unlike the fused CPU core, the
// (P, P) attention maps are kept for backward (N*heads*P*P floats; 39 MB for the spec
// example at batch 64). Q, K and V are kept as three (N, C, P) arrays, so head j of sample
// n is the (d, P) matrix at offset (n*heads + j)*d*P of each: one stride over all pairs.
//   [Q; K; V] = Wqkv X + bqkv (3C, P);  A_j = softmax_q(Q_jᵀ K_j / √d) (P, P), masked keys 0
//   O_j = V_j A_jᵀ (d, P);  Z = Wproj O + bproj;  Y = X + gamma Z
// About 11 launches forward and 20 backward per layer, whatever the batch.
#include <cstdint>

#include "kernels/cuda/cuda_context.hpp"

namespace manet::cuda {

// What forward keeps for backward, all device arrays.
struct AttentionSaved {
  float* qkv;  // (3, N, C, P): Q, then K, then V
  float* att;  // (N, heads, P, P): softmax rows
  float* o;    // (N, C, P)
  float* z;    // (N, C, P)
};

// Backward's workspaces.
struct AttentionGradScratch {
  float* dz;        // (N, C, P)
  float* dO;        // (N, C, P)
  float* dqkv;      // (3, N, C, P)
  float* datt;      // (N, heads, P, P)
  float* rows;      // (3, C, N, P): channel-major copies for the weight gradients' GEMMs
  float* rows_x;    // (C, N, P)
  float* partials;  // kReduceBlocks (kernels/cuda/elementwise.hpp)
};

// y: (N, C, P); x: (N, C, P); mask: (N, P) or null; gamma: one float on the device.
void attention_forward(const CudaContext& cx, float* y, AttentionSaved saved, const float* x, const uint8_t* mask,
                       const float* wqkv, const float* bqkv, const float* wproj, const float* bproj,
                       const float* gamma, int N, int C, int P, int heads);

// Accumulates every parameter gradient (dgamma one float); writes dx unless null.
void attention_backward(const CudaContext& cx, float* dx, float* dwqkv, float* dbqkv, float* dwproj, float* dbproj,
                        float* dgamma, AttentionGradScratch ws, const float* dy, const float* x, const uint8_t* mask,
                        AttentionSaved saved, const float* wqkv, const float* wproj, const float* gamma, int N,
                        int C, int P, int heads);

}  // namespace manet::cuda
