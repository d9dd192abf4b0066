#include "train/step_observers.hpp"

#include <chrono>
#include <cmath>
#include <limits>

#include "core/float_env.hpp"

namespace manet {

void StepTimer::phase_done(StepPhase phase, Clock::time_point begin, Clock::time_point end, long step) {
  // Reading MXCSR costs one instruction; a library that turned FTZ/DAZ off mid-run shows.
  if (phase == StepPhase::optimizer) flushed_every_step_ = flushed_every_step_ && subnormals_flushed();
  if (step <= last_warmup_) return;
  const double s = std::chrono::duration<double>(end - begin).count();
  switch (phase) {
    case StepPhase::data: times_.data += s; break;
    case StepPhase::forward: times_.forward += s; break;
    case StepPhase::backward: times_.backward += s; break;
    case StepPhase::comm: times_.comm += s, comm_waits_.push_back(s); break;
    case StepPhase::optimizer: times_.optimizer += s, ++times_.steps; break;
  }
}

void StepTimer::device_phases_done(const DevicePhaseTimes& t, long step) {
  if (step <= last_warmup_) return;
  times_.device.forward += t.forward, times_.device.backward += t.backward;
  times_.device.comm += t.comm, times_.device.optimizer += t.optimizer;
  ++times_.device_steps;
}

TimelineRecorder::TimelineRecorder(Timeline& timeline, Model<float>& model) : timeline_(timeline) {
  if (!timeline.enabled()) return;
  // Layer spans: names built once; timed only inside a recorded step's forward and
  // backward (evaluation runs the same layers between steps).
  for (const std::string& name : model.graph().layer_names())
    span_names_[0].push_back("forward " + name), span_names_[1].push_back("backward " + name);
  model.set_layer_observer([this](std::size_t layer, bool backward) {
    if (!layers_timed_) return;
    const auto now = Clock::now();
    timeline_.span(span_names_[backward][layer], 1, layer_start_, now, step_);
    layer_start_ = now;
  });
}

void TimelineRecorder::step_begins(long step) { step_ = step; }

void TimelineRecorder::phase_done(StepPhase phase, Clock::time_point begin, Clock::time_point end, long step) {
  if (!timeline_.recording(step)) return;
  static const char* const names[] = {"data", "forward", "backward", "gradient all-reduce wait", "optimizer"};
  timeline_.span(names[int(phase)], 0, begin, end, step);
  // The layers of forward run after the data phase, those of backward after forward.
  layers_timed_ = phase == StepPhase::data || phase == StepPhase::forward;
  layer_start_ = end;
}

// This rank's own Σg² differs from the others' (by 21 %: a norm 10 % larger).
void FaultInjector::alter_sum_of_squares(long step, double& sum_sq) {
  if (plan_.due(FaultKind::clip_sum, rank_, step)) sum_sq *= 1.21;
}

void FaultInjector::alter_loss(long step, double& loss) {
  if (plan_.due(FaultKind::nan_loss, rank_, step)) loss = std::numeric_limits<double>::quiet_NaN();
}

// Every gradient of this rank becomes NaN (the loss's gradient is scaled by NaN).
void FaultInjector::alter_gradient_scale(long step, float& scale) {
  if (plan_.due(FaultKind::nan_gradient, rank_, step)) scale = std::numeric_limits<float>::quiet_NaN();
}

// This rank's update differs slightly from the others': its replica diverges.
void FaultInjector::alter_learning_rate(long step, double& lr) {
  if (plan_.due(FaultKind::diverge, rank_, step)) lr = lr * 1.001 + 1e-6;
}

}  // namespace manet
