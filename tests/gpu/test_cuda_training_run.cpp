// A short Fashion-MNIST run of the real binary on the GPU (label gpu; SKIPPED without a
// usable device), on the 512-sample fixture that ships with the sources
// (tests/gpu/data/fashion-mnist-512, read through MANET_FASHION_MNIST_DIR), so it runs on
// any machine with a GPU:
// - the loss falls, the GPU phase times (CUDA events) and peak GPU memory are reported;
// - the checkpoint holds the GPU's trained state: its parameters and AdamW moments are
//   those of the same 30 steps on the CPU (to far less than the steps moved them), not the
//   initial ones nor anything else;
// - the CPU loads it and computes the GPU model's logits, and a CPU run resumes from it.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>

#include "app/cli_harness.hpp"
#include "checkpoint/checkpoint.hpp"
#include "gpu/gpu_test.hpp"
#include "model/cuda_model.hpp"

namespace manet {

using testing::expect_close;
using testing::random_floats;

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

double summary_field(const std::string& metrics_path, const std::string& field) {
  std::ifstream in(metrics_path);
  const std::regex value("\"event\":\"summary\".*\"" + field + "\":([-0-9.eE+]+)");
  std::smatch m;
  double out = -1;
  for (std::string line; std::getline(in, line);)
    if (std::regex_search(line, m, value)) out = std::stod(m[1]);
  return out;
}

double distance(const std::vector<float>& a, const std::vector<float>& b) {
  double sq = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sq += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return std::sqrt(sq);
}

}  // namespace

TEST(CudaTrainingRun, FashionMnistOnTheGpuMatchesTheCpuRunThenTheCpuLoadsAndResumes) {
  MANET_REQUIRE_GPU();
  using testing::fresh_dir;
  using testing::run_command;
  using testing::write_file;
  const std::string fixture = testing::source_dir() + "/tests/gpu/data/fashion-mnist-512";
  ASSERT_TRUE(std::filesystem::exists(fixture + "/t10k-images-idx3-ubyte.gz"))
      << "the fixture ships with the sources: " << fixture << " (set MANET_SOURCE_DIR to the source tree)";
  const std::string env = "MANET_FASHION_MNIST_DIR=" + fixture + " ";
  const std::string dir = fresh_dir("gpu_fmnist");
  auto config = [&](const std::string& device, int steps, const std::string& run) {
    const std::string path = dir + "/" + run + ".yaml";
    write_file(path, "device: " + device + "\n" + kFmnistModel +
                         "data:\n  train: {format: fashion_mnist, split: test}\n"
                         "optimizer: {type: adamw, lr: 0.01}\n"
                         "train: {batch_size: 64, max_steps: " + std::to_string(steps) +
                         ", log_every_steps: 1, label_smoothing: 0.1}\ncheckpoint: {dir: " + dir + "/" + run + "}\n");
    return path;
  };
  const testing::CommandResult r = run_command(env + testing::manet_binary() + " train --config " +
                                               config("auto", 30, "gpu"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("training on the GPU"), std::string::npos) << "auto takes a usable GPU: " << r.output;
  EXPECT_NE(r.output.find("done: 30 steps"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("GPU time per step (CUDA events): forward"), std::string::npos) << r.output;
  EXPECT_GT(summary_field(dir + "/gpu/metrics.jsonl", "gpu_backward_ms"), 0.0) << r.output;
  EXPECT_GT(summary_field(dir + "/gpu/metrics.jsonl", "peak_gpu_mb"), 0.0) << r.output;

  const auto losses = logged_losses(dir + "/gpu/metrics.jsonl");
  ASSERT_EQ(losses.size(), 30u) << r.output;
  const double first = (losses[0] + losses[1] + losses[2]) / 3, last = (losses[27] + losses[28] + losses[29]) / 3;
  // The same run on the CPU falls from 2.31 to 2.03 (means of three steps).
  EXPECT_LT(last, first - 0.15) << "the loss falls on the GPU: first " << first << ", last " << last;

  // The same 30 steps on the CPU: the checkpoint must hold the GPU's trained state.
  const testing::CommandResult c = run_command(env + testing::manet_binary() + " train --config " +
                                               config("cpu", 30, "cpu"));
  ASSERT_EQ(c.exit_code, 0) << c.output;
  const auto cpu_losses = logged_losses(dir + "/cpu/metrics.jsonl");
  ASSERT_EQ(cpu_losses.size(), 30u);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(losses[i], cpu_losses[i], 1e-4) << "step " << i + 1;
  const std::string checkpoint = dir + "/gpu/step-00000030.h5";
  Model<float> host(fmnist_spec());
  const CheckpointContents g = load_checkpoint(checkpoint, host.params());
  const CheckpointContents k = load_checkpoint(dir + "/cpu/step-00000030.h5", host.params());
  host.init(1);  // the config's seed: where both runs started
  const std::vector<float> start(host.values(), host.values() + host.num_params());
  ASSERT_EQ(g.params.size(), start.size());
  const double moved = distance(k.params, start), apart = distance(g.params, k.params);
  // On the CPU, the same run with another BLAS kernel (float-level differences, as between
  // the devices) ends 0.015 from it, 4.5 from the start: AdamW's steps are sign-like where a
  // moment is near 0, so a few parameters part by a step or two of lr. A checkpoint of the
  // initial state, or of another step, is a large fraction of `moved` away.
  EXPECT_GT(moved, 1.0) << "30 AdamW steps at lr 0.01 move the parameters";
  EXPECT_LT(apart, 0.05 * moved) << "GPU and CPU checkpoints after the same steps: " << apart << " apart, "
                                 << moved << " from the start";
  ASSERT_EQ(g.slots.size(), k.slots.size());
  for (std::size_t i = 0; i < g.slots.size(); ++i) {
    const double size = distance(k.slots[i].second, std::vector<float>(k.slots[i].second.size()));
    EXPECT_LT(distance(g.slots[i].second, k.slots[i].second), 0.05 * size)
        << "optimizer slot " << k.slots[i].first;
  }
  EXPECT_EQ(g.optimizer_type, "adamw");
  EXPECT_EQ(g.position.optimizer_step, 30);

  // The CPU path loads the GPU's checkpoint and computes the GPU model's logits.
  std::copy(g.params.begin(), g.params.end(), host.values());
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

  // A CPU run resumes from it (weights and AdamW state written from the GPU).
  const std::string resume = config("cpu", 32, "gpu");
  const testing::CommandResult resumed = run_command(env + testing::manet_binary() + " train --config " + resume);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming from " + checkpoint + " at step 30"), std::string::npos) << resumed.output;
  EXPECT_NE(resumed.output.find("done: 32 steps"), std::string::npos) << resumed.output;
}

}  // namespace manet
