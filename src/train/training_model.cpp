#include "train/training_model.hpp"

#include "core/error.hpp"
#include "layers/cross_entropy.hpp"
#include "optim/clip.hpp"
#ifdef MANET_WITH_CUDA
#include "train/cuda_training_model.hpp"
#endif

namespace manet {

namespace {

// The host Model<float> and Optimizer, stepped in place: sync_to_host has nothing to do.
class CpuTrainingModel final : public TrainingModel {
 public:
  CpuTrainingModel(Model<float>& model, Optimizer& optimizer)
      : TrainingModel(model), optimizer_(optimizer), loss_(model.spec().num_classes) {}

  float* grads() override { return host_.grads(); }
  std::unique_ptr<comm::BucketTransport> bucket_transport(comm::Comm& comm, int) override {
    return comm::comm_transport(comm);
  }
  void forward_loss(const BatchBuffer& batch, const StepContext& ctx, float smoothing) override {
    const float* logits = host_.forward(batch.input(), ctx);
    loss_sum_ = loss_.forward(logits, batch.labels(), batch.size(), smoothing);
  }
  void zero_grad() override { host_.zero_grad(); }
  void backward(float scale, const GradsFinal& grads_final) override {
    host_.backward(loss_.backward(scale), false, grads_final);
  }
  double local_loss() override { return loss_sum_; }
  const std::vector<int>* embedding_grad_rows() const override { return host_.embedding_grad_rows(); }

  void update(double lr, double max_norm, const std::function<double(double)>& agree_sum_of_squares) override {
    float* g = host_.grads();
    const long n = host_.num_params();
    finite_ = comm::all_finite(g, n);
    if (!finite_) return;
    if (max_norm > 0) {
      double sum_sq = 0;
      for (long i = 0; i < n; ++i) sum_sq += double(g[i]) * g[i];
      const double factor = clip_factor(agree_sum_of_squares(sum_sq), max_norm);
      if (factor < 1.0)
        for (long i = 0; i < n; ++i) g[i] = float(g[i] * factor);
    }
    optimizer_.step(host_.values(), g, lr);
  }
  bool grads_were_finite() override { return finite_; }
  void sync_to_host() override {}
  const float* eval_logits(const ModelInput<float>& input) override { return host_.forward(input, StepContext{}); }

 private:
  Optimizer& optimizer_;
  CrossEntropy<float> loss_;
  double loss_sum_ = 0;
  bool finite_ = true;
};

}  // namespace

std::unique_ptr<TrainingModel> make_training_model(DeviceKind device, Model<float>& model, Optimizer& optimizer,
                                                   const DeviceOptions& options) {
#ifdef MANET_WITH_CUDA
  if (device == DeviceKind::cuda) return make_cuda_training_model(model, optimizer, options);
#endif
  check(device == DeviceKind::cpu, "make_training_model: this manet was built without CUDA");
  return std::make_unique<CpuTrainingModel>(model, optimizer);
}

}  // namespace manet
