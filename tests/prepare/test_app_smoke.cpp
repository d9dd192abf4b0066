// The three applications end to end through the real binary: `manet prepare`, a short
// `manet train` of the shipped config under mpirun -np 2, then `manet eval --json`.
// Prepared data sets are cached in the build tree (prepare is a no-op when up to date).
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "app/cli_harness.hpp"

namespace manet::testing {
namespace {

std::string data_dir(const std::string& name) { return std::string(MANET_TEST_DATA_DIR) + "/" + name; }

void prepare(const std::string& name, const std::string& extra = "") {
  const CommandResult r = run_command(manet_binary() + " prepare " + name + " --out " + data_dir(name) + " " + extra);
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

// Trains `config` for `steps` steps on 2 ranks with the data in the test cache, then
// evaluates the final checkpoint on `eval_file`; returns eval's JSON line.
std::string train_and_eval(const std::string& name, const std::string& test_file, int steps) {
  const std::string dir = fresh_dir("smoke_" + name), data = data_dir(name);
  const std::string config = std::string(MANET_SOURCE_DIR) + "/configs/" + name + ".yaml";
  const CommandResult t = run_command(launch_prefix(2) + manet_binary() + " train --config " + config +
                                      " --set data.train.path=" + data + "/train.h5 --set data.test.path=" + data +
                                      "/" + test_file + " --set train.max_steps=" + std::to_string(steps) +
                                      " --set checkpoint.dir=" + dir + " --set checkpoint.resume=never");
  EXPECT_EQ(t.exit_code, 0) << t.output;
  EXPECT_NE(t.output.find("test accuracy"), std::string::npos) << t.output;
  EXPECT_NE(t.output.find("| macro-F1 "), std::string::npos) << "per-epoch eval lines report macro-F1";
  char ckpt[64];
  std::snprintf(ckpt, sizeof ckpt, "/step-%08d.h5", steps);
  const CommandResult e = run_command(manet_binary() + " eval --json --checkpoint " + dir + ckpt + " --data " + data +
                                      "/" + test_file);
  EXPECT_EQ(e.exit_code, 0) << e.output;
  const std::string last = e.output.substr(e.output.rfind('{'));
  std::smatch m;
  EXPECT_TRUE(std::regex_search(last, m, std::regex(R"("accuracy": ([0-9.e-]+), "samples": \d+, "macro_f1": ([0-9.e-]+))"))) << last;
  if (!m.empty()) {
    EXPECT_GE(std::stod(m[1]), 0.0);
    EXPECT_LE(std::stod(m[1]), 1.0);
    EXPECT_GE(std::stod(m[2]), 0.0);
    EXPECT_LE(std::stod(m[2]), 1.0);
  }
  std::filesystem::remove_all(dir);
  return last;
}

TEST(AppSmoke, Fort14) {
  if (!std::filesystem::exists("/usr/share/games/fortunes/computers")) GTEST_SKIP() << "apt-get install fortunes";
  prepare("fort14");
  train_and_eval("fort14", "test.h5", 30);
}

TEST(AppSmoke, Wn26) {
  if (!std::filesystem::exists("/usr/share/wordnet/data.noun")) GTEST_SKIP() << "apt-get install wordnet-base";
  prepare("wn26");
  train_and_eval("wn26", "test.h5", 20);
}

#ifdef MANET_WITH_SPEECH
TEST(AppSmoke, Digits) {
  if (!std::filesystem::exists("/usr/lib/x86_64-linux-gnu/espeak-ng-data")) GTEST_SKIP() << "apt-get install espeak-ng";
  prepare("digits", "--clips-per-class 20");
  for (const char* f : {"train.h5", "test.h5", "test_espeak_heldout.h5", "test_espeak_heldout_snr10.h5", "test_flite.h5"})
    EXPECT_TRUE(std::filesystem::exists(data_dir("digits") + "/" + f)) << f;
  train_and_eval("digits", "test_flite.h5", 6);
}
#endif

TEST(AppSmoke, PrepareRefusesUnknownNamesAndMpi) {
  const CommandResult r = run_command(manet_binary() + " prepare nope --out " + fresh_dir("nope"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("known: wn26, fort14, digits"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace manet::testing
