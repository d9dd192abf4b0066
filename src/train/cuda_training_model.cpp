#include "train/cuda_training_model.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "comm/nccl_transport.hpp"
#include "kernels/cuda/elementwise.hpp"
#include "kernels/cuda/head.hpp"
#include "layers/cross_entropy.hpp"
#include "model/cuda_model.hpp"
#include "optim/cuda_optimizer.hpp"

namespace manet {

namespace {

class CudaTrainingModel final : public TrainingModel {
 public:
  CudaTrainingModel(Model<float>& host, Optimizer& optimizer)
      : TrainingModel(host),
        optimizer_(optimizer),
        model_(host, runtime_.context()),
        device_optimizer_(CudaOptimizer::create(optimizer, host.num_params(), stream())),
        classes_(host.spec().num_classes),
        check_(1),
        non_finite_(1) {}

  float* grads() override { return model_.grads(); }
  std::unique_ptr<comm::BucketTransport> bucket_transport(comm::Comm& comm, int buckets) override {
    return std::make_unique<comm::NcclTransport>(comm, stream(), buckets);
  }
  std::string where() const override {
    int device = 0;
    cudaGetDevice(&device);
    cudaDeviceProp prop{};
    cudaGetDeviceProperties(&prop, device);
    return "training on the GPU: CUDA device " + std::to_string(device) + " (" + prop.name + "), gradients over NCCL";
  }

  // (N) labels and the logits' (N, K) probabilities stay on the device for backward.
  double forward_loss(const BatchBuffer& batch, const StepContext& ctx, float smoothing) override {
    N_ = batch.size(), smoothing_ = smoothing;
    check_labels(batch.labels(), N_, classes_);
    labels_.upload(batch.labels(), std::size_t(N_), stream());
    const float* logits = model_.forward(batch.input(), ctx);
    const long NK = long(N_) * classes_;
    cuda::cross_entropy_forward(probs_.ensure(NK), losses_.ensure(N_), logits, labels_.data(), N_, classes_,
                                smoothing, stream());
    host_losses_.resize(std::size_t(N_));
    losses_.download(host_losses_.data(), std::size_t(N_), stream());
    float total = 0;  // in float, sample by sample: cpu::cross_entropy_forward's sum
    for (float loss : host_losses_) total += loss;
    return total;
  }
  void zero_grad() override { model_.zero_grad(); }
  void backward(float scale, const GradsFinal& grads_final) override {
    cuda::cross_entropy_backward(dlogits_.ensure(long(N_) * classes_), probs_.data(), labels_.data(), N_, classes_,
                                 smoothing_, scale, stream());
    model_.backward(dlogits_.data(), grads_final);
  }
  bool grads_finite() override {
    cuda::count_non_finite(non_finite_.data(), model_.grads(), num_params(), stream());
    int bad = 0;
    non_finite_.download(&bad, 1, stream());
    return bad == 0;
  }
  double gradient_sum_of_squares() override {
    cuda::sum_of_squares(check_.data(), model_.grads(), num_params(), stream());
    double sq = 0;
    check_.download(&sq, 1, stream());
    return sq;
  }
  void scale_gradients(double factor) override {
    check_.upload(&factor, 1, stream());
    cuda::scale_by_device_factor(model_.grads(), num_params(), check_.data(), stream());
  }
  void optimizer_step(double lr) override { device_optimizer_->step(model_.values(), model_.grads(), lr); }
  void sync_to_host() override {
    model_.download_values(host_.values());
    device_optimizer_->download(optimizer_);
  }

 private:
  cudaStream_t stream() const { return runtime_.context().stream; }

  Optimizer& optimizer_;
  cuda::CudaRuntime runtime_;  // first: the model and optimizer queue on its stream
  CudaModel model_;
  std::unique_ptr<CudaOptimizer> device_optimizer_;
  int classes_, N_ = 0;
  float smoothing_ = 0;
  cuda::DeviceBuffer<int64_t> labels_;
  cuda::DeviceBuffer<float> probs_, losses_, dlogits_;  // (N, K), (N), (N, K)
  cuda::DeviceBuffer<double> check_;  // the sum of squares, or the clipping factor
  cuda::DeviceBuffer<int> non_finite_;
  std::vector<float> host_losses_;
};

}  // namespace

std::unique_ptr<TrainingModel> make_cuda_training_model(Model<float>& model, Optimizer& optimizer) {
  return std::make_unique<CudaTrainingModel>(model, optimizer);
}

}  // namespace manet
