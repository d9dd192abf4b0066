#pragma once
// Max and average pooling, window = stride = (sh, sw), no padding, masked positions
// skipped: kernels/cpu/pool.hpp on the GPU.
#include <cstdint>

#include <cuda_runtime.h>

#include "kernels/cpu/kernel_types.hpp"

namespace manet::cuda {

using cpu::PoolKind;

// y: (N, C, Ho, Wo); argmax: (N, C, Ho*Wo) (max only; -1 for an empty window);
// ymask: (N, Ho*Wo), written when xmask is given; emptied: one int on the device, set to
// the number of samples left with no valid position (0 without a mask).
void pool_forward(float* y, uint8_t* ymask, int32_t* argmax, int* emptied, const float* x, const uint8_t* xmask,
                  PoolKind kind, int N, int C, int H, int W, int sh, int sw, cudaStream_t stream);

// Overwrites dx (N, C, H, W).
void pool_backward(float* dx, const float* dy, const int32_t* argmax, const uint8_t* xmask, PoolKind kind, int N,
                   int C, int H, int W, int sh, int sw, cudaStream_t stream);

}  // namespace manet::cuda
