#pragma once
// What a person watching the run sees: one line at a steady rhythm (step, epoch, loss,
// learning rate, samples/s, ETA), evaluation results, and the same as JSON lines in
// the run directory (metrics.jsonl) for tools.
#include <chrono>
#include <cstdio>
#include <string>

#include "train/evaluate.hpp"
#include "train/step_phases.hpp"

namespace manet {

// Where the time of a step goes, summed over the steps after warm-up. `comm` is this
// rank's wait for the gradients after backward: the communication backward did not
// hide plus waiting for slower ranks. `comm_floor` sums, step by step, the smallest such
// wait over all ranks - the rank that arrived last waits for the transfer alone.
struct StepTimes {
  double data = 0, forward = 0, backward = 0, comm = 0, optimizer = 0;  // seconds
  double comm_floor = 0;
  long steps = 0;
  double peak_rss_mb = 0;  // the largest peak resident set over the ranks
  bool subnormals_flushed = false;  // FTZ/DAZ were on at the end of every step on every rank
  // On a GPU: the device's time for the same phases (CUDA events) over `device_steps`
  // steps, and the largest GPU memory manet's buffers held (MiB).
  DevicePhaseTimes device;
  long device_steps = 0;
  double peak_gpu_mb = 0;
  double total() const { return data + forward + backward + comm + optimizer; }
};

class Progress {
 public:
  Progress(const std::string& metrics_path, const std::string& run_id, long total_steps, long global_batch,
           bool enabled);
  ~Progress();
  void start(long step);
  // Called once per step with this step's mean loss.
  void step_done(long step, long epoch, double loss, double lr, long log_every);
  // An evaluation of `split` ("val" | "test") after `step`; `model` says which model it was
  // at the end of a run ("last" | "best"; "" after an epoch).
  void eval_done(const std::string& split, long step, long epoch, const EvalResult& result, double seconds,
                 const std::string& model = "");
  void note(const std::string& line);  // a plain line on the terminal
  // A line {"event": NAME, "step": STEP} in metrics.jsonl (e.g. "stopped" by a signal).
  void note_event(const char* name, long step);
  // The steady-state throughput and the time split of a step, at the end of a run.
  void summary(const StepTimes& times, int world_size);
  double elapsed_seconds() const;

 private:
  void record(const char* format, ...) __attribute__((format(printf, 2, 3)));
  std::FILE* jsonl_ = nullptr;
  std::string run_id_;
  long total_steps_, global_batch_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, window_start_;
  long start_step_ = 0, window_steps_ = 0;
  double window_loss_ = 0;
};

std::string format_duration(double seconds);

}  // namespace manet
