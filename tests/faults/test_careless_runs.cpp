// What a careless user does to runs, through the real binary (one process where ranks do
// not matter): an old run's files in checkpoint.dir, outputs and data that fail only later,
// two runs in one directory, ranks started with different subcommands, a model too big,
// refusals that would leave an empty directory. Test names carry the case number (C01..)
// of docs/faults.md; each asserts the exit code, the message and what is on disk.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "checkpoint/run_directory.hpp"
#include "comm/run_harness.hpp"

namespace manet::testing {

namespace {

namespace fs = std::filesystem;

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// The files moved aside by runs in `dir` (DIR/set-aside/*/NAME).
std::set<std::string> set_aside_names(const std::string& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(dir + "/set-aside", ec))
    for (const auto& e : fs::directory_iterator(d.path(), ec)) out.insert(e.path().filename().string());
  return out;
}

// Every "run" id in metrics.jsonl.
std::set<std::string> runs_in_metrics(const std::string& path) {
  std::set<std::string> ids;
  std::ifstream in(path);
  const std::regex run(R"re("run":"([^"]*)")re");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, run)) ids.insert(m[1]);
  }
  return ids;
}

}  // namespace

// C01: keep_last pruned by step number across runs, deleting the new run's own checkpoint.
TEST(Careless, C01_ResumeNeverMovesAnOldRunAsideAndKeepLastPrunesOnlyThisRun) {
  const std::string dir = prepare_run("c01_old_run", false, 5);
  const std::string keep = "--set checkpoint.keep_last=3 ";
  ASSERT_EQ(train_run(dir, 1, 16, keep).exit_code, 0);  // steps 3-5 remain of the old run
  EXPECT_EQ(names_in(dir + "/ckpt"),
            (std::vector<std::string>{".manet.lock", "metrics.jsonl", "step-00000003.h5", "step-00000004.h5",
                                      "step-00000005.h5"}));
  const TimedResult r = train_run(dir, 1, 16, keep + "--set checkpoint.resume=never --set train.max_steps=2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("moved 4 file(s) of an earlier run out of the way, to " + dir + "/ckpt/set-aside/"),
            std::string::npos)
      << r.output;
  EXPECT_TRUE(fs::exists(dir + "/ckpt/step-00000002.h5")) << "the final checkpoint must stay";
  EXPECT_TRUE(fs::exists(dir + "/ckpt/step-00000001.h5"));
  for (const char* old : {"step-00000003.h5", "step-00000004.h5", "step-00000005.h5"})
    EXPECT_FALSE(fs::exists(dir + "/ckpt/" + std::string(old))) << old;
  EXPECT_EQ(set_aside_names(dir + "/ckpt"), (std::set<std::string>{"metrics.jsonl", "step-00000003.h5",
                                                                    "step-00000004.h5", "step-00000005.h5"}));
  EXPECT_EQ(runs_in_metrics(dir + "/ckpt/metrics.jsonl").size(), 1u) << "metrics.jsonl holds one run";
  const TimedResult again = train_run(dir, 1, 16, keep + "--set train.max_steps=2");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("the run is already finished (step 2 of 2)"), std::string::npos) << again.output;
}

TEST(Careless, C01_AZeroByteCheckpointIsSetAsideAndTheNewOneKept) {
  const std::string dir = prepare_run("c01_zero_byte", false, 2);
  ASSERT_EQ(train_run(dir, 1, 16, "--set checkpoint.keep_last=1").exit_code, 0);
  write_file(dir + "/ckpt/step-00000100.h5", "");
  const TimedResult r = train_run(dir, 1, 16, "--set checkpoint.keep_last=1 --set train.max_steps=4");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("skipping checkpoint " + dir + "/ckpt/step-00000100.h5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("resuming from " + dir + "/ckpt/step-00000002.h5 at step 2"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir + "/ckpt/step-00000004.h5")) << "the checkpoint just written must stay";
  EXPECT_FALSE(fs::exists(dir + "/ckpt/step-00000003.h5")) << "keep_last 1 prunes this run's older one";
  EXPECT_EQ(set_aside_names(dir + "/ckpt"), (std::set<std::string>{"step-00000100.h5"}));
}

TEST(Careless, C01_PruningNeverDeletesAnotherRunsCheckpoint) {
  const std::string dir = prepare_run("c01_other_run", false, 3);
  ASSERT_EQ(train_run(dir, 1, 16, "--set checkpoint.keep_last=1", "", "other").exit_code, 0);
  ASSERT_EQ(train_run(dir, 1, 16, "--set checkpoint.keep_last=1 --set train.max_steps=2").exit_code, 0);
  // Another run's newer checkpoint appears in this run's directory (copied by hand).
  fs::copy_file(dir + "/other/step-00000003.h5", dir + "/ckpt/step-00000003.h5");
  const auto theirs = read_checkpoint_identity(dir + "/ckpt/step-00000003.h5");
  const auto ours = read_checkpoint_identity(dir + "/ckpt/step-00000002.h5");
  ASSERT_TRUE(theirs && ours);
  ASSERT_NE(theirs->run_id, ours->run_id) << "two runs, two ids";
  const TimedResult r = train_run(dir, 1, 16, "--set checkpoint.keep_last=1 --set train.max_steps=6 "
                                              "--set checkpoint.resume=" + dir + "/ckpt/step-00000002.h5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(dir + "/ckpt/step-00000006.h5"));
  EXPECT_EQ(set_aside_names(dir + "/ckpt"), (std::set<std::string>{"step-00000003.h5"})) << "moved, not deleted";
}

// C02: errors that surfaced mid-run, after the work, costing the checkpoint.
TEST(Careless, C02_AnUnwritableTimelineIsRefusedAtStart) {
  const std::string dir = prepare_run("c02_timeline", false, 3);
  const TimedResult r = train_run(dir, 1, 16, "--set train.timeline=" + dir + "/no/such/dir/t.json");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("train.timeline " + dir + "/no/such/dir/t.json: its directory " + dir +
                          "/no/such/dir does not exist"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("step 1/"), std::string::npos) << "refused before training";
  EXPECT_FALSE(fs::exists(dir + "/ckpt"));
}

TEST(Careless, C02_ATimelineThatFailsToWriteLaterCostsNothing) {
  const std::string dir = prepare_run("c02_timeline_full", false, 3);
  const TimedResult r = train_run(dir, 1, 16, "--set train.timeline=/dev/full --set train.timeline_steps=2");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("manet: warning: could not write train.timeline /dev/full: No space left on device"),
            std::string::npos)
      << r.output;
  EXPECT_TRUE(fs::exists(dir + "/ckpt/step-00000003.h5")) << "the run went on to its final checkpoint";
}

TEST(Careless, C02_ATokenRowOfPaddingIsRefusedAtStartInTestAndTrainingData) {
  const std::string dir = prepare_run("c02_padding", true, 3);
  Dataset bad = load_hdf5_dataset(dir + "/data.h5");
  std::fill_n(bad.ids.begin() + 4 * 10, 10, 0);  // sample 4: padding only
  save_hdf5_dataset(dir + "/bad.h5", bad);
  for (const char* which : {"test", "train"}) {
    SCOPED_TRACE(which);
    const TimedResult r = train_run(dir, 1, 16, std::string("--set data.") + which + ".path=" + dir + "/bad.h5");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(dir + "/bad.h5: /x: sample 4 (of 64) has no token: every id is 0 (padding)"),
              std::string::npos)
        << r.output;
    EXPECT_EQ(r.output.find("step 1/"), std::string::npos) << "refused before training";
    EXPECT_FALSE(fs::exists(dir + "/ckpt"));
  }
}

// C03: two runs in one checkpoint.dir raced each other's files.
TEST(Careless, C03_ASecondRunInTheSameDirectoryIsRefusedNamingTheFirst) {
  const std::string dir = prepare_run("c03_lock", false, 100000);
  BackgroundRun first = BackgroundRun::start(manet_binary() + " train --config " + dir + "/run.yaml --set "
                                             "checkpoint.every_steps=0 --set train.log_every_steps=1",
                                             dir + "/first.log");
  ASSERT_TRUE(first.wait_for("/100000 | epoch 1", 120)) << read_text(dir + "/first.log");
  const TimedResult second = train_run(dir, 1, 16);
  EXPECT_EQ(second.exit_code, 2) << second.output;
  EXPECT_NE(second.output.find("checkpoint.dir " + dir + "/ckpt is in use by another run (pid " +
                               std::to_string(first.pid) + " on host "),
            std::string::npos)
      << second.output;
  EXPECT_FALSE(first.finished()) << "the first run goes on";
  first.signal(SIGKILL);  // a dead holder's lock goes with it
  first.wait(30);
  const TimedResult third = train_run(dir, 1, 16, "--set train.max_steps=1 --set checkpoint.resume=never");
  EXPECT_EQ(third.exit_code, 0) << third.output;
}

// C06: an MPMD launch with another subcommand on one rank ended in MPI_ERR_TRUNCATE.
TEST(Careless, C06_RanksWithDifferentSubcommandsAreRefusedOnce) {
  const std::string dir = prepare_run("c06_mpmd", false, 2);
  ASSERT_EQ(train_run(dir, 1, 16).exit_code, 0);
  const CommandResult r = run_command(std::string(MANET_MPIRUN_PATH) + " -np 1 " + manet_binary() + " train --config " +
                                      dir + "/run.yaml : -np 1 " + manet_binary() + " eval --checkpoint " + dir +
                                      "/ckpt/step-00000002.h5 --data " + dir + "/data.h5");
  EXPECT_NE(r.exit_code, 0) << r.output;
  const std::string line = "manet: error: the ranks were started with different subcommands: rank 0 runs 'manet "
                           "train', rank 1 runs 'manet eval'";
  EXPECT_NE(r.output.find(line), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(line), r.output.rfind(line)) << "printed once";
  EXPECT_EQ(r.output.find("MPI_ERR"), std::string::npos) << r.output;
}

// C07: 2.5 million hidden layers built a 180M-parameter model and then hung.
TEST(Careless, C07_AModelBeyondTheLimitsIsRefusedBeforeAnythingIsBuilt) {
  const std::string dir = prepare_run("c07_huge", false, 2);
  auto with_hidden = [&](int layers, const std::string& name) {
    std::string hidden = "[";
    for (int i = 0; i < layers; ++i) hidden += i ? ",8" : "8";
    write_file(dir + "/" + name,
               std::regex_replace(read_text(dir + "/run.yaml"), std::regex("hidden: \\[8\\]"), "hidden: " + hidden + "]"));
    return dir + "/" + name;
  };
  // The case as found: 2.5 million entries, a 5 MB file.
  const CommandResult huge = run_command(manet_binary() + " train --config " + with_hidden(2500000, "huge.yaml"));
  EXPECT_EQ(huge.exit_code, 2) << huge.output.substr(0, 2000);
  EXPECT_NE(huge.output.find("huge.yaml: the config file has 5000"), std::string::npos) << huge.output.substr(0, 2000);
  EXPECT_NE(huge.output.find("a config is a few KB (at most 1048576 bytes are read)"), std::string::npos)
      << huge.output.substr(0, 2000);
  // Its neighbour in a small file: more layers than any MANet needs.
  const CommandResult many = run_command(manet_binary() + " train --config " + with_hidden(100, "many.yaml"));
  EXPECT_EQ(many.exit_code, 2) << many.output;
  EXPECT_NE(many.output.find("model.head.hidden: has 100 layers; at most 64 are supported"), std::string::npos)
      << many.output;
  // Two layers of 50,000: 2,500,550,522 parameters (50000 x 50000 + the rest, counted by
  // hand from tests/comm/run_harness.hpp's model), refused before allocating them.
  const TimedResult wide = train_run(dir, 1, 16, "--set 'model.head={hidden: [50000, 50000]}'");
  EXPECT_EQ(wide.exit_code, 2) << wide.output;
  EXPECT_NE(wide.output.find("model: the model has 2500550522 parameters, more than the 2147483647 one flat buffer "
                             "can index"),
            std::string::npos)
      << wide.output;
  EXPECT_FALSE(fs::exists(dir + "/ckpt"));
}

// C21: refusals left an empty checkpoint directory behind.
TEST(Careless, C21_ARefusedRunCreatesNoCheckpointDirectory) {
  const std::string dir = prepare_run("c21_nothing", false, 2);
  write_file(dir + "/empty.h5", "");
  const std::pair<std::string, std::string> cases[] = {
      {"--set train.batch_size=65", "the global batch (65 samples) is larger than the training set (64)"},
      {"--set checkpoint.resume=" + dir + "/missing.h5", "checkpoint.resume: " + dir + "/missing.h5: no such file"},
      {"--set checkpoint.resume=" + dir + "/empty.h5", "checkpoint.resume: " + dir + "/empty.h5: not a readable HDF5 file"},
      {"--set train.init_from=" + dir + "/missing.h5", "train.init_from " + dir + "/missing.h5: no such file"},
  };
  for (const auto& [sets, message] : cases) {
    SCOPED_TRACE(sets);
    const TimedResult r = train_run(dir, 1, 16, sets);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(dir + "/ckpt")) << "no directory left behind";
  }
}

}  // namespace manet::testing
