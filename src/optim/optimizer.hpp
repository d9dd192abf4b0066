#pragma once
// SGD and AdamW over the flat parameter buffer, with exactly torch.optim's update rules
// (float32 arithmetic in the same order), so a step matches PyTorch to float rounding.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kernels/optimizer_rules.hpp"
#include "optim/optimizer_spec.hpp"

namespace manet {

// The scalars of one update (kernels/optimizer_rules.hpp), for every backend's loop.
// `first`: no momentum buffer exists yet. `step`: the AdamW step being taken (1-based).
SgdScalars sgd_scalars(const OptimizerSpec& spec, double lr, bool first);
AdamWScalars adamw_scalars(const OptimizerSpec& spec, double lr, int64_t step);

class Optimizer {
 public:
  static std::unique_ptr<Optimizer> create(const OptimizerSpec& spec, long num_params);
  virtual ~Optimizer() = default;

  // One update with learning rate `lr` (the schedule's value for this step).
  virtual void step(float* params, const float* grads, double lr) = 0;

  const OptimizerSpec& spec() const { return spec_; }
  // The hyper-parameters by torch.optim's names, as checkpoints record them (/optimizer).
  virtual std::vector<std::pair<std::string, double>> hyper_parameters() const = 0;
  // Steps taken so far (AdamW's bias correction counts from this).
  int64_t steps() const { return steps_; }
  // Per-parameter state by checkpoint slot name, flat like the parameters.
  virtual std::vector<std::pair<std::string, std::vector<float>*>> slots() = 0;
  // Whether the slots hold state to use and to save. SGD's momentum buffer exists once a
  // step has made it or a checkpoint brought it, as in torch (whose SGD keeps no step
  // count: a buffer loaded at step 0 is used by the first step).
  virtual bool has_state() const { return true; }
  // After the slots were filled from a checkpoint (or zeroed): the step count, and whether
  // they hold loaded state.
  virtual void restored(int64_t steps, bool state_loaded) { steps_ = steps; }

 protected:
  Optimizer(OptimizerSpec spec, long n) : spec_(std::move(spec)), n_(n) {}
  OptimizerSpec spec_;
  long n_;
  int64_t steps_ = 0;
};

}  // namespace manet
