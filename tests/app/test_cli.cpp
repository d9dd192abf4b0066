// The command line from outside: help, exit codes, messages, nothing written on bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "app/cli_harness.hpp"
#include "device/device.hpp"

namespace manet::testing {

TEST(Cli, HelpListsTheSubcommands) {
  const CommandResult r = run_command(manet_binary() + " --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* sub : {"train", "eval", "inspect"}) EXPECT_NE(r.output.find(sub), std::string::npos) << sub;
  const CommandResult t = run_command(manet_binary() + " train --help");
  EXPECT_EQ(t.exit_code, 0);
  EXPECT_NE(t.output.find("--set"), std::string::npos);
  EXPECT_NE(run_command(manet_binary()).exit_code, 0) << "a subcommand is required";
}

// A BLAS core weaker than the CPU allows is upgraded, also when the environment forced it,
// unless MANET_KEEP_BLAS_CORE=1 (core/blas_core.hpp). Any CPU that runs this build
// (x86-64-v3: AVX2) is better than Prescott's SSE3, so this runs everywhere.
TEST(Cli, AWeakBlasCoreIsUpgradedUnlessKept) {
  const CommandResult plain = run_command(manet_binary() + " --version");
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_NE(plain.output.find("BLAS: OpenBLAS"), std::string::npos) << plain.output;
  EXPECT_EQ(plain.output.find("weaker than"), std::string::npos) << plain.output;
  const CommandResult forced = run_command("OPENBLAS_CORETYPE=Prescott " + manet_binary() + " --version");
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_NE(forced.output.find("(upgraded from Prescott, set by OPENBLAS_CORETYPE: this CPU has"), std::string::npos)
      << forced.output;
  EXPECT_EQ(forced.output.find("core Prescott"), std::string::npos) << forced.output;
  const CommandResult kept = run_command("OPENBLAS_CORETYPE=Prescott MANET_KEEP_BLAS_CORE=1 " + manet_binary() + " --version");
  ASSERT_EQ(kept.exit_code, 0) << kept.output;
  EXPECT_NE(kept.output.find("core Prescott (weaker than this CPU's"), std::string::npos) << kept.output;
  EXPECT_NE(kept.output.find("kept: MANET_KEEP_BLAS_CORE=1"), std::string::npos) << kept.output;
}

TEST(Cli, BadConfigExitsTwoNamingKeyAndFileAndWritesNothing) {
  const std::string dir = fresh_dir("badcfg");
  const std::string cfg = dir + "/bad.yaml";
  write_file(cfg, "model:\n  blocks: [{conv: {channels: 4, kernel: 3}}]\n  num_classes: 10\ndata:\n  train: {format: fashion_mnist, split: train}\ntrain:\n  batch_sise: 8\ncheckpoint: {dir: " + dir + "/run}\n");
  const CommandResult r = run_command(manet_binary() + " train --config " + cfg);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(cfg + ":7: train.batch_sise: unknown key"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/run")) << "nothing written";
  const CommandResult s = run_command(manet_binary() + " train --config " + cfg + " --set 'train={batch_size: 0}'");
  EXPECT_EQ(s.exit_code, 2) << s.output;
  EXPECT_NE(s.output.find("(--set train) train.batch_size: must be in [1, "), std::string::npos) << s.output;
}

// `device: cuda` in a build without CUDA (the default build): a usage error naming the key,
// the file and how to get a CUDA build, before any data is read.
TEST(Cli, DeviceCudaWithoutACudaBuildIsAUsageError) {
  if (built_with_cuda()) GTEST_SKIP() << "this build has CUDA (see tests/gpu/test_device_selection.cpp)";
  const std::string dir = fresh_dir("nocuda");
  const std::string cfg = dir + "/c.yaml";
  write_file(cfg, "device: cuda\nmodel:\n  blocks: [{conv: {channels: 4, kernel: 3}}]\n  num_classes: 10\ndata:\n"
                  "  train: {format: fashion_mnist, split: test}\ncheckpoint: {dir: " + dir + "/run}\n");
  const CommandResult r = run_command(manet_binary() + " train --config " + cfg);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(cfg + ": device: cuda, but this manet was built without CUDA: rebuild with cmake "
                                "-DMANET_CUDA=ON"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/run")) << "nothing written";
}

TEST(Cli, MissingDatasetFileIsAClearError) {
  const std::string dir = fresh_dir("nodata");
  write_file(dir + "/c.yaml", "model:\n  blocks: [{conv: {channels: 4, kernel: 3}}]\n  num_classes: 3\ndata:\n  train: {format: hdf5, path: " + dir + "/none.h5}\ncheckpoint: {dir: " + dir + "/run}\n");
  const CommandResult r = run_command(manet_binary() + " train --config " + dir + "/c.yaml");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(dir + "/none.h5: no such file"), std::string::npos) << r.output;
}

TEST(Cli, InspectShowsAndVerifyRefusesACorruptFile) {
  // Two tiny training steps on Fashion-MNIST give a checkpoint to inspect.
  const std::string dir = fresh_dir("inspect");
  const CommandResult gen = run_command(manet_binary() + " --version");
  ASSERT_EQ(gen.exit_code, 0);
  write_file(dir + "/c.yaml", "model:\n  image_size: 4\n  blocks: [{conv: {channels: 2, kernel: 3}}]\n  num_classes: 2\n"
                              "data:\n  train: {format: fashion_mnist, split: test}\n"
                              "train: {batch_size: 4, max_steps: 2}\ncheckpoint: {dir: " + dir + "/run}\n");
  CommandResult r = run_command(manet_binary() + " train --config " + dir + "/c.yaml");
  if (r.output.find("dataset-fashion-mnist") != std::string::npos) GTEST_SKIP() << "needs dataset-fashion-mnist";
  // Fashion-MNIST is 28x28, so this config is refused: image_size names both sides.
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("model.image_size is 4x4 but fashion_mnist:test has 28x28 images"), std::string::npos) << r.output;
  write_file(dir + "/c.yaml", "model:\n  blocks: [{conv: {channels: 2, kernel: 3}}]\n  num_classes: 10\n"
                              "data:\n  train: {format: fashion_mnist, split: test}\n"
                              "train: {batch_size: 4, max_steps: 2}\ncheckpoint: {dir: " + dir + "/run}\n");
  r = run_command(manet_binary() + " train --config " + dir + "/c.yaml");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string ckpt = dir + "/run/step-00000002.h5";
  r = run_command(manet_binary() + " inspect " + ckpt);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* s : {"blocks.0.conv.weight", "[2, 1, 3, 3]", "classifier.bias", "step 2", "datasets verified"})
    EXPECT_NE(r.output.find(s), std::string::npos) << s << "\n" << r.output;
  // Resuming a finished run does nothing and says so.
  r = run_command(manet_binary() + " train --config " + dir + "/c.yaml");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("already finished"), std::string::npos) << r.output;
  // Flip a byte in the middle of the file: --verify must fail.
  std::fstream f(ckpt, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(0, std::ios::end);
  const auto size = long(f.tellg());
  for (long at = size / 3; at < size; at += 7) {  // hit data, not just padding
    f.seekg(at);
    char c;
    f.read(&c, 1);
    f.seekp(at);
    c ^= 0x5a;
    f.write(&c, 1);
  }
  f.close();
  r = run_command(manet_binary() + " inspect --verify " + ckpt);
  EXPECT_NE(r.exit_code, 0) << r.output;
}

}  // namespace manet::testing
