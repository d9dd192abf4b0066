#pragma once
// Everything before the first step of `manet train`: data, model, optimizer, where the
// run starts (resume, init_from or fresh), made identical on every rank. Each part is
// agreed across ranks (comm::agree): if any rank fails, all leave with one message.
#include <memory>
#include <string>

#include "checkpoint/run_directory.hpp"
#include "config/config.hpp"
#include "data/dataset.hpp"
#include "data/sampler.hpp"
#include "device/device.hpp"
#include "comm/comm.hpp"
#include "model/manet_model.hpp"
#include "optim/optimizer.hpp"
#include "train/run_checkpoint.hpp"

namespace manet {

struct Training {
  Config config;
  Dataset train_data, test_data;  // test_data empty without data.test
  Dataset val_data;  // data.val's file, or the share of the training set it names; empty without
  std::unique_ptr<ShardSampler> sampler;
  std::unique_ptr<Model<float>> model;
  std::unique_ptr<Optimizer> optimizer;
  RunPosition position;  // this run's id, global batch, world size and seed filled in
  std::string started_from;  // a line for the log: where the weights came from
  bool resumed = false;
  std::unique_ptr<RunLock> lock;  // rank 0: checkpoint.dir is this run's while it lives
};

// Resolves the config's `device` on every rank (device/device.hpp), before any data is
// read; a usage error or ranks that resolved `auto` differently end the run, printed once.
// Rank 0 prints the notice when `auto` falls back to the CPU. With cuda, binds each rank
// to the GPU of its local rank (the training then runs there: train/training_model.hpp)
// and refuses ranks that would share a GPU (device/device.hpp: shared_gpu_problem).
DeviceKind choose_device(comm::Comm& comm, const Config& config);

// Refuses ranks started with different configs (CRC-32 of the resolved YAML), naming them.
void check_same_config(comm::Comm& comm, const Config& config);

// Checks everything the run needs (config on every rank, data, model, outputs, the file
// to resume from) before it writes anything; then rank 0 takes checkpoint.dir (creates it,
// locks it, moves an earlier run's files aside) and decides where the run starts.
Training set_up_training(Config config, comm::Comm& comm, long global_batch);

// A CRC-32 of the parameters and optimizer state: equal on every rank, or the replicas
// have diverged.
uint64_t replica_checksum(const Model<float>& model, Optimizer& optimizer);
// Compares the checksums of all ranks; a difference ends the run naming the ranks.
void check_replicas(comm::Comm& comm, const Model<float>& model, Optimizer& optimizer, long step);

}  // namespace manet
