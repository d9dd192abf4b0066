#pragma once
// What the training loop drives each step, wherever the buffers live: the model with its
// loss and optimizer. Two implementations: on the CPU (the host Model<float> and Optimizer
// themselves) and, in CUDA builds, on the GPU (train/cuda_training_model.hpp: the same
// flat buffers in GPU memory, kernels/cuda, NCCL buckets).
//
// The calls follow the step (train/step.hpp). On the GPU each one only queues work; the
// host waits for the device where it needs a value: local_loss() (asked after backward is
// queued, so the device stays busy) and grads_were_finite() at the end of the step.
//
// The host Model<float> and Optimizer stay the home of the state for everything outside
// the step (checkpoints, replica checks): sync_to_host() makes them current. Evaluation
// runs where the model is (eval_logits).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "comm/comm.hpp"
#include "comm/gradient_buckets.hpp"
#include "device/device.hpp"
#include "model/manet_model.hpp"
#include "optim/optimizer.hpp"
#include "train/batch.hpp"
#include "train/step_phases.hpp"

namespace manet {

// How the model computes, beyond where: train.tf32 (GPU only).
struct DeviceOptions {
  bool tf32 = false;  // cuBLAS may use TF32 tensor cores for FP32 GEMMs
};

class TrainingModel {
 public:
  virtual ~TrainingModel() = default;

  long num_params() const { return host_.num_params(); }
  // The host model: the spec, the parameter layout, and the state outside the step.
  const Model<float>& host() const { return host_; }
  // The flat gradient buffer (n): host or GPU memory, handed to the bucket transport only.
  virtual float* grads() = 0;
  // The transport for gradient buckets on grads(): MPI/Comm on the CPU, NCCL on the GPU.
  virtual std::unique_ptr<comm::BucketTransport> bucket_transport(comm::Comm& comm, int buckets) = 0;
  // One line for the log about where training runs ("" on the CPU: its output is unchanged).
  virtual std::string where() const { return ""; }

  // Forward and the label-smoothed loss of this rank's samples.
  virtual void forward_loss(const BatchBuffer& batch, const StepContext& ctx, float smoothing) = 0;
  virtual void zero_grad() = 0;
  // Accumulates the gradients of the loss scaled by `scale` (1 / global batch);
  // grads_final as in Model<float>::backward (for the bucket overlap).
  virtual void backward(float scale, const GradsFinal& grads_final) = 0;
  // The sum of the last forward's per-sample losses, in float, sample by sample (the CPU
  // kernel's order). The GPU waits for its forward here.
  virtual double local_loss() = 0;
  // The rows of embed.weight (at offset 0) whose gradient the last backward made, when
  // the caller may sum just those (comm/row_sparse_sum.hpp); null to sum it all densely.
  virtual const std::vector<int>* embedding_grad_rows() const { return nullptr; }

  // After the gradient all-reduce, the rest of the step, skipped entirely when a summed
  // gradient is not finite: clipping the global norm to `max_norm` (optim/clip.hpp; 0 =
  // off), then the optimizer step at `lr`. Every replica must scale by the same factor:
  // `agree_sum_of_squares` turns this rank's Σg² into the value all ranks use, for a
  // backend whose own sum could differ between ranks (the CPU's; the GPU sums in one fixed
  // order on the device, identical on every rank, and needs no host round trip).
  virtual void update(double lr, double max_norm, const std::function<double(double)>& agree_sum_of_squares) = 0;
  // Whether the last update found every summed gradient finite (and so stepped). On the
  // GPU this is the step's last wait for the device.
  virtual bool grads_were_finite() = 0;

  // The host model's parameters and the host optimizer's state become the current ones.
  virtual void sync_to_host() = 0;
  // Evaluation: the logits (N, num_classes) of `input` on the host, in inference mode,
  // valid until the next call.
  virtual const float* eval_logits(const ModelInput<float>& input) = 0;

  // Device timings: the step marks the end of each phase; after grads_were_finite(), a
  // device model returns the device's time for each phase of that step.
  virtual void mark(StepPhase phase) {}
  virtual std::optional<DevicePhaseTimes> device_phase_times() { return std::nullopt; }
  // The largest device memory the model's buffers have held (MiB), 0 on the CPU.
  virtual double peak_device_mb() const { return 0; }

 protected:
  explicit TrainingModel(Model<float>& host) : host_(host) {}
  Model<float>& host_;
};

// The CPU one, or the GPU one for DeviceKind::cuda (CUDA builds; the device already
// selected). Both start from the host model's parameters and the optimizer's state.
std::unique_ptr<TrainingModel> make_training_model(DeviceKind device, Model<float>& model, Optimizer& optimizer,
                                                   const DeviceOptions& options = {});

}  // namespace manet
