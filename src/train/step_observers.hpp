#pragma once
// What watches the training step (train/step.hpp) from outside its code: where the time
// goes (StepTimer), the Chrome-trace timeline (TimelineRecorder) and the test-only fault
// injection (FaultInjector).
#include <string>
#include <vector>

#include "model/manet_model.hpp"
#include "train/fault_injection.hpp"
#include "train/progress.hpp"
#include "train/step.hpp"
#include "train/timeline.hpp"

namespace manet {

// Sums each phase over the steps after a warm-up (the first few steps of a run are slower:
// buffers grow, caches fill) and keeps every counted step's wait for the gradients.
class StepTimer final : public StepObserver {
 public:
  // Steps numbered above `last_warmup_step` are counted.
  explicit StepTimer(long last_warmup_step) : last_warmup_(last_warmup_step) {}
  void phase_done(StepPhase phase, Clock::time_point begin, Clock::time_point end, long step) override;
  // On a GPU: the device's own phase times (CUDA events), summed beside the host's.
  void device_phases_done(const DevicePhaseTimes& times, long step) override;
  StepTimes& times() { return times_; }
  std::vector<double>& comm_waits() { return comm_waits_; }
  // Whether every step so far (warm-up included) ended with FTZ/DAZ on in this thread.
  bool subnormals_flushed_every_step() const { return flushed_every_step_; }

 private:
  long last_warmup_;
  bool flushed_every_step_ = true;
  StepTimes times_;
  std::vector<double> comm_waits_;
};

// The step's phases on the timeline's step track, and the model's layers (CPU) on its
// layer track, for the steps the timeline records.
class TimelineRecorder final : public StepObserver {
 public:
  TimelineRecorder(Timeline& timeline, Model<float>& model);
  void step_begins(long step) override;
  void phase_done(StepPhase phase, Clock::time_point begin, Clock::time_point end, long step) override;

 private:
  Timeline& timeline_;
  bool layers_timed_ = false;
  long step_ = 0;
  Clock::time_point layer_start_;
  std::vector<std::string> span_names_[2];  // [backward][layer]
};

// MANET_TEST_FAULT (train/fault_injection.hpp) on this rank.
class FaultInjector final : public StepObserver {
 public:
  FaultInjector(FaultPlan plan, int rank) : plan_(plan), rank_(rank) {}
  void step_begins(long step) override { plan_.at_step_start(rank_, step); }
  void alter_loss(long step, double& loss) override;
  void alter_gradient_scale(long step, float& scale) override;
  void alter_learning_rate(long step, double& lr) override;
  void alter_sum_of_squares(long step, double& sum_sq) override;

 private:
  FaultPlan plan_;
  int rank_;
};

}  // namespace manet
