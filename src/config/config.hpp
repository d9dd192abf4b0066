#pragma once
// The whole run configuration: YAML sections -> plain structs with defaults. Parsing
// only; building objects from it (and fitting the model to the data) is the trainer's job.
#include <cstdint>
#include <string>
#include <vector>

#include "data/augment.hpp"
#include "data/dataset_spec.hpp"
#include "model/model_spec.hpp"
#include "optim/optimizer_spec.hpp"
#include "optim/schedule.hpp"

namespace manet {

struct DataConfig {
  DatasetSpec train, test;  // test optional (no evaluation without it)
  // Validation: a file (val), or a stratified share of the training set (val_fraction > 0)
  // that training then never sees (data/val_split.hpp); neither: no validation.
  DatasetSpec val;
  double val_fraction = 0;
  Normalization normalize;  // for fashion_mnist pixels
  bool has_val() const { return val.defined() || val_fraction > 0; }
};

// Metrics a run can select on, all of the validation set: "val_accuracy", "val_loss",
// "val_macro_f1" (loss: lower is better).
bool is_selection_metric(const std::string& name);

// Stop when the metric has not improved by more than min_delta for `patience` epochs.
struct EarlyStopSpec {
  std::string metric;  // "" = off
  long patience = 5;
  double min_delta = 0;
};

struct TrainConfig {
  long batch_size = 64;      // samples per rank per step
  long max_steps = 0;        // 0: use epochs
  long epochs = 1;
  bool shuffle = true;
  std::string init_from;     // checkpoint whose weights (and optimizer state) start the run
  double label_smoothing = 0.0;
  // Token input only: each training token (not padding) becomes, with this probability,
  // the id an unseen word would get (its ending's id from the file's vocabulary, else the
  // unknown id 1), keyed by (seed, step, global sample, position): regularises rare words.
  double token_dropout = 0.0;
  double grad_clip = 0.0;    // max global gradient norm; 0 = off
  AugmentSpec augment;       // changes to training samples (data/augment.hpp); none by default
  EarlyStopSpec early_stop;
  // The test set is evaluated once, at the end (and with keep_best, on the best model
  // too); true evaluates it after every epoch as well, for information: nothing is ever
  // selected on it.
  bool test_every_epoch = false;
  // Image input: every evaluation (validation, so best.h5 and early stopping, and test)
  // averages the class probabilities of each image and its left-right mirror image.
  bool eval_hflip = false;
  long log_every_steps = 50;
  long eval_batch_size = 64;  // default: train.batch_size
  std::string timeline;      // Chrome-trace JSON of the first timeline_steps steps; empty = off
  long timeline_steps = 20;
  // GPU only: cuBLAS may run FP32 GEMMs on TF32 tensor cores (10-bit mantissa products:
  // faster, no longer comparable with the CPU to float tolerance). Strict FP32 by default.
  bool tf32 = false;
};

struct CheckpointConfig {
  std::string dir = "checkpoints/run";
  long every_steps = 0;        // 0: only at the end
  double every_minutes = 0;    // 0: off; decided on rank 0
  std::string resume = "auto";  // auto | never | PATH
  long keep_last = 3;          // 0: keep all
  // best.h5 beside the rolling checkpoints: the model with the best value of this metric
  // (is_selection_metric) so far; "" = off.
  std::string keep_best;
  // Resuming with another global batch (ranks x batch_size) than the checkpoint's:
  // refused unless true, then the run continues from the same sample position.
  bool allow_global_batch_change = false;
  // Signals that stop the run at the next step boundary with a checkpoint.
  std::vector<int> stop_signals;  // filled with SIGINT, SIGTERM, SIGUSR1 by default
};

// How ranks talk. Ignored by a single-process run.
struct DistConfig {
  double bucket_mb = 0.25;           // gradient all-reduce bucket limit (MiB); see bench/scaling.sh
  double timeout_s = 300;            // a collective that waits longer ends the job
  long check_replicas_every = 500;   // steps between cross-rank parameter checksums; 0 = off
};

struct Config {
  uint64_t seed = 1;
  // Where to compute: auto (the GPU when this build has CUDA and one is usable, else the
  // CPU), cpu, or cuda (an error when no GPU can be had). Resolved by device/device.hpp.
  std::string device = "auto";
  ModelSpec model;
  DataConfig data;
  TrainConfig train;
  OptimizerSpec optimizer;
  ScheduleSpec schedule;
  CheckpointConfig checkpoint;
  DistConfig dist;
  std::string source;  // the file it came from, for messages
};

// Loads and checks a config file with `--set key=value` overrides. Errors are usage
// Errors naming the key, the file and the line.
Config load_config(const std::string& file, const std::vector<std::string>& overrides = {});
// The same from YAML text (a checkpoint's stored config); `name` stands for the file.
Config parse_config(const std::string& yaml, const std::string& name, const std::vector<std::string>& overrides = {});

// The fully resolved config (every key, defaults filled in) as YAML; parse_config of
// it gives the same Config.
std::string to_yaml(const Config& config);

}  // namespace manet
