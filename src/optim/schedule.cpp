#include "optim/schedule.hpp"

#include <algorithm>
#include <cmath>

namespace manet {

double learning_rate(const ScheduleSpec& s, double base_lr, long step, long total_steps) {
  if (step < s.warmup_steps) return base_lr * double(step + 1) / double(s.warmup_steps);
  if (s.type != "cosine") return base_lr;
  const long span = std::max(1L, total_steps - s.warmup_steps - 1);
  const double progress = std::min(1.0, double(step - s.warmup_steps) / double(span));
  return s.min_lr + (base_lr - s.min_lr) * 0.5 * (1.0 + std::cos(M_PI * progress));
}

}  // namespace manet
