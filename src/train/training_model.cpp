#include "train/training_model.hpp"

#include "core/error.hpp"
#include "layers/cross_entropy.hpp"
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
  double forward_loss(const BatchBuffer& batch, const StepContext& ctx, float smoothing) override {
    const float* logits = host_.forward(batch.input(), ctx);
    return loss_.forward(logits, batch.labels(), batch.size(), smoothing);
  }
  void zero_grad() override { host_.zero_grad(); }
  void backward(float scale, const GradsFinal& grads_final) override {
    host_.backward(loss_.backward(scale), false, grads_final);
  }
  const std::vector<int>* embedding_grad_rows() const override { return host_.embedding_grad_rows(); }
  bool grads_finite() override { return comm::all_finite(host_.grads(), host_.num_params()); }
  double gradient_sum_of_squares() override {
    const float* g = host_.grads();
    double sq = 0;
    for (long i = 0, n = host_.num_params(); i < n; ++i) sq += double(g[i]) * g[i];
    return sq;
  }
  void scale_gradients(double factor) override {
    float* g = host_.grads();
    for (long i = 0, n = host_.num_params(); i < n; ++i) g[i] = float(g[i] * factor);
  }
  void optimizer_step(double lr) override { optimizer_.step(host_.values(), host_.grads(), lr); }
  void sync_to_host() override {}

 private:
  Optimizer& optimizer_;
  CrossEntropy<float> loss_;
};

}  // namespace

std::unique_ptr<TrainingModel> make_training_model(DeviceKind device, Model<float>& model, Optimizer& optimizer) {
#ifdef MANET_WITH_CUDA
  if (device == DeviceKind::cuda) return make_cuda_training_model(model, optimizer);
#endif
  check(device == DeviceKind::cpu, "make_training_model: this manet was built without CUDA");
  return std::make_unique<CpuTrainingModel>(model, optimizer);
}

}  // namespace manet
