// The command line from outside: help, exit codes, messages, nothing written on bad input.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <filesystem>
#include <fstream>

#include "app/cli_harness.hpp"
#include "device/device.hpp"

namespace manet::testing {

namespace {

long count_of(const std::string& text, const std::string& what) {
  long n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Flips one byte in the middle of the stored values of `dataset` (its first chunk: manet
// writes every dataset chunked, with Fletcher-32), found through HDF5's chunk index.
void flip_a_byte_inside(const std::string& path, const std::string& dataset) {
  haddr_t address = 0;
  hsize_t size = 0;
  {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(file, 0);
    const hid_t d = H5Dopen2(file, dataset.c_str(), H5P_DEFAULT);
    ASSERT_GE(d, 0);
    hsize_t offset[8] = {};
    unsigned filter_mask = 0;
    const hid_t space = H5Dget_space(d);
    const herr_t found = H5Dget_chunk_info(d, space, 0, offset, &filter_mask, &address, &size);
    H5Sclose(space);
    ASSERT_GE(found, 0) << dataset << " is not chunked";
    H5Dclose(d);
    H5Fclose(file);
  }
  ASSERT_GT(size, 8u);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  const auto at = std::streamoff(address + size / 2);
  f.seekg(at);
  char c = 0;
  f.read(&c, 1);
  f.seekp(at);
  c = char(c ^ 0x10);
  f.write(&c, 1);
  ASSERT_TRUE(f.good());
}

}  // namespace

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

// Started through the dynamic loader (`ld-linux-x86-64.so.2 manet ...`, as the GPU
// bundle runs on a system with an older glibc: bench/gpu/check.sh), /proc/self/exe is the
// loader: restarting it for a better BLAS core would run the loader without its options
// (it printed its own version, or tried to load a program named `train`). manet runs on
// with the weaker core and says how to get the better one.
TEST(Cli, ThroughTheDynamicLoaderItRunsOnInsteadOfRestarting) {
  const std::string loader = "/lib64/ld-linux-x86-64.so.2";
  if (!std::filesystem::exists(loader)) GTEST_SKIP() << "no " << loader << " on this system";
  const CommandResult r = run_command("OPENBLAS_CORETYPE=Prescott " + loader + " " + manet_binary() + " --version");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("manet " MANET_VERSION "\n"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("ld.so"), std::string::npos) << "the loader restarted on its own: " << r.output;
  EXPECT_NE(r.output.find("manet: warning: started through the dynamic loader (ld-linux-x86-64.so.2), so it cannot "
                          "restart itself with OPENBLAS_CORETYPE="),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("core Prescott"), std::string::npos) << r.output;
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
  // One flipped byte inside the stored values of one dataset: inspect names that dataset,
  // and only it, as corrupt (its Fletcher-32 fails), and exits 1 (with or without --verify).
  const std::string damaged = "/model/blocks.0.conv.weight";
  flip_a_byte_inside(ckpt, damaged);
  for (const char* verify : {"", "--verify "}) {
    SCOPED_TRACE(verify);
    r = run_command(manet_binary() + " inspect " + verify + ckpt);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    const auto at = r.output.find(damaged + " ");
    ASSERT_NE(at, std::string::npos) << r.output;
    const std::string line = r.output.substr(at, r.output.find('\n', at) - at);
    EXPECT_NE(line.find("CORRUPT: "), std::string::npos) << line;
    EXPECT_NE(line.find("Fletcher32 checksum"), std::string::npos) << "caught by its checksum: " << line;
    EXPECT_EQ(count_of(r.output, "CORRUPT"), 1) << "only the damaged dataset is corrupt:\n" << r.output;
    EXPECT_NE(r.output.find(", 1 BAD"), std::string::npos) << r.output;
  }
}

}  // namespace manet::testing
