#pragma once
// Clipping the global gradient norm, as torch.nn.utils.clip_grad_norm_: with the norm
// n = sqrt(sum g^2), gradients are scaled by max_norm / (n + 1e-6) when that is below 1.
// Every backend computes sum g^2 its own way and scales by this one factor; with several
// ranks the trainer agrees on the sum first, so every replica scales alike.
#include <cmath>

namespace manet {

// The factor to scale the gradients by; 1 when they are within max_norm.
inline double clip_factor(double sum_of_squares, double max_norm) {
  const double factor = max_norm / (std::sqrt(sum_of_squares) + 1e-6);
  return factor < 1.0 ? factor : 1.0;
}

}  // namespace manet
