#pragma once
// Launch helpers shared by the .cu files: grid sizes for grid-stride loops and a block-wide
// sum / max (warp shuffles, then one warp over the warps' results).
#include <cuda_runtime.h>

namespace manet::cuda {

constexpr int kThreads = 256;

inline int blocks_for(long n, int threads = kThreads) {
  const long b = (n + threads - 1) / threads;
  return int(b < 1 ? 1 : (b > 65535L * 8 ? 65535L * 8 : b));
}

#define MANET_GRID_STRIDE(i, n) \
  for (long i = long(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += long(gridDim.x) * blockDim.x)

template <class T>
__device__ T warp_sum(T v) {
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
  return v;
}

template <class T>
__device__ T warp_max(T v) {
  for (int offset = 16; offset > 0; offset /= 2) v = fmaxf(v, __shfl_down_sync(0xffffffffu, v, offset));
  return v;
}

// Every thread of the block gets the block's sum / max (blockDim.x a multiple of 32).
template <class T>
__device__ T block_sum_all(T v) {
  __shared__ T partial[32];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  __syncthreads();  // `partial` may still be read by a previous call
  v = warp_sum(v);
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  v = lane < warps ? partial[lane] : T(0);
  return __shfl_sync(0xffffffffu, warp_sum(v), 0);
}

__device__ inline float block_max_all(float v) {
  __shared__ float partial[32];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  __syncthreads();
  v = warp_max(v);
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  v = lane < warps ? partial[lane] : -INFINITY;
  return __shfl_sync(0xffffffffu, warp_max(v), 0);
}

}  // namespace manet::cuda
