#pragma once
// A run and its checkpoints: the model, the optimizer and the run's position
// (checkpoint/run_position.hpp) into a CheckpointContents, and back.
#include <string>
#include <vector>

#include "checkpoint/checkpoint.hpp"
#include "config/config.hpp"
#include "model/manet_model.hpp"
#include "optim/optimizer.hpp"

namespace manet {

// `preprocess`: the training data's (Dataset::preprocess), so the checkpoint alone is
// enough to use the model (`manet predict`).
CheckpointContents make_checkpoint(const Config& config, const RunPosition& position, const Model<float>& model,
                                   Optimizer& optimizer, const Preprocess& preprocess = {});

// Continues a run from a checkpoint of this run (resume): weights, optimizer, cursor.
// Returns a note for the log (e.g. about a changed world size).
// `position` holds this run's global batch and world size; it becomes the checkpoint's
// position with them.
std::string resume_from(const CheckpointContents& c, const Config& config, RunPosition& position,
                        Model<float>& model, Optimizer& optimizer);

// Starts a new run from a checkpoint's weights and, when the optimizer type matches,
// its optimizer state with its step count (train.init_from). Returns a note to print.
std::string init_from(const CheckpointContents& c, Model<float>& model, Optimizer& optimizer);

// The newest checkpoint in `dir` that loads and verifies (path "" when none), and the
// newer ones skipped on the way, each reported through `warn` by name with the reason.
struct ResumeScan {
  std::string path;
  std::vector<std::string> skipped;
};
ResumeScan find_resumable(const std::string& dir, const ParamTable& table, CheckpointContents& out,
                          void (*warn)(const std::string&));

}  // namespace manet
