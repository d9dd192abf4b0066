#include "train/run_state.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace manet {

CheckpointContents make_checkpoint(const Config& config, const RunState& state, const Model<float>& model,
                                   Optimizer& optimizer, long global_batch, int world_size) {
  CheckpointContents c;
  c.step = state.step;
  c.epoch = state.epoch;
  c.samples_seen = state.samples_seen;
  c.world_size = world_size;
  c.seed = config.seed;
  c.data_epoch = state.epoch;
  c.data_offset = state.batch_in_epoch * global_batch;
  c.shuffle_seed = config.seed;
  c.config_yaml = to_yaml(config);
  c.params.assign(model.values(), model.values() + model.num_params());
  const OptimizerSpec& o = optimizer.spec();
  c.optimizer_type = o.type;
  c.optimizer_step = optimizer.steps();
  c.optimizer_hyper = {{"lr", o.lr}, {"weight_decay", o.weight_decay}};
  if (o.type == "sgd") {
    c.optimizer_hyper.insert(c.optimizer_hyper.end(), {{"momentum", o.momentum}, {"dampening", 0.0}, {"nesterov", o.nesterov ? 1.0 : 0.0}});
  } else {
    c.optimizer_hyper.insert(c.optimizer_hyper.end(), {{"beta1", o.beta1}, {"beta2", o.beta2}, {"eps", o.eps}});
  }
  // SGD's momentum buffer exists once a step has made it (torch semantics).
  if (o.type != "sgd" || optimizer.steps() > 0)
    for (auto& [name, values] : optimizer.slots()) c.slots.emplace_back(name, *values);
  c.metrics = state.history;
  return c;
}

namespace {

bool load_optimizer_state(const CheckpointContents& c, Optimizer& optimizer) {
  if (c.optimizer_type != optimizer.spec().type) return false;
  for (auto& [name, values] : optimizer.slots()) {
    auto it = std::find_if(c.slots.begin(), c.slots.end(), [&](const auto& s) { return s.first == name; });
    if (it == c.slots.end()) {
      if (c.optimizer_step > 0 && optimizer.spec().type != "sgd")
        throw Error("the checkpoint's " + c.optimizer_type + " state has no " + name + " slot");
      std::fill(values->begin(), values->end(), 0.0f);
      optimizer.restored(0);
      return true;
    }
    *values = it->second;
  }
  optimizer.restored(c.optimizer_step);
  return true;
}

}  // namespace

void resume_from(const CheckpointContents& c, const Config& config, long global_batch, RunState& state,
                 Model<float>& model, Optimizer& optimizer) {
  if (c.data_offset % global_batch != 0)
    throw Error("the checkpoint stopped " + std::to_string(c.data_offset) + " samples into epoch " +
                    std::to_string(c.data_epoch) + ", not a whole number of global batches of " +
                    std::to_string(global_batch) + ": resume with the same world_size x batch_size",
                ErrorKind::usage);
  std::copy(c.params.begin(), c.params.end(), model.values());
  if (!load_optimizer_state(c, optimizer))
    throw Error("the checkpoint holds " + c.optimizer_type + " state but the config asks for " +
                    optimizer.spec().type + ": resume with the same optimizer, or start a new run with train.init_from",
                ErrorKind::usage);
  state.step = c.step;
  state.epoch = c.data_epoch;
  state.batch_in_epoch = c.data_offset / global_batch;
  state.samples_seen = c.samples_seen;
  state.history = c.metrics;
}

std::string init_from(const CheckpointContents& c, Model<float>& model, Optimizer& optimizer) {
  std::copy(c.params.begin(), c.params.end(), model.values());
  if (c.optimizer_type.empty()) return "weights only (the checkpoint holds no optimizer state)";
  if (!load_optimizer_state(c, optimizer))
    return "weights only (the checkpoint's optimizer is " + c.optimizer_type + ", this run's " +
           optimizer.spec().type + ")";
  return "weights and " + c.optimizer_type + " state at optimizer step " + std::to_string(c.optimizer_step);
}

std::string find_resumable(const std::string& dir, const ParamTable& table, CheckpointContents& out,
                           void (*warn)(const std::string&)) {
  for (const std::string& path : list_checkpoints(dir)) {
    try {
      out = load_checkpoint(path, table);
      return path;
    } catch (const Error& e) {
      warn("skipping checkpoint " + path + ": " + e.what());
    }
  }
  return "";
}

}  // namespace manet
