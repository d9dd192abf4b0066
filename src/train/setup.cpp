#include "train/setup.hpp"

#include <cstdio>
#include <filesystem>
#include <optional>

#include "checkpoint/checkpoint.hpp"
#include "core/crc32.hpp"
#include "core/error.hpp"
#include "comm/agree.hpp"
#include "data/val_split.hpp"
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

// data.val: {fraction: F}: the validation samples leave the training set.
void split_validation(const Config& config, Training& t) {
  const TrainValSplit split = split_off_validation(t.train_data.labels, config.data.val_fraction, config.seed);
  if (split.val.empty())
    throw Error(config.source + ": data.val.fraction: " + std::to_string(config.data.val_fraction) +
                    " leaves no validation sample of " + t.train_data.name + " (every class needs 2 samples or more)",
                ErrorKind::usage);
  t.val_data = validation_share(t.train_data, split, config.data.val_fraction);
  t.train_data = subset(t.train_data, split.train);
  t.train_data.name += " (without the validation share)";
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
  if (device == DeviceKind::cuda) {
    const int local = comm::local_rank(comm);
    GpuClaim claim;
    comm::agree(comm, [&] { claim = claim_cuda_device(select_cuda_device(local)); });
    if (comm.size() > 1) {  // refused here, before NCCL would fail with the detail lost
      const std::string problem = shared_gpu_problem(comm.all_gather_one(claim, "all-gather of the GPUs taken"));
      if (!problem.empty()) throw CollectiveError(config.source + ": device: " + config.device + ": " + problem,
                                                  ErrorKind::usage, lead);
    }
  }
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

namespace {

// Rank 0, with checkpoint.dir locked: where the run starts, and the earlier files that are
// not part of it moved aside (never deleted, never mixed with this run's).
void choose_start(const Config& config, std::optional<CheckpointContents>& given, Training& t) {
  const std::string& dir = config.checkpoint.dir;
  CheckpointContents ckpt;
  std::string resumed;
  if (config.checkpoint.resume == "auto") {
    resumed = find_resumable(dir, t.model->params(), ckpt, warn).path;  // those skipped are set aside below
  } else if (given) {
    resumed = config.checkpoint.resume, ckpt = std::move(*given);
    if (const std::string note = unchecked_note(resumed, ckpt); !note.empty()) warn(note);
  }
  std::vector<std::string> aside;
  std::string why;
  if (!resumed.empty()) {
    const std::string note = resume_from(ckpt, config, t.position, *t.model, *t.optimizer);
    t.started_from = "resuming from " + resumed + " at step " + std::to_string(t.position.step) + " (epoch " +
                     std::to_string(t.position.epoch + 1) + ")" + note;
    t.resumed = true;
    // Checkpoints of other runs, unreadable ones, and any past the point resumed from (a
    // later branch of this run) would be pruned or resumed by mistake later.
    for (const std::string& path : list_checkpoints(dir)) {
      std::error_code ec;
      if (std::filesystem::equivalent(path, resumed, ec)) continue;
      const auto id = read_checkpoint_identity(path);
      const bool other_run = id && !id->run_id.empty() && id->run_id != t.position.run_id;
      if (!id || other_run || id->step > t.position.step) aside.push_back(path);
    }
    // best.h5 must be the model the resumed position names as best (written at best_step
    // by this run); one of another run or of a later branch would be taken for it.
    const std::string best = dir + "/best.h5";
    if (std::filesystem::exists(best)) {
      const auto id = read_checkpoint_identity(best);
      if (!id || id->run_id != t.position.run_id || id->step != t.position.best_step) aside.push_back(best);
    }
    why = "not-part-of-the-resumed-run";
    if (t.position.run_id.empty()) t.position.run_id = new_run_id();  // a file from before run ids
  } else {
    if (!config.train.init_from.empty()) {
      const CheckpointContents start =
          as_usage_errors([&] { return load_checkpoint(config.train.init_from, t.model->params()); });
      if (const std::string note = unchecked_note(config.train.init_from, start); !note.empty()) warn(note);
      const std::string what = init_from(start, *t.model, *t.optimizer);
      t.started_from = "initialised from " + config.train.init_from + ": " + what;
      t.position.optimizer_step = t.optimizer->steps(), t.position.optimizer_has_state = t.optimizer->has_state();
    }
    t.position.run_id = new_run_id();
    aside = list_checkpoints(dir);  // a fresh run starts in a directory of its own files only
    for (const char* name : {"/metrics.jsonl", "/best.h5"})
      if (std::filesystem::exists(dir + name)) aside.push_back(dir + name);
    why = config.checkpoint.resume == "never" ? "resume-never" : "earlier-run";
  }
  if (const std::string where = set_aside(dir, aside, why); !where.empty())
    std::printf("moved %zu file(s) of an earlier run out of the way, to %s (nothing was deleted)\n", aside.size(),
                where.c_str());
}

}  // namespace

Training set_up_training(Config config, comm::Comm& comm, long global_batch) {
  Training t;
  const bool lead = comm.rank() == 0;
  comm::agree(comm, [&] { check_same_config(comm, config); });

  // Everything the run needs is checked before anything is written: the data (it fixes
  // the model's input size and is checked against the model, sample by sample), the model,
  // the global batch, the outputs, the file to resume from.
  std::optional<CheckpointContents> resume_file;
  comm::agree(comm, [&] {
    t.train_data = load_dataset(config.data.train, config.data.normalize);
    fit_model_to_data(config.model, t.train_data, config.source);
    check_every_sample(config.model, t.train_data, config.source);
    check_augment_fits(config.train.augment, t.train_data.sample_shape, config.source);
    for (auto [spec, data] : {std::pair{&config.data.test, &t.test_data}, std::pair{&config.data.val, &t.val_data}}) {
      if (!spec->defined()) continue;
      *data = load_dataset(*spec, config.data.normalize);
      check_data_fits_model(config.model, *data, config.source);
      check_every_sample(config.model, *data, config.source);
    }
    if (config.data.val_fraction > 0) split_validation(config, t);
    check_model_fits_memory(config.model, config.optimizer, config.source);
    t.model = std::make_unique<Model<float>>(config.model);
    t.model->init(config.seed);
    t.optimizer = Optimizer::create(config.optimizer, t.model->num_params());
    t.sampler = std::make_unique<ShardSampler>(t.train_data.size(), global_batch, config.seed, config.train.shuffle);
    if (!lead) return;
    check_directory_usable(config.checkpoint.dir, "checkpoint.dir");
    if (!config.train.timeline.empty()) check_output_file(config.train.timeline, "train.timeline");
    const std::string& resume = config.checkpoint.resume;
    if (resume != "auto" && resume != "never") try {
        resume_file = load_checkpoint(resume, t.model->params());
      } catch (const Error& e) {
        throw Error(config.source + ": checkpoint.resume: " + e.what(), ErrorKind::usage);
      }
    if (!config.train.init_from.empty()) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(config.train.init_from, ec))
        throw Error(config.source + ": train.init_from " + config.train.init_from + ": " +
                        (std::filesystem::exists(config.train.init_from, ec) ? "is not a file" : "no such file"),
                    ErrorKind::usage);
    }
  });

  t.position.global_batch = global_batch, t.position.world_size = comm.size(), t.position.seed = config.seed;
  // checkpoint.dir becomes this run's, and rank 0 decides where to start (the files may be
  // visible to it alone), then broadcasts.
  comm::agree(comm, [&] {
    if (!lead) return;
    prepare_run_directory(config.checkpoint.dir);
    t.lock = std::make_unique<RunLock>(config.checkpoint.dir);
    choose_start(config, resume_file, t);
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
