#pragma once
// What the training loop drives each step, wherever the buffers live: the model with its
// loss and optimizer. Two implementations: on the CPU (the host Model<float> and Optimizer
// themselves) and, in CUDA builds, on the GPU (train/cuda_training_model.hpp: the same
// flat buffers in GPU memory, kernels/cuda, NCCL buckets).
//
// The host Model<float> and Optimizer stay the home of the state for everything outside
// the step (checkpoints, evaluation, replica checks): sync_to_host() makes them current.
#include <memory>

#include "device/device.hpp"
#include "comm/comm.hpp"
#include "comm/gradient_buckets.hpp"
#include "model/manet_model.hpp"
#include "optim/optimizer.hpp"
#include "train/batch.hpp"

namespace manet {

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

  // Forward and the label-smoothed loss: returns the *sum* over this rank's samples.
  virtual double forward_loss(const BatchBuffer& batch, const StepContext& ctx, float smoothing) = 0;
  virtual void zero_grad() = 0;
  // Accumulates the gradients of the loss scaled by `scale` (1 / global batch);
  // grads_final as in Model<float>::backward (for the bucket overlap).
  virtual void backward(float scale, const GradsFinal& grads_final) = 0;
  // The rows of embed.weight (at offset 0) whose gradient the last backward made, when
  // the caller may sum just those (comm/row_sparse_sum.hpp); null to sum it all densely.
  virtual const std::vector<int>* embedding_grad_rows() const { return nullptr; }
  // After the all-reduce: whether every summed gradient is finite.
  virtual bool grads_finite() = 0;
  // For clipping (optim/clip.hpp): Σ g² over the summed gradients, in double; and
  // g *= factor.
  virtual double gradient_sum_of_squares() = 0;
  virtual void scale_gradients(double factor) = 0;
  virtual void optimizer_step(double lr) = 0;
  // The host model's parameters and the host optimizer's state become the current ones.
  virtual void sync_to_host() = 0;

 protected:
  explicit TrainingModel(Model<float>& host) : host_(host) {}
  Model<float>& host_;
};

// The CPU one, or the GPU one for DeviceKind::cuda (CUDA builds; the device already
// selected). Both start from the host model's parameters and the optimizer's state.
std::unique_ptr<TrainingModel> make_training_model(DeviceKind device, Model<float>& model, Optimizer& optimizer);

}  // namespace manet
