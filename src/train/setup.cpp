#include "train/setup.hpp"

#include <cstdio>
#include <filesystem>

#include "checkpoint/checkpoint.hpp"
#include "core/crc32.hpp"
#include "core/error.hpp"
#include "comm/agree.hpp"
#include "train/model_data.hpp"
#include "train/run_checkpoint.hpp"

namespace manet {

namespace {

void warn(const std::string& line) { std::fprintf(stderr, "manet: warning: %s\n", line.c_str()); }

std::string rank_list(const std::vector<int>& ranks) {
  std::string s;
  for (std::size_t i = 0; i < ranks.size() && i < 8; ++i) s += (i ? ", " : "") + std::to_string(ranks[i]);
  if (ranks.size() > 8) s += ", ... (" + std::to_string(ranks.size()) + " ranks)";
  return s;
}

// The ranks whose value differs from rank 0's.
template <class T>
std::vector<int> ranks_differing_from_root(const std::vector<T>& values) {
  std::vector<int> out;
  for (std::size_t r = 1; r < values.size(); ++r)
    if (values[r] != values[0]) out.push_back(int(r));
  return out;
}

// Rank 0's weights, optimizer state and position to every rank.
void broadcast_start(comm::Comm& comm, Training& t) {
  comm.broadcast(t.model->values(), t.model->num_params() * long(sizeof(float)), 0, "broadcast of the parameters");
  for (auto& [name, values] : t.optimizer->slots())
    comm.broadcast(values->data(), long(values->size() * sizeof(float)), 0, "broadcast of the optimizer state");
  std::vector<char> position = t.position.to_bytes();
  comm.broadcast_vector(position, 0, "broadcast of the run position");
  t.position = RunPosition::from_bytes(position);
  t.optimizer->restored(t.position.optimizer_step, t.position.optimizer_has_state != 0);
}

}  // namespace

DeviceKind choose_device(comm::Comm& comm, const Config& config) {
  const bool lead = comm.rank() == 0;
  DeviceKind device = DeviceKind::cpu;
  comm::agree(comm, [&] {
    device = resolve_device(config.device, config.source, [&](const std::string& line) {
      if (lead) std::fprintf(stderr, "manet: %s\n", line.c_str());
    });
  });
  const auto all = comm.all_gather_one<uint8_t>(uint8_t(device), "all-gather of the resolved devices");
  const auto differ = ranks_differing_from_root(all);
  if (!differ.empty())
    throw CollectiveError(config.source + ": device: " + config.device + " resolved differently on rank(s) " +
                              rank_list(differ) + " than on rank 0 (some hosts have a usable GPU, some not): set "
                              "device: cpu or cuda explicitly",
                          ErrorKind::usage, lead);
  if (device == DeviceKind::cuda) select_cuda_device(comm::local_rank(comm));
  return device;
}

void check_same_config(comm::Comm& comm, const Config& config) {
  const std::string yaml = to_yaml(config);
  const uint64_t mine = crc32_of(yaml.data(), yaml.size());
  const auto all = comm.all_gather_one(mine, "all-gather of config checksums");
  const auto differ = ranks_differing_from_root(all);
  if (!differ.empty())
    throw Error("rank(s) " + rank_list(differ) + " were started with a config different from rank 0's (" +
                    config.source + ", resolved-config CRC-32 differs): start every rank with the same --config "
                    "and --set",
                ErrorKind::usage);
}

Training set_up_training(Config config, comm::Comm& comm, long global_batch) {
  Training t;
  const bool lead = comm.rank() == 0;
  comm::agree(comm, [&] { check_same_config(comm, config); });

  // Data first: it fixes the model's input size and is checked against the model.
  comm::agree(comm, [&] {
    t.train_data = load_dataset(config.data.train, config.data.normalize);
    fit_model_to_data(config.model, t.train_data, config.source);
    if (config.data.test.defined()) {
      t.test_data = load_dataset(config.data.test, config.data.normalize);
      check_data_fits_model(config.model, t.test_data, config.source);
    }
    t.model = std::make_unique<Model<float>>(config.model);
    t.model->init(config.seed);
    t.optimizer = Optimizer::create(config.optimizer, t.model->num_params());
    if (lead) ensure_writable_directory(config.checkpoint.dir);
  });

  t.position.global_batch = global_batch, t.position.world_size = comm.size(), t.position.seed = config.seed;
  // Where to start: an earlier checkpoint of this run, else train.init_from, else fresh.
  // Rank 0 decides and reads (the files may be visible to it alone), then broadcasts.
  comm::agree(comm, [&] {
    if (!lead) return;
    CheckpointContents ckpt;
    std::string resumed;
    if (config.checkpoint.resume == "auto")
      resumed = find_resumable(config.checkpoint.dir, t.model->params(), ckpt, warn);
    else if (config.checkpoint.resume != "never")
      resumed = config.checkpoint.resume, ckpt = load_checkpoint(resumed, t.model->params());
    if (const std::string note = unchecked_note(resumed, ckpt); !resumed.empty() && !note.empty()) warn(note);
    if (!resumed.empty()) {
      const std::string note = resume_from(ckpt, config, t.position, *t.model, *t.optimizer);
      t.started_from = "resuming from " + resumed + " at step " + std::to_string(t.position.step) + " (epoch " +
                       std::to_string(t.position.epoch + 1) + ")" + note;
    } else if (!config.train.init_from.empty()) {
      const CheckpointContents start = load_checkpoint(config.train.init_from, t.model->params());
      if (const std::string note = unchecked_note(config.train.init_from, start); !note.empty()) warn(note);
      const std::string what = init_from(start, *t.model, *t.optimizer);
      t.started_from = "initialised from " + config.train.init_from + ": " + what;
      t.position.optimizer_step = t.optimizer->steps(), t.position.optimizer_has_state = t.optimizer->has_state();
    }
  });
  broadcast_start(comm, t);
  t.config = std::move(config);
  return t;
}

uint64_t replica_checksum(const Model<float>& model, Optimizer& optimizer) {
  uint32_t crc = crc32_of(model.values(), std::size_t(model.num_params()) * sizeof(float));
  for (auto& [name, values] : optimizer.slots()) crc = crc32_of(values->data(), values->size() * sizeof(float), crc);
  return crc;
}

void check_replicas(comm::Comm& comm, const Model<float>& model, Optimizer& optimizer, long step) {
  const auto all = comm.all_gather_one(replica_checksum(model, optimizer), "all-gather of replica checksums");
  const auto differ = ranks_differing_from_root(all);
  if (!differ.empty())
    throw CollectiveError("after step " + std::to_string(step) + " the parameters or optimizer state of rank(s) " +
                              rank_list(differ) + " differ from rank 0's: the replicas have diverged (a bug, or "
                              "faulty hardware); resume from the last checkpoint",
                          ErrorKind::runtime, comm.rank() == 0);
}

}  // namespace manet
