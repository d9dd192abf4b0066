#pragma once
// Learning-rate schedules as pure functions of the step, so resuming needs no state.
#include <string>

namespace manet {

struct ScheduleSpec {
  std::string type = "constant";  // constant | cosine
  long warmup_steps = 0;          // linear warm-up from lr/warmup to lr (both types)
  double min_lr = 0.0;            // cosine: the value reached at the last step
};

// lr for the step with 0-based index `step` out of `total_steps`.
double learning_rate(const ScheduleSpec& s, double base_lr, long step, long total_steps);

}  // namespace manet
