#pragma once
// SGD and AdamW steps on the flat device buffers, with optim/optimizer.cpp's float
// arithmetic in the same order, and no fused multiply-adds (the CPU build does not
// contract either), so a step gives the same bits as the CPU's for the same inputs.
#include <cuda_runtime.h>

namespace manet::cuda {

// torch.optim.SGD (dampening 0). buffer may be null when momentum is 0; `first` is the
// step that creates the momentum buffer.
void sgd_step(float* p, float* buffer, const float* grad, long n, float lr, float momentum, float weight_decay,
              bool nesterov, bool first, cudaStream_t stream);

// torch.optim.AdamW with the host-computed scalars of optim/optimizer.cpp.
struct AdamWScalars {
  float decay, step_size, bc2_sqrt, one_minus_b1, b2, one_minus_b2, eps;
};
void adamw_step(float* p, float* m, float* v, const float* grad, long n, AdamWScalars s, cudaStream_t stream);

}  // namespace manet::cuda
