// Fault suite, ranks: how a multi-rank job fails - never a hang, always a message that
// says which rank and what, a non-zero exit, and nothing lost beyond the steps since the
// last checkpoint. Faults are injected into the real binary through the test-only
// MANET_TEST_FAULT variable (src/train/fault_injection.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "comm/run_harness.hpp"

namespace manet::testing {

namespace {

long count_of(const std::string& text, const std::string& what) {
  long n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(Faults, S03_AnExceptionOnOneRankEndsTheJobWithItsRank) {
  const std::string dir = prepare_run("fail_throw", false, 50);
  const TimedResult r = train_run(dir, 2, 8, "", "MANET_TEST_FAULT=throw:rank=1:step=3 ");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("manet: error: rank 1 of 2: injected fault (MANET_TEST_FAULT) at step 3"), std::string::npos)
      << r.output;
  EXPECT_LT(r.seconds, 20) << r.output;
  std::printf("[S03] job ended %.2f s after launch (fault at step 3), exit %d\n", r.seconds, r.exit_code);
}

TEST(Faults, S01_AKilledRankEndsTheJobAndResumeContinuesExactly) {
  const std::string dir = prepare_run("fail_kill", false, 12);
  ASSERT_EQ(train_run(dir, 2, 8, "", "", "straight").exit_code, 0);
  const TimedResult r = train_run(dir, 2, 8, "", "MANET_TEST_FAULT=kill:rank=1:step=5 ");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("process rank 1 with PID"), std::string::npos) << r.output;  // mpirun names the rank
  EXPECT_NE(r.output.find("signal 9"), std::string::npos) << r.output;
  // mpirun saw the rank die and ended the job: no collective waited out its deadline
  // (dist.timeout_s: 60 in prepare_run), which is what a hang would end with.
  EXPECT_EQ(r.output.find("did not complete within"), std::string::npos) << r.output;
  EXPECT_LT(r.seconds, 50) << "well before the 60 s deadline of the collectives:\n" << r.output;
  std::printf("[S01] job ended %.2f s after launch (SIGKILL at step 5), exit %d\n", r.seconds, r.exit_code);
  // Steps 1-4 were checkpointed (every step): resume continues as if nothing happened.
  const TimedResult resumed = train_run(dir, 2, 8);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("ckpt/step-00000004.h5 at step 4"), std::string::npos) << resumed.output;
  expect_same_state(load_final(dir, "ckpt", 12), load_final(dir, "straight", 12));
}

TEST(Faults, S02_AStalledRankTimesOutNamingStepAndCollective) {
  const std::string dir = prepare_run("fail_stall", false, 50);
  const TimedResult r = train_run(dir, 2, 8, "--set dist.timeout_s=2", "MANET_TEST_FAULT=stall:rank=1:step=3 ");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("manet: error: rank 0 of 2: the all-reduce of the loss during step 3 did not complete "
                          "within 2 s: another rank has stalled"),
            std::string::npos)
      << r.output;
  EXPECT_LT(r.seconds, 20) << r.output;
  std::printf("[S02] job ended %.2f s after launch (stall at step 3, dist.timeout_s 2), exit %d\n", r.seconds,
              r.exit_code);
}

TEST(Faults, S15_RanksWithDifferentConfigsAreRefusedAtStartUp) {
  const std::string dir = prepare_run("fail_configs", false);
  const std::string cmd = manet_binary() + " train --config " + dir + "/run.yaml";
  const CommandResult r = run_command(std::string(MANET_MPIRUN_PATH) + " -np 1 " + cmd + " : -np 1 " + cmd + " --set optimizer.lr=0.1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(count_of(r.output, "rank(s) 1 were started with a config different from rank 0's"), 1) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/ckpt/step-00000001.h5"));
}

TEST(Faults, Extra_AConfigErrorOnEveryRankIsPrintedOnce) {
  const std::string dir = prepare_run("fail_key", false);
  const TimedResult r = train_run(dir, 2, 8, "--set train.bogus=1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(count_of(r.output, "train.bogus: unknown key"), 1) << r.output;
}

TEST(Faults, S12_ANonFiniteLossOnOneRankStopsEveryRankBeforeTheStep) {
  const std::string dir = prepare_run("fail_nan", false, 50);
  const TimedResult r = train_run(dir, 2, 8, "", "MANET_TEST_FAULT=nan:rank=1:step=2 ");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(count_of(r.output, "the loss is nan at step 2 (not finite on rank(s) 1)"), 1) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/ckpt/step-00000001.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/ckpt/step-00000002.h5"));
}

TEST(Faults, Extra_DivergedReplicasAreCaughtAfterTheStep) {
  const std::string dir = prepare_run("fail_diverge", false, 50);
  const TimedResult r = train_run(dir, 4, 4, "", "MANET_TEST_FAULT=diverge:rank=2:step=2 ");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(count_of(r.output, "after step 2 the parameters or optimizer state of rank(s) 2 differ from rank 0's"), 1)
      << r.output;
}

// A backend whose own Σg² is not the same on every rank (a GPU summing with atomics in no
// fixed order) must still clip every replica by the same factor: the ranks agree on the
// sum before clipping. Here rank 1's sum is 21 % larger at step 2 and every step clips
// (grad_clip 0.01); the replicas are compared after every step.
TEST(Faults, Extra_DifferentLocalNormsStillClipEveryReplicaAlike) {
  const std::string dir = prepare_run("fail_clipsum", false, 4);
  const TimedResult r =
      train_run(dir, 2, 8, "--set train.grad_clip=0.01", "MANET_TEST_FAULT=clipsum:rank=1:step=2 ");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("differ from rank 0's"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("done: 4 steps"), std::string::npos) << r.output;
}

TEST(Faults, S12_ANonFiniteGradientOnOneRankStopsEveryRankBeforeTheStep) {
  const std::string dir = prepare_run("fail_nangrad", false, 50);
  const TimedResult r = train_run(dir, 2, 8, "", "MANET_TEST_FAULT=nangrad:rank=1:step=3 ");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(count_of(r.output, "the gradients are not finite at step 3 (from rank(s) 1)"), 1) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir + "/ckpt/step-00000002.h5"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/ckpt/step-00000003.h5"));
  // The last checkpoint holds no NaN: the bad step was never taken.
  for (float v : load_final(dir, "ckpt", 2).params) ASSERT_TRUE(std::isfinite(v));
}

}  // namespace manet::testing
