#pragma once
// One training step, as docs/training.md draws it:
//
//   shard      rank r takes its B samples of the step's global batch
//   forward    the model and the label-smoothed loss (the sum over this rank's samples)
//   backward   accumulates gradients scaled by 1 / global batch; each gradient bucket's
//              all-reduce starts as soon as it is final
//   loss       all-reduced once backward is queued (on a GPU the host waits for the
//              forward's loss only then, while the device is busy with backward); it also
//              carries what the ranks must agree on at a step boundary (a stop signal
//              anywhere, rank 0's clock for checkpoint.every_minutes)
//   checks     every rank sees the same summed loss and gradients: a non-finite one
//              stops all of them before the step (a GPU skips its update on the device)
//   clip       train.grad_clip, with one factor on every rank
//   step       the optimizer, with the schedule's learning rate, identical on every rank
//
// What watches a step (timing, the timeline, the test-only fault injection) does so
// through StepObserver, outside the step's own code.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "checkpoint/run_position.hpp"
#include "comm/comm.hpp"
#include "comm/gradient_buckets.hpp"
#include "comm/row_sparse_sum.hpp"
#include "config/config.hpp"
#include "data/augment.hpp"
#include "data/dataset.hpp"
#include "data/sampler.hpp"
#include "train/batch.hpp"
#include "train/training_model.hpp"

namespace manet {

class StepObserver {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~StepObserver() = default;
  // `step` is the 1-based number of the step being taken.
  virtual void step_begins(long step) {}
  virtual void phase_done(StepPhase phase, Clock::time_point begin, Clock::time_point end, long step) {}
  // On a GPU, after the step: the device's own time for its phases (CUDA events).
  virtual void device_phases_done(const DevicePhaseTimes& times, long step) {}
  // Test-only: what the fault suite alters on one rank (the loss, the gradients through
  // their scale, the update through the learning rate). Inert otherwise.
  virtual void alter_loss(long step, double& local_loss) {}
  virtual void alter_gradient_scale(long step, float& scale) {}
  virtual void alter_learning_rate(long step, double& lr) {}
  // ... and this rank's own sum of squares for clipping, before the ranks agree on one.
  virtual void alter_sum_of_squares(long step, double& sum_sq) {}
};

struct StepResult {
  double loss = 0;            // the global batch's mean loss
  double lr = 0;              // the learning rate the step used
  bool stop = false;          // a stop signal reached some rank
  bool minutes_due = false;   // rank 0's checkpoint.every_minutes clock says a checkpoint is due
};

class TrainingStep {
 public:
  TrainingStep(comm::Comm& comm, TrainingModel& model, const Dataset& data, ShardSampler& sampler,
               const Config& config, long total_steps);

  void watch(StepObserver& observer) { observers_.push_back(&observer); }
  int buckets() const { return int(buckets_->buckets().size()); }

  // The step after `at`. `stop_here` says whether this rank was asked to stop, read as
  // late as it can still ride on the loss all-reduce; `minutes_due` is rank 0's clock.
  StepResult run(const RunPosition& at, const std::function<bool()>& stop_here, bool minutes_due);

 private:
  template <class F>
  void tell(F&& f) {
    for (StepObserver* o : observers_) f(*o);
  }

  comm::Comm& comm_;
  TrainingModel& model_;
  const Dataset& data_;
  ShardSampler& sampler_;
  const Config& config_;
  long total_steps_, batch_, global_batch_;
  std::unique_ptr<comm::GradientBuckets> buckets_;
  std::optional<comm::RowSparseSum> embed_sum_;
  BatchBuffer batch_buffer_;
  Augmenter augmenter_;
  std::vector<long> indices_;
  std::vector<StepObserver*> observers_;
};

}  // namespace manet
