#pragma once
// What a person watching the run sees: a progress line at a steady rhythm (step, epoch,
// loss, learning rate, samples/s, ETA) - on a terminal one live bar that updates in place -,
// evaluation results, and the same as JSON lines in the run directory (metrics.jsonl, the
// versioned schema of docs/metrics.md) for tools and `manet report`.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "train/evaluate.hpp"
#include "train/step_phases.hpp"

namespace manet {

struct EvalResult;

// The version of metrics.jsonl's schema, in every record ("schema"); docs/metrics.md.
// Adding a field keeps it; renaming, removing or changing the meaning of one raises it.
constexpr int kMetricsSchema = 1;

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

// One rank's own StepTimes (its wait `comm`, its peak memory) and the host it ran on.
struct RankTimes {
  int rank = 0;
  std::string host;
  StepTimes times;
};

// What the start record of metrics.jsonl says about a run (besides the CPU, the BLAS and
// the version, which Progress reads itself).
struct RunStart {
  long step = 0, epoch = 0;  // where this start begins (0, 0 unless resumed)
  long total_steps = 0, steps_per_epoch = 0, global_batch = 0, parameters = 0;
  int world_size = 1, hosts = 1;
  std::string device, config_source, config_yaml;
};

// How progress shows on the terminal: a live bar (one line redrawn in place) or plain
// lines. MANET_PROGRESS=bar|lines chooses; unset or `auto`: the bar when standard output
// is a terminal and the process was not started by an MPI launcher (mpirun gives every
// rank a pseudo-terminal whatever its own output is; launch/mpirun.sh sets
// MANET_PROGRESS for the ranks from its own output). A bad value is a usage Error.
bool progress_bar_wanted(bool started_by_launcher);

class Progress {
 public:
  // `enabled`: this rank prints and writes metrics (rank 0). `live_bar`: the terminal
  // shows a bar instead of progress lines (progress_bar_wanted).
  Progress(const std::string& metrics_path, const std::string& run_id, long total_steps, long global_batch,
           bool enabled, bool live_bar = false);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void start(long step);  // the first step to come is step + 1
  // The run's first record after each start of the process: what runs, where, on what.
  void run_started(const RunStart& run);
  // Called once per step with this step's mean loss.
  void step_done(long step, long epoch, double loss, double lr, long log_every);
  // An evaluation on `split` ("val" | "test") after `step`, at the end of (1-based) `epoch`;
  // the record keeps the confusion matrix with the class names (label k -> classes[k];
  // empty when the data does not name them). `model` says which model it was at the end
  // of a run ("last" | "best"; "" after an epoch).
  void eval_done(const std::string& split, long step, long epoch, const EvalResult& result,
                 const std::vector<std::string>& classes, double seconds, const std::string& model = "");
  void note(const std::string& line);  // a plain line on the terminal
  // A record {"event": NAME, "step": STEP, "reason": REASON} in metrics.jsonl: "stopped"
  // (the signal), "resumed" (from where), "requeued" (by whom).
  void note_event(const char* name, long step, const std::string& reason = "");
  // The steady-state throughput and the time split of a step, at the end of a run:
  // `times` over the ranks (the largest peak memory), `ranks` each rank's own.
  void summary(const StepTimes& times, const std::vector<RankTimes>& ranks, int world_size);
  double elapsed_seconds() const;

 private:
  // One line of metrics.jsonl: `fields` then the schema version and the run's id.
  void record(nlohmann::ordered_json& fields);
  void draw_bar(long step, long epoch, double loss, double rate);
  void clear_bar();  // before a line is printed below it
  std::FILE* jsonl_ = nullptr;
  std::string run_id_;
  long total_steps_, global_batch_;
  bool enabled_, live_bar_;
  bool bar_shown_ = false;
  std::chrono::steady_clock::time_point start_, window_start_, bar_start_;
  long start_step_ = 0, window_steps_ = 0, bar_steps_ = 0;
  double window_loss_ = 0, bar_loss_ = 0;
};

std::string format_duration(double seconds);

}  // namespace manet
