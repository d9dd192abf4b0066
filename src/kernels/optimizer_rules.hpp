#pragma once
// The per-step scalars of torch.optim's SGD and AdamW, computed once on the host
// (optim/optimizer.hpp) and read by the update loops of every backend (kernels/cpu and
// kernels/cuda optimizer), which then do the same float arithmetic in the same order.
namespace manet {

// torch.optim.SGD (dampening 0). `first`: no momentum buffer exists yet, this step makes it.
struct SgdScalars {
  float lr = 0, momentum = 0, weight_decay = 0;
  bool nesterov = false, first = false;
};

// torch.optim.AdamW at step t: decay = 1 - lr wd, step_size = lr / (1 - b1^t),
// bc2_sqrt = sqrt(1 - b2^t).
struct AdamWScalars {
  float decay = 1, step_size = 0, bc2_sqrt = 1, one_minus_b1 = 0, b2 = 0, one_minus_b2 = 0, eps = 0;
};

}  // namespace manet
