// Resuming on several ranks: bitwise exact at the same world size; across world sizes
// (2 x 8 -> 1 x 16 -> 4 x 4, the same global batch) equal to the straight run up to
// float rounding; a changed global batch refused unless allowed; a stop signal reaching
// one rank stops all; SIGTERM to launch/mpirun.sh checkpoints instead of being killed.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "comm/run_harness.hpp"

namespace manet::testing {

namespace {

namespace fs = std::filesystem;
constexpr long kSteps = 10;



}  // namespace

TEST(ResumeRanks, TwoRanksStopOnOneRanksSignalAndResumeBitwise) {
  const std::string dir = prepare_run("resume_np2", false, kSteps);
  ASSERT_EQ(train_run(dir, 2, 8, "", "", "straight").exit_code, 0);
  const TimedResult stopped = train_run(dir, 2, 8, "", fault("sigusr1", 1, 5));
  ASSERT_EQ(stopped.exit_code, 0) << stopped.output;
  EXPECT_NE(stopped.output.find("stopped by a signal on another rank after step 5 of 10"), std::string::npos)
      << stopped.output;
  const TimedResult resumed = train_run(dir, 2, 8);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  expect_same_state(load_final(dir, "ckpt", kSteps), load_final(dir, "straight", kSteps));
}

TEST(ResumeRanks, AcrossWorldSizesWithTheSameGlobalBatch) {
  const std::string dir = prepare_run("resume_worlds", false, kSteps);
  ASSERT_EQ(train_run(dir, 1, 16, "", "", "straight").exit_code, 0);
  // Each leg must really stop where planned and the next really resume there: otherwise
  // the comparison below would be of a 1 x 16 run with itself.
  const TimedResult two = train_run(dir, 2, 8, "", fault("sigterm", 0, 3));
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_NE(two.output.find("stopped by SIGTERM after step 3 of 10"), std::string::npos) << two.output;
  const TimedResult one = train_run(dir, 1, 16, "", fault("sigterm", 0, 7));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  EXPECT_NE(one.output.find("resuming from " + dir + "/ckpt/step-00000003.h5 at step 3"), std::string::npos)
      << one.output;
  EXPECT_NE(one.output.find("written by 2 rank(s), continuing on 1 with the same global batch of 16"), std::string::npos)
      << one.output;
  EXPECT_NE(one.output.find("stopped by SIGTERM after step 7 of 10"), std::string::npos) << one.output;
  EXPECT_EQ(load_final(dir, "ckpt", 7).position.world_size, 1);
  const TimedResult four = train_run(dir, 4, 4);
  ASSERT_EQ(four.exit_code, 0) << four.output;
  EXPECT_NE(four.output.find("resuming from " + dir + "/ckpt/step-00000007.h5 at step 7"), std::string::npos)
      << four.output;
  EXPECT_NE(four.output.find("written by 1 rank(s), continuing on 4 with the same global batch of 16"),
            std::string::npos)
      << four.output;
  const CheckpointContents got = load_final(dir, "ckpt", kSteps), ref = load_final(dir, "straight", kSteps);
  EXPECT_EQ(got.position.world_size, 4);
  EXPECT_EQ(got.position.samples_seen, ref.position.samples_seen);
  EXPECT_EQ(got.position.epoch, ref.position.epoch);
  EXPECT_EQ(got.position.epoch_offset, ref.position.epoch_offset);
  EXPECT_LT(worst_difference(got.params, ref.params), 1e-6);  // summation order only
  EXPECT_LT(worst_difference(got.slots.at(0).second, ref.slots.at(0).second), 1e-6);
  ASSERT_EQ(got.position.history.size(), ref.position.history.size());
  for (std::size_t e = 0; e < got.position.history.size(); ++e) EXPECT_NEAR(got.position.history[e].test_loss, ref.position.history[e].test_loss, 1e-5);
}

TEST(ResumeRanks, AChangedGlobalBatchIsRefusedUnlessAllowed) {
  const std::string dir = prepare_run("resume_batch", false, kSteps);
  ASSERT_EQ(train_run(dir, 2, 8, "", fault("sigterm", 0, 3)).exit_code, 0);  // stops at sample 48 of 64
  const TimedResult refused = train_run(dir, 2, 12);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("the checkpoint was written with a global batch of 16 samples (2 rank(s)); this run's "
                                "is 24 (2 rank(s) x train.batch_size 12)"),
            std::string::npos)
      << refused.output;
  const TimedResult allowed = train_run(dir, 2, 4, "--set checkpoint.allow_global_batch_change=true");
  ASSERT_EQ(allowed.exit_code, 0) << allowed.output;
  EXPECT_NE(allowed.output.find("global batch changed from 16 to 8 (checkpoint.allow_global_batch_change), continuing "
                                "at sample 48 of epoch 1"),
            std::string::npos)
      << allowed.output;
  // 3 steps x 16 + 7 steps x 8 samples.
  EXPECT_EQ(load_final(dir, "ckpt", kSteps).position.samples_seen, 3 * 16 + 7 * 8);
}

TEST(ResumeRanks, SigtermToTheLauncherCheckpointsInsteadOfBeingKilled) {
  const std::string dir = prepare_run("resume_term", false, 1000000);
  BackgroundRun run = BackgroundRun::start(std::string(MANET_MPIRUN_PATH) + " -np 2 " + manet_binary() +
                                               " train --config " + dir + "/run.yaml --set train.batch_size=8",
                                           dir + "/log");
  ASSERT_TRUE(run.wait_for("eval  step 20 ", 30)) << read_text(run.log);
  run.signal(SIGTERM);
  EXPECT_EQ(run.wait(30), 0) << read_text(run.log);
  const std::string log = read_text(run.log);
  const auto at = log.find("stopped by SIGUSR1 after step ");
  ASSERT_NE(at, std::string::npos) << log;
  const long step = std::stol(log.substr(at + 30));
  EXPECT_TRUE(fs::exists(dir + "/ckpt/" + checkpoint_file_name(step))) << log;
}

}  // namespace manet::testing
