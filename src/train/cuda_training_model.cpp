#include "train/cuda_training_model.hpp"

#include <array>
#include <string>

#include "comm/nccl_transport.hpp"
#include "kernels/cuda/elementwise.hpp"
#include "kernels/cuda/head.hpp"
#include "layers/cross_entropy.hpp"
#include "model/cuda_model.hpp"
#include "optim/cuda_optimizer.hpp"

namespace manet {

namespace {

// What the device decides during a step and the host reads at its end (one copy).
struct StepStatus {
  float loss = 0;        // Σ of this rank's per-sample losses, in the CPU's order
  int non_finite = 0;    // summed gradients that are NaN or infinite (the update is skipped)
  double sum_sq = 0;     // Σ g² of the summed gradients, in a fixed order (clipping)
  double factor = 1;     // the clipping factor
};

class CudaTrainingModel final : public TrainingModel {
 public:
  CudaTrainingModel(Model<float>& host, Optimizer& optimizer, const DeviceOptions& options)
      : TrainingModel(host),
        optimizer_(optimizer),
        tf32_(options.tf32),
        runtime_(options.tf32),
        model_(host, runtime_.context()),
        device_optimizer_(CudaOptimizer::create(optimizer, host.num_params(), stream())),
        classes_(host.spec().num_classes),
        status_(1),
        partials_(cuda::kReduceBlocks) {
    host_status_.ensure(1);
    *host_status_.data() = StepStatus{};
    for (cudaEvent_t* e : {&loss_copied_, &status_copied_})
      cuda::cuda_check(cudaEventCreateWithFlags(e, cudaEventDisableTiming), "cudaEventCreate");
    for (cudaEvent_t& e : phase_end_) cuda::cuda_check(cudaEventCreate(&e), "cudaEventCreate");
  }
  ~CudaTrainingModel() override {
    cudaStreamSynchronize(stream());  // nothing may still write the pinned status
    cudaEventDestroy(loss_copied_);
    cudaEventDestroy(status_copied_);
    for (cudaEvent_t e : phase_end_) cudaEventDestroy(e);
  }

  float* grads() override { return model_.grads(); }
  std::unique_ptr<comm::BucketTransport> bucket_transport(comm::Comm& comm, int buckets) override {
    return std::make_unique<comm::NcclTransport>(comm, stream(), buckets);
  }
  std::string where() const override {
    int device = 0;
    cudaGetDevice(&device);
    cudaDeviceProp prop{};
    cudaGetDeviceProperties(&prop, device);
    return "training on the GPU: CUDA device " + std::to_string(device) + " (" + prop.name + "), gradients over NCCL" +
           (tf32_ ? ", TF32 GEMMs (train.tf32)" : "") +
           (cuda::sync_every_kernel() ? "; MANET_CUDA_SYNC: waiting for the GPU after every kernel (slow)" : "");
  }

  // (N) labels and the logits' (N, K) probabilities stay on the device for backward.
  void forward_loss(const BatchBuffer& batch, const StepContext& ctx, float smoothing) override {
    N_ = batch.size(), smoothing_ = smoothing;
    check_labels(batch.labels(), N_, classes_);
    const int64_t* labels = labels_.upload(batch.labels(), std::size_t(N_), stream());
    const float* logits = model_.forward(batch.input(), ctx);
    const long NK = long(N_) * classes_;
    cuda::cross_entropy_forward(probs_.ensure(NK), losses_.ensure(N_), logits, labels, N_, classes_, smoothing,
                                stream());
    cuda::sum_in_order(&status_.data()->loss, losses_.data(), N_, stream());
    cuda::cuda_check(cudaMemcpyAsync(&host_status_.data()->loss, &status_.data()->loss, sizeof(float),
                                     cudaMemcpyDeviceToHost, stream()),
                     "copy of the loss");
    cuda::cuda_check(cudaEventRecord(loss_copied_, stream()), "copy of the loss");
  }
  void zero_grad() override { model_.zero_grad(); }
  void backward(float scale, const GradsFinal& grads_final) override {
    cuda::cross_entropy_backward(dlogits_.ensure(long(N_) * classes_), probs_.data(), labels_.data(), N_, classes_,
                                 smoothing_, scale, stream());
    model_.backward(dlogits_.data(), grads_final);
  }
  double local_loss() override {
    cuda::cuda_check(cudaEventSynchronize(loss_copied_), "the loss of the forward pass");
    return host_status_.data()->loss;
  }

  // The summed gradients are the same on every rank (NCCL gives every rank the same sum),
  // and the sum of squares adds them in a fixed order: every rank computes the same
  // clipping factor, without asking the others.
  void update(double lr, double max_norm, const std::function<double(double)>&) override {
    StepStatus* s = status_.data();
    const long n = num_params();
    cuda::count_non_finite(&s->non_finite, model_.grads(), n, stream());
    if (max_norm > 0) {
      cuda::sum_of_squares(&s->sum_sq, partials_.data(), model_.grads(), n, stream());
      cuda::clip_factor_on_device(&s->factor, &s->sum_sq, max_norm, &s->non_finite, stream());
      cuda::scale_by_device_factor(model_.grads(), n, &s->factor, stream());
    }
    device_optimizer_->step(model_.values(), model_.grads(), lr, &s->non_finite);
    cuda::cuda_check(cudaEventRecord(phase_end_[int(StepPhase::optimizer)], stream()), "cudaEventRecord");
    cuda::cuda_check(cudaMemcpyAsync(host_status_.data(), s, sizeof(StepStatus), cudaMemcpyDeviceToHost, stream()),
                     "copy of the step's status");
    cuda::cuda_check(cudaEventRecord(status_copied_, stream()), "copy of the step's status");
  }
  bool grads_were_finite() override {
    cuda::cuda_check(cudaEventSynchronize(status_copied_), "the end of the step on the GPU");
    return host_status_.data()->non_finite == 0;
  }

  void sync_to_host() override {
    model_.download_values(host_.values());
    device_optimizer_->download(optimizer_);
  }
  const float* eval_logits(const ModelInput<float>& input) override {
    const float* logits = model_.forward(input, StepContext{});
    eval_logits_.resize(std::size_t(input.N) * classes_);
    cuda::cuda_check(cudaMemcpyAsync(eval_logits_.data(), logits, eval_logits_.size() * sizeof(float),
                                     cudaMemcpyDeviceToHost, stream()),
                     "copy of the evaluation logits");
    cuda::cuda_check(cudaStreamSynchronize(stream()), "evaluation on the GPU");
    return eval_logits_.data();
  }

  void mark(StepPhase phase) override {
    if (phase == StepPhase::optimizer) return;  // recorded by update(), before the status copy
    cuda::cuda_check(cudaEventRecord(phase_end_[int(phase)], stream()), "cudaEventRecord");
  }
  std::optional<DevicePhaseTimes> device_phase_times() override {
    auto seconds = [&](StepPhase from, StepPhase to) {
      float ms = 0;
      cuda::cuda_check(cudaEventElapsedTime(&ms, phase_end_[int(from)], phase_end_[int(to)]), "cudaEventElapsedTime");
      return 1e-3 * ms;
    };
    return DevicePhaseTimes{seconds(StepPhase::data, StepPhase::forward), seconds(StepPhase::forward, StepPhase::backward),
                            seconds(StepPhase::backward, StepPhase::comm),
                            seconds(StepPhase::comm, StepPhase::optimizer)};
  }
  double peak_device_mb() const override { return double(cuda::device_bytes_peak.load()) / (1 << 20); }

 private:
  cudaStream_t stream() const { return runtime_.context().stream; }

  Optimizer& optimizer_;
  bool tf32_;
  cuda::CudaRuntime runtime_;  // before the model: the model and optimizer queue on its stream
  CudaModel model_;
  std::unique_ptr<CudaOptimizer> device_optimizer_;
  int classes_, N_ = 0;
  float smoothing_ = 0;
  cuda::StagedUpload<int64_t> labels_;
  cuda::DeviceBuffer<float> probs_, losses_, dlogits_;  // (N, K), (N), (N, K)
  cuda::DeviceBuffer<StepStatus> status_;
  cuda::DeviceBuffer<double> partials_;  // the fixed-order sum of squares
  cuda::PinnedBuffer<StepStatus> host_status_;
  cudaEvent_t loss_copied_ = nullptr, status_copied_ = nullptr;
  std::array<cudaEvent_t, 5> phase_end_{};  // by StepPhase, timed
  std::vector<float> eval_logits_;
};

}  // namespace

std::unique_ptr<TrainingModel> make_cuda_training_model(Model<float>& model, Optimizer& optimizer,
                                                        const DeviceOptions& options) {
  return std::make_unique<CudaTrainingModel>(model, optimizer, options);
}

}  // namespace manet
