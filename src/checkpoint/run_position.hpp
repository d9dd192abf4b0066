#pragma once
// Where a run stands: everything besides weights and optimizer slots that continuing it
// exactly needs. One struct, with one list of its fields (fields()) that both its
// checkpoint attributes and its broadcast to every rank are made from: a new piece of run
// state is one member and one line there.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace manet {

constexpr double kNotEvaluated = std::numeric_limits<double>::quiet_NaN();

// One evaluated epoch (or the end of a run that stopped mid-epoch): NaN for a set that
// was not evaluated then.
struct EpochRecord {
  int64_t epoch = 0, step = 0;
  double train_loss = 0;
  double val_loss = kNotEvaluated, val_accuracy = kNotEvaluated;
  double test_loss = kNotEvaluated, test_accuracy = kNotEvaluated;
};

struct RunPosition {
  int64_t step = 0;            // optimizer steps done in this run
  int64_t epoch = 0;           // current epoch (0-based)
  int64_t epoch_offset = 0;    // global samples of this epoch's order already taken
  int64_t samples_seen = 0;    // global
  double epoch_loss_sum = 0;   // this epoch's per-step mean losses so far (for its mean)
  int64_t epoch_steps = 0;
  int64_t optimizer_step = 0;  // the optimizer's own count (AdamW's bias correction)
  int64_t global_batch = 0;    // samples per step over all ranks when written (0: unknown)
  int64_t world_size = 1;      // ranks when written
  uint64_t seed = 0;           // the run's seed (the shuffle order derives from it)
  // Not stored as an attribute: whether the optimizer slots hold state (SGD's momentum
  // buffer exists once a step made it or a file brought it); a checkpoint says it by
  // holding the slots.
  int64_t optimizer_has_state = 0;
  // Model selection on the validation set (train/selection.hpp): the best value of
  // checkpoint.keep_best's metric so far and the step best.h5 holds; early stopping's own
  // best and the evaluations since it last improved; 1 once early stopping ended the run.
  double best_value = kNotEvaluated;
  int64_t best_step = 0;
  double early_stop_best = kNotEvaluated;
  int64_t early_stop_waited = 0;
  int64_t stopped_early = 0;
  // Which run this is: made when a run starts fresh, kept when it resumes. Checkpoints
  // and metrics.jsonl lines carry it, so a run prunes and resumes only its own files.
  std::string run_id;
  std::vector<EpochRecord> history;  // /metrics

  // Every scalar field with the checkpoint group and attribute it is stored as
  // (docs/checkpoint.md); group "" for those not stored as an attribute. Some numbers are
  // stored twice, as the format has always had them (/data@epoch is /meta@epoch).
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit("/meta", "step", p.step);
    visit("/meta", "epoch", p.epoch);
    visit("/meta", "samples_seen", p.samples_seen);
    visit("/meta", "world_size", p.world_size);
    visit("/meta", "seed", p.seed);
    visit("/data", "epoch", p.epoch);
    visit("/data", "offset", p.epoch_offset);
    visit("/data", "shuffle_seed", p.seed);
    visit("/state", "schedule_step", p.step);
    visit("/state", "global_batch", p.global_batch);
    visit("/state", "epoch_loss_sum", p.epoch_loss_sum);
    visit("/state", "epoch_steps", p.epoch_steps);
    visit("/optimizer", "step", p.optimizer_step);
    visit("", "optimizer_has_state", p.optimizer_has_state);
    visit("/meta", "run_id", p.run_id);
    visit("/state", "best_value", p.best_value);
    visit("/state", "best_step", p.best_step);
    visit("/state", "early_stop_best", p.early_stop_best);
    visit("/state", "early_stop_waited", p.early_stop_waited);
    visit("/state", "stopped_early", p.stopped_early);
  }

  // The whole position as bytes and back (for the broadcast from rank 0).
  std::vector<char> to_bytes() const;
  static RunPosition from_bytes(const std::vector<char>& bytes);
};

}  // namespace manet
