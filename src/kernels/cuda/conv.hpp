#pragma once
// 2-D convolution, stride 1, "same" zero padding (odd kernels), fused ReLU, as in
// kernels/cpu/conv.hpp: im2col over the whole batch + one cuBLAS GEMM. Masked input
// positions read as zero and get no gradient.
#include <cstdint>

#include "kernels/cuda/cuda_context.hpp"

namespace manet::cuda {

// y: (N, Co, H, W); col: (Ci*kh*kw, N*P) workspace; scratch: (Co, N*P) workspace;
// x: (N, Ci, H, W); mask: (N, P) or null; weight: (Co, Ci, kh, kw); bias: (Co).
void conv_relu_forward(const CudaContext& cx, float* y, float* col, float* scratch, const float* x,
                       const uint8_t* mask, const float* weight, const float* bias, int N, int Ci, int H, int W,
                       int Co, int kh, int kw);

// Accumulates dweight, dbias; writes dx (N, Ci, H, W) unless null. col, scratch as above.
void conv_relu_backward(const CudaContext& cx, float* dx, float* dweight, float* dbias, float* col, float* scratch,
                        const float* dy, const float* y, const float* x, const uint8_t* mask, const float* weight,
                        int N, int Ci, int H, int W, int Co, int kh, int kw);

}  // namespace manet::cuda
