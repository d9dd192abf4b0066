#pragma once
// SGD and AdamW steps on the flat device buffers, with kernels/cpu/optimizer.hpp's float
// arithmetic in the same order and its scalars (kernels/optimizer_rules.hpp), and no fused multiply-adds (the CPU build does not
// contract either), so a step gives the same bits as the CPU's for the same inputs.
#include <cuda_runtime.h>

#include "kernels/optimizer_rules.hpp"

namespace manet::cuda {

// `skip`: when not null and *skip != 0 on the device (a count of non-finite gradients), the
// step changes nothing: the update is decided on the device, without a host round trip.

// torch.optim.SGD (dampening 0). buffer may be null when momentum is 0.
void sgd_step(float* p, float* buffer, const float* grad, long n, const SgdScalars& s, cudaStream_t stream,
              const int* skip = nullptr);

// torch.optim.AdamW.
void adamw_step(float* p, float* m, float* v, const float* grad, long n, const AdamWScalars& s, cudaStream_t stream,
                const int* skip = nullptr);

}  // namespace manet::cuda
