#pragma once
// SGD and AdamW over flat float buffers, exactly torch.optim's update rules in float32
// arithmetic (the scalars from kernels/optimizer_rules.hpp).
#include <cmath>

#include "kernels/cpu/kernel_isa.hpp"
#include "kernels/optimizer_rules.hpp"

namespace MANET_CPU_KERNELS {

//   g = grad + wd * p
//   buf = g when there is no buffer yet (no step made one, none was loaded),
//         else buf = momentum * buf + g
//   g = g + momentum * buf (nesterov) or buf
//   p = p - lr * g
// `buffer` may be null when momentum is 0.
inline void sgd_step(float* p, float* buffer, const float* grad, long n, const SgdScalars& s) {
  const float wd = s.weight_decay, mu = s.momentum, rate = s.lr;  // locals: p[i] stores cannot alias them
  const bool first = s.first, nesterov = s.nesterov;
  for (long i = 0; i < n; ++i) {
    float g = grad[i];
    if (wd != 0) g = g + wd * p[i];
    if (mu != 0) {
      buffer[i] = first ? g : mu * buffer[i] + g;
      g = nesterov ? g + mu * buffer[i] : buffer[i];
    }
    p[i] = p[i] - rate * g;
  }
}

//   p = p * (1 - lr * wd)
//   m = m + (1 - b1) * (g - m)            (torch's lerp)
//   v = b2 * v + (1 - b2) * g * g
//   p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
inline void adamw_step(float* p, float* m, float* v, const float* grad, long n, const AdamWScalars& s) {
  const AdamWScalars k = s;  // a local copy: p/m/v stores cannot alias it
  for (long i = 0; i < n; ++i) {
    const float g = grad[i];
    p[i] = p[i] * k.decay;
    m[i] = m[i] + k.one_minus_b1 * (g - m[i]);
    v[i] = v[i] * k.b2 + k.one_minus_b2 * g * g;
    const float denom = std::sqrt(v[i]) / k.bc2_sqrt + k.eps;
    p[i] = p[i] - k.step_size * (m[i] / denom);
  }
}

}  // namespace MANET_CPU_KERNELS
