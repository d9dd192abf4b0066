// `device:` through the real `manet` of this (CUDA) build, on a tiny Fashion-MNIST run
// (the fixture tests/gpu/data/fashion-mnist-512):
// auto without a usable GPU trains on the CPU after one notice line; cuda without one is a
// usage error (exit 2) naming the key and the file. With a GPU these cases skip (they are
// about having none); the GPU runs are in test_cuda_model.cpp.
#include <gtest/gtest.h>

#include "app/cli_harness.hpp"
#include "device/device.hpp"

namespace manet::testing {

namespace {

std::string tiny_config(const std::string& dir, const std::string& device) {
  const std::string path = dir + "/c.yaml";
  write_file(path, "device: " + device + "\nmodel:\n  blocks: [{conv_attention: {channels: 4, kernel: 3, heads: 2}}]\n"
                   "  head: {hidden: [8], activation: relu, dropout: 0.1}\n  num_classes: 10\n"
                   "data:\n  train: {format: fashion_mnist, split: test}\n"
                   "train: {batch_size: 4, max_steps: 2}\ncheckpoint: {dir: " + dir + "/run}\n");
  return path;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(DeviceSelection, AutoFallsBackToTheCpuWithOneNotice) {
  ASSERT_TRUE(built_with_cuda()) << "this binary belongs to the MANET_CUDA=ON build";
  if (probe_cuda().devices > 0) GTEST_SKIP() << "a GPU is usable here: auto takes it (no fallback to test)";
  const std::string dir = fresh_dir("device_auto");
  const CommandResult r = run_command("MANET_FASHION_MNIST_DIR=" + source_dir() + "/tests/gpu/data/fashion-mnist-512 " +
                                      manet_binary() + " train --config " + tiny_config(dir, "auto"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(count_of(r.output, "device: auto: no usable CUDA device (cudaGetDeviceCount returned"), 1u) << r.output;
  EXPECT_NE(r.output.find("training on the CPU"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("done: 2 steps"), std::string::npos) << "training proceeds: " << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/run/step-00000002.h5"));
}

TEST(DeviceSelection, CudaWithoutADeviceIsAUsageError) {
  if (probe_cuda().devices > 0) GTEST_SKIP() << "a GPU is usable here";
  const std::string dir = fresh_dir("device_cuda");
  const std::string cfg = tiny_config(dir, "cuda");
  const CommandResult r = run_command(manet_binary() + " train --config " + cfg);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(cfg + ": device: cuda, but no usable CUDA device: cudaGetDeviceCount returned"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/run/step-00000002.h5")) << "nothing trained";
}

}  // namespace manet::testing
