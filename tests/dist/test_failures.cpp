// How a multi-rank job fails: never a hang, always a message that says which rank and
// what, and a non-zero exit. Faults are injected into the real binary through the
// test-only MANET_TEST_FAULT variable (src/train/fault_injection.hpp).
#include <gtest/gtest.h>

#include <filesystem>

#include "dist/run_harness.hpp"

namespace manet::testing {

namespace {

long count_of(const std::string& text, const std::string& what) {
  long n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(Failures, AnExceptionOnOneRankEndsTheJobWithItsRank) {
  const std::string dir = prepare_run("fail_throw", false, 50);
  const TimedResult r = train_run(dir, 2, 8, "", "MANET_TEST_FAULT=throw:rank=1:step=3 ");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("manet: error: rank 1 of 2: injected fault (MANET_TEST_FAULT) at step 3"), std::string::npos)
      << r.output;
  EXPECT_LT(r.seconds, 20) << r.output;
}

TEST(Failures, AKilledRankEndsTheJob) {
  const std::string dir = prepare_run("fail_kill", false, 50);
  const TimedResult r = train_run(dir, 2, 8, "", "MANET_TEST_FAULT=kill:rank=1:step=3 ");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("signal 9"), std::string::npos) << r.output;  // mpirun names the dead rank
  EXPECT_LT(r.seconds, 15) << r.output;
}

TEST(Failures, AStalledRankTimesOutNamingStepAndCollective) {
  const std::string dir = prepare_run("fail_stall", false, 50);
  const TimedResult r = train_run(dir, 2, 8, "--set dist.timeout_s=2", "MANET_TEST_FAULT=stall:rank=1:step=3 ");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("manet: error: rank 0 of 2: the all-reduce of the loss during step 3 did not complete "
                          "within 2 s: another rank has stalled"),
            std::string::npos)
      << r.output;
  EXPECT_LT(r.seconds, 20) << r.output;
}

TEST(Failures, RanksWithDifferentConfigsAreRefusedAtStartUp) {
  const std::string dir = prepare_run("fail_configs", false);
  const std::string cmd = manet_binary() + " train --config " + dir + "/run.yaml";
  const CommandResult r = run_command(std::string(MANET_MPIRUN_PATH) + " -np 1 " + cmd + " : -np 1 " + cmd + " --set optimizer.lr=0.1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(count_of(r.output, "rank(s) 1 were started with a config different from rank 0's"), 1) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/ckpt/step-00000001.h5"));
}

TEST(Failures, AConfigErrorOnEveryRankIsPrintedOnce) {
  const std::string dir = prepare_run("fail_key", false);
  const TimedResult r = train_run(dir, 2, 8, "--set train.bogus=1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(count_of(r.output, "train.bogus: unknown key"), 1) << r.output;
}

TEST(Failures, ANonFiniteLossOnOneRankStopsEveryRankBeforeTheStep) {
  const std::string dir = prepare_run("fail_nan", false, 50);
  const TimedResult r = train_run(dir, 2, 8, "", "MANET_TEST_FAULT=nan:rank=1:step=2 ");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(count_of(r.output, "the loss is nan at step 2 (not finite on rank(s) 1)"), 1) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/ckpt/step-00000001.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/ckpt/step-00000002.h5"));
}

TEST(Failures, DivergedReplicasAreCaughtAfterTheStep) {
  const std::string dir = prepare_run("fail_diverge", false, 50);
  const TimedResult r = train_run(dir, 4, 4, "", "MANET_TEST_FAULT=diverge:rank=2:step=2 ");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(count_of(r.output, "after step 2 the parameters or optimizer state of rank(s) 2 differ from rank 0's"), 1)
      << r.output;
}

}  // namespace manet::testing
