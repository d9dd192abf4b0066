#pragma once
// Where a run stands, and its round trip through a checkpoint.
#include <string>
#include <vector>

#include "checkpoint/checkpoint.hpp"
#include "config/config.hpp"
#include "model/manet_model.hpp"
#include "optim/optimizer.hpp"

namespace manet {

struct RunState {
  long step = 0;             // optimizer steps done in this run
  long epoch = 0;            // current epoch (0-based)
  long epoch_offset = 0;     // samples of this epoch's order already taken (global)
  long samples_seen = 0;     // global
  double epoch_loss_sum = 0;  // per-step mean losses of this epoch so far
  long epoch_steps = 0;
  std::vector<EpochRecord> history;
};

CheckpointContents make_checkpoint(const Config& config, const RunState& state, const Model<float>& model,
                                   Optimizer& optimizer, long global_batch, int world_size);

// Continues a run from a checkpoint of this run (resume): weights, optimizer, cursor.
// Returns a note for the log (e.g. about a changed world size).
std::string resume_from(const CheckpointContents& c, const Config& config, long global_batch, int world_size,
                        RunState& state, Model<float>& model, Optimizer& optimizer);

// Starts a new run from a checkpoint's weights and, when the optimizer type matches,
// its optimizer state with its step count (train.init_from). Returns a note to print.
std::string init_from(const CheckpointContents& c, Model<float>& model, Optimizer& optimizer);

// The newest checkpoint in `dir` that loads and verifies; failures are reported through
// `warn` by name with the reason. Empty when there is none.
std::string find_resumable(const std::string& dir, const ParamTable& table, CheckpointContents& out,
                           void (*warn)(const std::string&));

}  // namespace manet
