#pragma once
// Training on the GPU (CUDA builds only; no CUDA header here, so train/ compiles the same
// either way). The step, all on the device's one compute stream:
//   images/ids + labels copied in -> CudaModel forward -> cross-entropy (per-sample losses
//   copied back and summed on the host in the CPU's order) -> backward, each finished
//   gradient bucket handed to NCCL on its own stream after an event -> gradient checks and
//   clipping (one scalar back each) -> SGD/AdamW on the flat device buffers, the learning
//   rate from the host's schedule.
// The host Model<float> and Optimizer are refreshed by sync_to_host() for checkpoints
// (the same file format as the CPU path) and evaluation, which runs on the CPU.
#include <memory>

#include "train/training_model.hpp"

namespace manet {

std::unique_ptr<TrainingModel> make_cuda_training_model(Model<float>& model, Optimizer& optimizer);

}  // namespace manet
