// Training on the GPU against the CPU (label gpu; SKIPPED without a usable device):
// - one training step through TrainingModel on each device, from the same seed and batch:
//   the same loss and, after the step, the same parameters and momentum to float tolerance
//   (image and token models, dropout on: the same units drop on both);
// - a short Fashion-MNIST run of the real binary with device: auto on a GPU: the loss falls,
//   the checkpoint is written, the CPU loads it and gives the GPU model's logits, and a CPU
//   run resumes from it.
#include <fstream>
#include <numeric>
#include <regex>

#include "app/cli_harness.hpp"
#include "checkpoint/checkpoint.hpp"
#include "gpu/gpu_test.hpp"
#include "model/cuda_model.hpp"
#include "optim/clip.hpp"
#include "train/training_model.hpp"

namespace manet {

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

struct AfterSteps {
  double loss = 0;  // of the last step
  std::vector<float> params, momentum;
};

// Two SGD steps (momentum, nesterov, weight decay, clipping) on one batch, on `device`.
AfterSteps train_two_steps(DeviceKind device, const ModelSpec& spec, const Dataset& data) {
  Model<float> model(spec);
  model.init(11);
  const OptimizerSpec sgd{.type = "sgd", .lr = 0.5, .momentum = 0.9, .weight_decay = 1e-3, .nesterov = true};
  auto optimizer = Optimizer::create(sgd, model.num_params());
  auto trained = make_training_model(device, model, *optimizer);
  std::vector<long> indices(std::size_t(data.size()));
  std::iota(indices.begin(), indices.end(), 0L);
  BatchBuffer batch;
  batch.gather(data, indices);
  AfterSteps r;
  for (int step = 0; step < 2; ++step) {
    const StepContext ctx{true, 5, step, 3};
    r.loss = trained->forward_loss(batch, ctx, 0.1f);
    trained->zero_grad();
    trained->backward(1.0f / float(batch.size()), {});
    EXPECT_TRUE(trained->grads_finite());
    const double factor = clip_factor(trained->gradient_sum_of_squares(), step == 0 ? 1e3 : 0.5);  // the second bites
    if (factor < 1.0) trained->scale_gradients(factor);
    trained->optimizer_step(sgd.lr);
  }
  trained->sync_to_host();
  r.params.assign(model.values(), model.values() + model.num_params());
  r.momentum = *optimizer->slots().front().second;
  EXPECT_EQ(optimizer->steps(), 2);
  return r;
}

}  // namespace

class CudaTraining : public ::testing::TestWithParam<bool> {};  // parameter: a token model

TEST_P(CudaTraining, OneStepEqualsTheCpu) {
  MANET_REQUIRE_GPU();
  select_cuda_device(0);
  const ModelSpec spec = GetParam() ? token_spec() : image_spec();
  const Dataset data = random_data(spec, 9);
  const AfterSteps cpu = train_two_steps(DeviceKind::cpu, spec, data);
  const AfterSteps gpu = train_two_steps(DeviceKind::cuda, spec, data);
  EXPECT_NEAR(gpu.loss, cpu.loss, 1e-5 * std::fabs(cpu.loss));
  expect_close(gpu.params, cpu.params, "parameters after two steps", 1e-4, 1e-5);
  expect_close(gpu.momentum, cpu.momentum, "momentum buffer", 1e-3, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Inputs, CudaTraining, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "tokens" : "images"; });

namespace {

const char* kFmnistModel =
    "model:\n  blocks: [{conv: {channels: 8, kernel: 3}}, {pool_attention: {pool: max, size: 2, heads: 2}},\n"
    "           {conv_attention: {channels: 16, kernel: 3, heads: 4}}]\n"
    "  head: {hidden: [32], activation: relu, dropout: 0.1}\n  num_classes: 10\n";

ModelSpec fmnist_spec() {
  ModelSpec s;
  s.height = 28, s.width = 28;
  s.blocks = {{.kind = BlockKind::conv, .channels = 8, .kernel_h = 3, .kernel_w = 3},
              {.kind = BlockKind::pool_attention, .heads = 2, .pool = cpu::PoolKind::max, .pool_h = 2, .pool_w = 2},
              {.kind = BlockKind::conv_attention, .channels = 16, .kernel_h = 3, .kernel_w = 3, .heads = 4}};
  s.head = {{32}, cpu::ActivationKind::relu, 0.1};
  s.num_classes = 10;
  return s;
}

std::vector<double> logged_losses(const std::string& metrics_path) {
  std::vector<double> out;
  std::ifstream in(metrics_path);
  const std::regex loss("\"event\":\"train\".*\"loss\":([-0-9.eE+]+)");
  std::smatch m;
  for (std::string line; std::getline(in, line);)
    if (std::regex_search(line, m, loss)) out.push_back(std::stod(m[1]));
  return out;
}

}  // namespace

TEST(CudaTrainingRun, FashionMnistOnTheGpuThenTheCpuLoadsAndResumes) {
  MANET_REQUIRE_GPU();
  using testing::fresh_dir;
  using testing::run_command;
  using testing::write_file;
  const std::string dir = fresh_dir("gpu_fmnist");
  const std::string config = dir + "/c.yaml";
  auto write_config = [&](const std::string& device, int steps) {
    write_file(config, "device: " + device + "\n" + kFmnistModel +
                           "data:\n  train: {format: fashion_mnist, split: test}\n"
                           "optimizer: {type: adamw, lr: 0.01}\n"
                           "train: {batch_size: 64, max_steps: " + std::to_string(steps) +
                           ", log_every_steps: 1, label_smoothing: 0.1}\ncheckpoint: {dir: " + dir + "/run}\n");
  };
  write_config("auto", 30);
  const testing::CommandResult r = run_command(testing::manet_binary() + " train --config " + config);
  if (r.output.find("dataset-fashion-mnist") != std::string::npos) GTEST_SKIP() << "needs dataset-fashion-mnist";
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("training on the GPU"), std::string::npos) << "auto takes a usable GPU: " << r.output;
  EXPECT_NE(r.output.find("done: 30 steps"), std::string::npos) << r.output;

  const auto losses = logged_losses(dir + "/run/metrics.jsonl");
  ASSERT_EQ(losses.size(), 30u) << r.output;
  const double first = (losses[0] + losses[1] + losses[2]) / 3, last = (losses[27] + losses[28] + losses[29]) / 3;
  // The same run on the CPU falls from 2.31 to 2.04 (means of three steps).
  EXPECT_LT(last, first - 0.15) << "the loss falls on the GPU: first " << first << ", last " << last;

  // The CPU path loads the GPU's checkpoint and computes the GPU model's logits.
  const std::string checkpoint = dir + "/run/step-00000030.h5";
  Model<float> host(fmnist_spec());
  const CheckpointContents c = load_checkpoint(checkpoint, host.params());
  ASSERT_EQ(long(c.params.size()), host.num_params());
  std::copy(c.params.begin(), c.params.end(), host.values());
  const int N = 16, K = 10;
  const auto images = random_floats(std::size_t(N) * 28 * 28, 21);
  const float* cpu_logits = host.forward({N, images.data(), nullptr}, StepContext{});
  const std::vector<float> cpu(cpu_logits, cpu_logits + N * K);
  cuda::CudaRuntime rt;
  CudaModel gpu_model(host, rt.context());
  const float* gpu_logits = gpu_model.forward({N, images.data(), nullptr}, StepContext{});
  std::vector<float> gpu(std::size_t(N) * K);
  cuda::cuda_check(cudaMemcpyAsync(gpu.data(), gpu_logits, gpu.size() * sizeof(float), cudaMemcpyDeviceToHost,
                                   rt.context().stream), "logits");
  rt.synchronize();
  expect_close(gpu, cpu, "logits of the checkpoint's model", 1e-4, 1e-5);
  EXPECT_EQ(c.optimizer_type, "adamw");
  EXPECT_EQ(c.position.optimizer_step, 30);

  // A CPU run resumes from it (weights and AdamW state written from the GPU).
  write_config("cpu", 32);
  const testing::CommandResult resumed = run_command(testing::manet_binary() + " train --config " + config);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming from " + checkpoint + " at step 30"), std::string::npos) << resumed.output;
  EXPECT_NE(resumed.output.find("done: 32 steps"), std::string::npos) << resumed.output;
}

}  // namespace manet
