#pragma once
// Training on the GPU (CUDA builds only; no CUDA header here, so train/ compiles the same
// either way). The step, all queued on the device's one compute stream:
//   images/ids + labels copied in through pinned buffers -> CudaModel forward ->
//   cross-entropy and the loss sum on the device (one float copied back, read by the host
//   once backward is queued) -> backward, each finished gradient bucket handed to NCCL on
//   its own stream after an event -> the non-finite count, clipping (sum of squares in a
//   fixed order, factor computed on the device) and SGD/AdamW on the flat device buffers,
//   all skipped on the device when a gradient is not finite -> one small copy of the
//   step's status, the host's one wait at the end of the step.
// The host Model<float> and Optimizer are refreshed by sync_to_host() for checkpoints (the
// same file format as the CPU path); evaluation runs on the device (eval_logits).
#include <memory>

#include "train/training_model.hpp"

namespace manet {

std::unique_ptr<TrainingModel> make_cuda_training_model(Model<float>& model, Optimizer& optimizer,
                                                        const DeviceOptions& options);

}  // namespace manet
