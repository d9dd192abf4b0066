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
  long batch_in_epoch = 0;   // global batches of this epoch already taken
  long samples_seen = 0;     // global
  std::vector<EpochRecord> history;
};

CheckpointContents make_checkpoint(const Config& config, const RunState& state, const Model<float>& model,
                                   Optimizer& optimizer, long global_batch, int world_size);

// Continues a run from a checkpoint of this run (resume): weights, optimizer, cursor.
void resume_from(const CheckpointContents& c, const Config& config, long global_batch, RunState& state,
                 Model<float>& model, Optimizer& optimizer);

// Starts a new run from a checkpoint's weights and, when the optimizer type matches,
// its optimizer state with its step count (train.init_from). Returns a note to print.
std::string init_from(const CheckpointContents& c, Model<float>& model, Optimizer& optimizer);

// The newest checkpoint in `dir` that loads and verifies; failures are reported through
// `warn` by name with the reason. Empty when there is none.
std::string find_resumable(const std::string& dir, const ParamTable& table, CheckpointContents& out,
                           void (*warn)(const std::string&));

}  // namespace manet
