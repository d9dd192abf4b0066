// Training on the GPU against the CPU, in this process (label gpu; SKIPPED without a
// usable device), through TrainingModel as the step drives it:
// - two training steps on each device from the same seed and batch: the same loss and,
//   after the steps, the same parameters and momentum to float tolerance (image and token
//   models, dropout on, the second step clipped), and at the spec example's shapes;
// - the gradients of one backward at the spec example's shapes, as accurate as the CPU's
//   own float gradients against the model run in double;
// - evaluation on the device gives the host model's logits; train.tf32 reaches cuBLAS.
#include <numeric>

#include "gpu/gpu_test.hpp"
#include "layers/cross_entropy.hpp"
#include "model/cuda_model.hpp"
#include "model/tiny_models.hpp"
#include "train/evaluate.hpp"
#include "train/training_model.hpp"

namespace manet {

using testing::expect_as_accurate;
using testing::expect_close;
using testing::random_floats;

namespace {

// conv -> pool_attention (max) -> conv_attention, head with dropout: every block kind.
ModelSpec image_spec() {
  ModelSpec s;
  s.in_channels = 2, s.height = 8, s.width = 6;
  s.blocks = {{.kind = BlockKind::conv, .channels = 4, .kernel_h = 3, .kernel_w = 3},
              {.kind = BlockKind::pool_attention, .heads = 2, .pool = cpu::PoolKind::max, .pool_h = 2, .pool_w = 2},
              {.kind = BlockKind::conv_attention, .channels = 6, .kernel_h = 3, .kernel_w = 1, .heads = 3}};
  s.head = {{10, 7}, cpu::ActivationKind::tanh, 0.2};
  s.num_classes = 5;
  return s;
}

// Tokens with padding (key masks), average pooling over a sequence.
ModelSpec token_spec() {
  ModelSpec s;
  s.input = InputKind::tokens, s.vocab_size = 20, s.embed_dim = 8, s.seq_len = 12;
  s.blocks = {{.kind = BlockKind::conv_attention, .channels = 8, .kernel_h = 1, .kernel_w = 3, .heads = 2},
              {.kind = BlockKind::pool_attention, .heads = 4, .pool = cpu::PoolKind::avg, .pool_h = 1, .pool_w = 2}};
  s.head = {{6}, cpu::ActivationKind::relu, 0.3};
  s.num_classes = 3;
  return s;
}

Dataset random_data(const ModelSpec& spec, long n) {
  Dataset d;
  d.num_classes = spec.num_classes;
  d.tokens = spec.input == InputKind::tokens;
  const RandomStream stream(99, RandomPurpose::data, 1);
  for (long i = 0; i < n; ++i) d.labels.push_back(int64_t(stream.uniform(uint64_t(i)) * spec.num_classes));
  if (d.tokens) {
    d.sample_shape = {1, 1, spec.seq_len};
    for (long s = 0; s < n; ++s)  // a valid prefix of 3..seq_len tokens, then padding
      for (int t = 0; t < spec.seq_len; ++t)
        d.ids.push_back(t < 3 + s % (spec.seq_len - 2) ? 1 + int64_t(stream.uniform(uint64_t(1000 + s * 64 + t)) *
                                                                     (spec.vocab_size - 1))
                                                       : 0);
  } else {
    d.sample_shape = spec.input_shape();
    d.images = random_floats(std::size_t(n * spec.input_shape().size()), 98);
  }
  return d;
}

BatchBuffer whole_batch(const Dataset& data) {
  std::vector<long> indices(std::size_t(data.size()));
  std::iota(indices.begin(), indices.end(), 0L);
  BatchBuffer batch;
  batch.gather(data, indices);
  return batch;
}

struct AfterSteps {
  double loss = 0;  // of the last step
  std::vector<float> params, momentum;
};

// Two SGD steps (momentum, nesterov, weight decay, the second clipped) on one batch, as
// train/step.cpp drives them, on `device`.
AfterSteps train_two_steps(DeviceKind device, const ModelSpec& spec, const Dataset& data, double lr) {
  Model<float> model(spec);
  model.init(11);
  const OptimizerSpec sgd{.type = "sgd", .lr = lr, .momentum = 0.9, .weight_decay = 1e-3, .nesterov = true};
  auto optimizer = Optimizer::create(sgd, model.num_params());
  auto trained = make_training_model(device, model, *optimizer);
  const BatchBuffer batch = whole_batch(data);
  AfterSteps r;
  for (int step = 0; step < 2; ++step) {
    const StepContext ctx{true, 5, step, 3};
    trained->forward_loss(batch, ctx, 0.1f);
    trained->zero_grad();
    trained->backward(1.0f / float(batch.size()), {});
    r.loss = trained->local_loss();
    trained->update(sgd.lr, step == 0 ? 1e3 : 0.5, [](double s) { return s; });  // the second clips
    EXPECT_TRUE(trained->grads_were_finite());
  }
  trained->sync_to_host();
  r.params.assign(model.values(), model.values() + model.num_params());
  r.momentum = *optimizer->slots().front().second;
  EXPECT_EQ(optimizer->steps(), 2);
  return r;
}

}  // namespace

class CudaTraining : public ::testing::TestWithParam<const char*> {};  // image, tokens, spec_example

TEST_P(CudaTraining, TwoStepsEqualTheCpu) {
  MANET_REQUIRE_GPU();
  select_cuda_device(0);
  const std::string which = GetParam();
  const ModelSpec spec = which == "tokens" ? token_spec() : which == "images" ? image_spec() : testing::spec_example();
  const Dataset data = random_data(spec, which == "spec_example" ? 8 : 9);
  const double lr = which == "spec_example" ? 0.05 : 0.5;
  const AfterSteps cpu = train_two_steps(DeviceKind::cpu, spec, data, lr);
  const AfterSteps gpu = train_two_steps(DeviceKind::cuda, spec, data, lr);
  EXPECT_NEAR(gpu.loss, cpu.loss, 1e-5 * std::fabs(cpu.loss));
  expect_close(gpu.params, cpu.params, "parameters after two steps", 1e-4, 1e-5);
  expect_close(gpu.momentum, cpu.momentum, "momentum buffer", 1e-3, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Inputs, CudaTraining, ::testing::Values("images", "tokens", "spec_example"),
                         [](const auto& info) { return std::string(info.param); });

// One backward of the spec example at batch 8 (dropout on): every gradient on the GPU is as
// accurate as the CPU's float gradient, both against Model<double> on the same parameters.
TEST(CudaTrainingSpecExample, GradientsAsAccurateAsTheCpu) {
  MANET_REQUIRE_GPU();
  select_cuda_device(0);
  const ModelSpec spec = testing::spec_example();
  const Dataset data = random_data(spec, 8);
  const BatchBuffer batch = whole_batch(data);
  const StepContext ctx{true, 5, 0, 3};
  const float scale = 1.0f / 8;
  Model<float> model(spec);
  model.init(11);
  // The attention gates start at 0, which would leave every gradient inside attention 0:
  // open them, so the attention layers' backward is compared too.
  for (const ParamEntry& p : model.params().entries())
    if (p.name().ends_with(".gamma")) model.values()[p.offset] = 0.5f;
  auto optimizer = Optimizer::create({.type = "sgd", .lr = 0.1}, model.num_params());
  auto cpu = make_training_model(DeviceKind::cpu, model, *optimizer);
  cpu->forward_loss(batch, ctx, 0.1f);
  cpu->zero_grad();
  cpu->backward(scale, {});
  const std::vector<float> cpu_grads(model.grads(), model.grads() + model.num_params());

  auto gpu = make_training_model(DeviceKind::cuda, model, *optimizer);
  gpu->forward_loss(batch, ctx, 0.1f);
  gpu->zero_grad();
  gpu->backward(scale, {});
  EXPECT_NEAR(gpu->local_loss(), cpu->local_loss(), 1e-5 * std::fabs(cpu->local_loss()));
  std::vector<float> gpu_grads(std::size_t(model.num_params()));
  cuda::cuda_check(cudaDeviceSynchronize(), "backward");
  cuda::cuda_check(cudaMemcpy(gpu_grads.data(), gpu->grads(), gpu_grads.size() * sizeof(float), cudaMemcpyDeviceToHost),
                   "gradients");

  Model<double> exact(spec);
  std::copy(model.values(), model.values() + model.num_params(), exact.values());
  const std::vector<double> images(batch.input().images, batch.input().images + 8 * 28 * 28);
  CrossEntropy<double> loss(spec.num_classes);
  const double* logits = exact.forward({8, images.data(), nullptr}, ctx);
  loss.forward(logits, batch.labels(), 8, 0.1);
  exact.zero_grad();
  exact.backward(loss.backward(scale));
  // Parameter by parameter, so a wrong one is named.
  for (const ParamEntry& p : model.params().entries()) {
    const auto part = [&](const std::vector<float>& v) {
      return std::vector<float>(v.begin() + p.offset, v.begin() + p.offset + p.count());
    };
    const std::vector<double> ref(exact.grads() + p.offset, exact.grads() + p.offset + p.count());
    expect_as_accurate(part(gpu_grads), part(cpu_grads), ref, "gradient of " + p.name());
  }
}

// Evaluation runs on the device: its logits are the host model's.
TEST(CudaTrainingSpecExample, EvaluationOnTheGpuGivesTheHostLogits) {
  MANET_REQUIRE_GPU();
  select_cuda_device(0);
  const ModelSpec spec = testing::spec_example();
  const Dataset data = random_data(spec, 20);
  Model<float> model(spec);
  model.init(12);
  auto optimizer = Optimizer::create({.type = "sgd", .lr = 0.1}, model.num_params());
  auto gpu = make_training_model(DeviceKind::cuda, model, *optimizer);
  std::vector<float> host_logits(20 * 10), gpu_logits(20 * 10);
  const EvalResult host = evaluate(model, data, 7, 0, -1, host_logits.data());
  const EvalResult device = evaluate([&](const ModelInput<float>& b) { return gpu->eval_logits(b); }, 10, data, 7, 0,
                                     -1, gpu_logits.data());
  expect_close(gpu_logits, host_logits, "evaluation logits", 1e-4, 1e-5);
  EXPECT_EQ(device.samples, 20);
  EXPECT_NEAR(device.loss(), host.loss(), 1e-4 * host.loss());
}

TEST(CudaTrainingSpecExample, Tf32IsOptInAndReported) {
  MANET_REQUIRE_GPU();
  select_cuda_device(0);
  Model<float> model(image_spec());
  model.init(1);
  auto optimizer = Optimizer::create({.type = "sgd", .lr = 0.1}, model.num_params());
  EXPECT_EQ(make_training_model(DeviceKind::cuda, model, *optimizer)->where().find("TF32"), std::string::npos);
  EXPECT_NE(make_training_model(DeviceKind::cuda, model, *optimizer, {.tf32 = true})->where().find("TF32"),
            std::string::npos);
  cuda::CudaRuntime strict, tf32(true);
  cublasMath_t mode{};
  cuda::cublas_check(cublasGetMathMode(strict.context().blas, &mode), "cublasGetMathMode");
  EXPECT_EQ(mode, CUBLAS_DEFAULT_MATH);
  cuda::cublas_check(cublasGetMathMode(tf32.context().blas, &mode), "cublasGetMathMode");
  EXPECT_EQ(mode, CUBLAS_TF32_TENSOR_OP_MATH);
}

}  // namespace manet
