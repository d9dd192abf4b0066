#include "train/run_checkpoint.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace manet {

CheckpointContents make_checkpoint(const Config& config, const RunPosition& position, const Model<float>& model,
                                   Optimizer& optimizer, const Preprocess& preprocess) {
  CheckpointContents c;
  c.preprocess = preprocess;
  c.position = position;
  c.position.optimizer_step = optimizer.steps();
  c.position.optimizer_has_state = optimizer.has_state();
  c.config_yaml = to_yaml(config);
  c.params.assign(model.values(), model.values() + model.num_params());
  c.optimizer_type = optimizer.spec().type;
  c.optimizer_hyper = optimizer.hyper_parameters();
  // SGD's momentum buffer exists once a step has made it or a checkpoint brought it (torch).
  if (optimizer.has_state())
    for (auto& [name, values] : optimizer.slots()) c.slots.emplace_back(name, *values);
  return c;
}

namespace {

bool load_optimizer_state(const CheckpointContents& c, Optimizer& optimizer) {
  if (c.optimizer_type != optimizer.spec().type) return false;
  for (auto& [name, values] : optimizer.slots()) {
    auto it = std::find_if(c.slots.begin(), c.slots.end(), [&](const auto& s) { return s.first == name; });
    if (it == c.slots.end()) {
      if (c.position.optimizer_step > 0 && optimizer.spec().type != "sgd")
        throw Error("the checkpoint's " + c.optimizer_type + " state has no " + name + " slot");
      std::fill(values->begin(), values->end(), 0.0f);
      optimizer.restored(0, false);
      return true;
    }
    *values = it->second;
  }
  optimizer.restored(c.position.optimizer_step, true);
  return true;
}

}  // namespace

std::string resume_from(const CheckpointContents& c, const Config& config, RunPosition& position,
                        Model<float>& model, Optimizer& optimizer) {
  const RunPosition& saved = c.position;
  const long global_batch = long(position.global_batch), world_size = long(position.world_size);
  // The global batch the checkpoint was written with (older files: from its config).
  const long saved_batch =
      saved.global_batch > 0 ? long(saved.global_batch)
                             : long(saved.world_size) * parse_config(c.config_yaml, "checkpoint config").train.batch_size;
  if (!c.missing_position.empty()) {
    std::string missing;
    for (const std::string& a : c.missing_position) missing += (missing.empty() ? "" : ", ") + a;
    throw Error("the checkpoint lacks what a resume needs to know where the run stands (" + missing +
                    "): start a new run from its weights with train.init_from instead",
                ErrorKind::usage);
  }
  std::string note;
  if (saved_batch != global_batch) {
    if (!config.checkpoint.allow_global_batch_change)
      throw Error("the checkpoint was written with a global batch of " + std::to_string(saved_batch) + " samples (" +
                      std::to_string(saved.world_size) + " rank(s)); this run's is " + std::to_string(global_batch) + " (" +
                      std::to_string(world_size) + " rank(s) x train.batch_size " +
                      std::to_string(config.train.batch_size) + "). Resume with ranks x train.batch_size = " +
                      std::to_string(saved_batch) + " for the same run, or set "
                      "checkpoint.allow_global_batch_change: true to go on from the same sample with the new batch",
                  ErrorKind::usage);
    note = "; global batch changed from " + std::to_string(saved_batch) + " to " + std::to_string(global_batch) +
           " (checkpoint.allow_global_batch_change), continuing at sample " + std::to_string(saved.epoch_offset) +
           " of epoch " + std::to_string(saved.epoch + 1);
  } else if (saved.world_size != world_size) {
    note = "; written by " + std::to_string(saved.world_size) + " rank(s), continuing on " + std::to_string(world_size) +
           " with the same global batch of " + std::to_string(global_batch);
  }
  std::copy(c.params.begin(), c.params.end(), model.values());
  if (c.optimizer_type.empty()) {
    // Weights only (a file written by another tool): fine for an optimizer without state.
    if (!optimizer.slots().empty())
      throw Error("the checkpoint holds no optimizer state, which " + optimizer.spec().type +
                      (optimizer.spec().type == "sgd" ? " with momentum" : "") +
                      " needs to resume exactly: start a new run from its weights with train.init_from",
                  ErrorKind::usage);
    optimizer.restored(saved.step, false);
  } else if (!load_optimizer_state(c, optimizer))
    throw Error("the checkpoint holds " + c.optimizer_type + " state but the config asks for " +
                    optimizer.spec().type + ": resume with the same optimizer, or start a new run with train.init_from",
                ErrorKind::usage);
  // Where it stands, under this run's global batch, world size and seed.
  position = RunPosition{saved};
  position.global_batch = global_batch, position.world_size = world_size, position.seed = config.seed;
  position.optimizer_step = optimizer.steps(), position.optimizer_has_state = optimizer.has_state();
  return note;
}

std::string init_from(const CheckpointContents& c, Model<float>& model, Optimizer& optimizer) {
  std::copy(c.params.begin(), c.params.end(), model.values());
  if (c.optimizer_type.empty()) return "weights only (the checkpoint holds no optimizer state)";
  if (!load_optimizer_state(c, optimizer))
    return "weights only (the checkpoint's optimizer is " + c.optimizer_type + ", this run's " +
           optimizer.spec().type + ")";
  return "weights and " + c.optimizer_type + " state at optimizer step " + std::to_string(c.position.optimizer_step);
}

ResumeScan find_resumable(const std::string& dir, const ParamTable& table, CheckpointContents& out,
                          void (*warn)(const std::string&)) {
  ResumeScan scan;
  for (const std::string& path : list_checkpoints(dir)) {
    try {
      out = load_checkpoint(path, table);
      if (out.unchecked.empty()) {
        scan.path = path;
        return scan;
      }
      // auto takes only what it can verify; a path given by hand is taken with a note.
      warn("skipping checkpoint " + path + ": " + unchecked_note(path, out) +
           "; to resume from it anyway, set checkpoint.resume to its path");
    } catch (const Error& e) {
      // A damaged file is skipped for an older one; a file of another model means the
      // directory is not this run's: refuse rather than train beside it.
      if (e.kind() == ErrorKind::usage)
        throw Error(std::string(e.what()) + ". checkpoint.dir " + dir + " holds checkpoints of a different model: "
                        "use another checkpoint.dir, or checkpoint.resume: never to start over there (the earlier "
                        "files are then moved aside, not deleted)",
                    ErrorKind::usage);
      warn("skipping checkpoint " + path + ": " + e.what());
    }
    scan.skipped.push_back(path);
  }
  return scan;
}

}  // namespace manet
