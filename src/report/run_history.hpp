#pragma once
// A run as its metrics.jsonl tells it (the schema of docs/metrics.md): the logged training
// steps, every evaluation with its confusion matrix, the starts, stops, resumes and
// requeues, and where the time went. Reads whatever is there: a run still going, a run
// from before the schema had a version (fields it lacks stay empty).
#include <optional>
#include <string>
#include <vector>

namespace manet::report {

struct TrainPoint {
  long step = 0, epoch = 0;  // epoch 1-based
  double loss = 0, lr = 0, samples_per_s = 0;
};

struct EvalPoint {
  std::string split;  // "test", "val"; "test" in records from before the field
  std::string model;  // at the end of a run: "last" or "best" (best.h5, chosen on validation); "" after an epoch
  long step = 0, epoch = 0;
  double loss = 0, accuracy = 0, macro_f1 = 0;
  long samples = 0;
  std::vector<std::string> classes;         // label k -> name; empty when the run did not say
  std::vector<std::vector<long>> confusion;  // [true label][prediction]; empty in old records

  // The name of class k: its recorded name, else its index.
  std::string class_name(std::size_t k) const;
};

// A start of the process, a stop, a resume or a requeue, at `step`.
struct RunEvent {
  std::string kind;  // "start", "stopped", "resumed", "requeued"
  long step = 0;
  std::string reason, time;  // time: ISO 8601 UTC ("" when not recorded)
};

// What one start of the run said about itself.
struct RunFacts {
  std::string version, cpu, blas, isa, device, config_source, config, time;
  int world_size = 0, hosts = 0;
  long total_steps = 0, steps_per_epoch = 0, global_batch = 0, parameters = 0;
  bool subnormals_flushed = false;
};

struct RankPhases {
  int rank = 0;
  std::string host;
  // Milliseconds per step: data, forward, backward, exposed communication, waiting for
  // slower ranks, optimizer; and the peak resident set in MB.
  double data_ms = 0, forward_ms = 0, backward_ms = 0, comm_exposed_ms = 0, wait_ms = 0, optimizer_ms = 0;
  double peak_rss_mb = 0;
  double step_ms() const { return data_ms + forward_ms + backward_ms + comm_exposed_ms + wait_ms + optimizer_ms; }
};

struct RunSummary {
  double samples_per_s = 0, step_ms = 0, peak_rss_mb = 0;
  long steps = 0;
  int world_size = 0;
  std::string time;
  // One row per rank; a record without "ranks" (before schema 1) gives rank 0's phases alone.
  std::vector<RankPhases> ranks;
};

struct RunHistory {
  std::string metrics_path, run_id;
  int schema = 0;  // the highest schema version seen (0: records without one)
  std::vector<TrainPoint> train;
  std::vector<EvalPoint> evals;
  std::vector<RunEvent> events;  // in file order
  std::optional<RunFacts> facts;      // the latest start's
  std::optional<RunSummary> summary;  // the latest
  // Lines that were not records (a line being written as we read, a damaged file).
  long skipped_lines = 0;

  // Evaluations of one split, in file order; without those of best.h5 at the end of a run
  // (they belong to an earlier step, not to the curve) unless `with_best`.
  std::vector<const EvalPoint*> evals_of(const std::string& split, bool with_best = false) const;
  // The splits evaluated, in the order of their first record.
  std::vector<std::string> splits() const;
  long last_step() const;  // of any record; 0 when none
};

// The newest schema this reader knows; newer records are read for the fields it knows.
constexpr int kReadableSchema = 1;

// Reads RUN_DIR/metrics.jsonl (or the file itself when `run` names a file). A missing file
// is a usage Error naming it. Records of other runs (a file appended to by several runs
// before run ids existed) are skipped: the run is that of the last record.
RunHistory read_run_history(const std::string& run);

}  // namespace manet::report
