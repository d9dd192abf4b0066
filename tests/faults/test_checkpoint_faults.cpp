// Fault suite, checkpoints, through the real binary on one rank: a stop by each signal
// and a resume end bitwise equal to the straight run; a damaged newest checkpoint is
// named and skipped; kills during saves always leave a resumable directory; a
// checkpoint of another model, an unwritable directory and a full disk are refused
// cleanly; a second Ctrl-C aborts at once. (Resumes on several ranks and across world
// sizes: tests/comm/test_resume_ranks.cpp.)
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <random>

#include "core/error.hpp"
#include "comm/run_harness.hpp"

namespace manet::testing {

namespace {

namespace fs = std::filesystem;
constexpr long kSteps = 10;  // 64 samples / 16 = 4 steps per epoch: stops fall mid-epoch

// The uninterrupted run every resumed run must equal, computed once per binary.
const CheckpointContents& straight_run() {
  static const CheckpointContents c = [] {
    const std::string dir = prepare_run("resume_straight", false, kSteps);
    const TimedResult r = train_run(dir, 1, 16);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return load_final(dir, "ckpt", kSteps);
  }();
  return c;
}


// Flips one byte inside the stored values of the classifier's weight.
void flip_a_stored_weight(const std::string& path) {
  const CheckpointContents c = load_final(fs::path(path).parent_path().parent_path().string(),
                                          fs::path(path).parent_path().filename().string(),
                                          std::stol(fs::path(path).stem().string().substr(5)));
  std::string bytes = read_text(path);
  const std::string needle(reinterpret_cast<const char*>(c.params.data() + c.params.size() - 8), 16);
  const auto at = bytes.find(needle);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 6] ^= 0x20;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace

class S04S05StopSignal : public ::testing::TestWithParam<const char*> {};

TEST_P(S04S05StopSignal, StopsWithinOneStepWithACheckpointAndResumesBitwise) {
  const std::string sig = GetParam();
  const std::string dir = prepare_run("resume_" + sig, false, kSteps);
  const TimedResult stopped = train_run(dir, 1, 16, "", fault(sig, 0, 6));
  ASSERT_EQ(stopped.exit_code, 0) << stopped.output;
  std::string upper = "SIG" + sig.substr(3);
  for (char& ch : upper) ch = char(std::toupper(ch));
  EXPECT_NE(stopped.output.find("stopped by " + upper + " after step 6 of 10: checkpoint " + dir +
                                "/ckpt/step-00000006.h5 durable"),
            std::string::npos)
      << stopped.output;
  EXPECT_NE(read_text(dir + "/ckpt/metrics.jsonl").find("{\"event\":\"stopped\",\"step\":6"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir + "/ckpt/step-00000007.h5"));

  const TimedResult resumed = train_run(dir, 1, 16);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming from " + dir + "/ckpt/step-00000006.h5 at step 6 (epoch 2)"),
            std::string::npos)
      << resumed.output;
  expect_same_state(load_final(dir, "ckpt", kSteps), straight_run());
}

INSTANTIATE_TEST_SUITE_P(Signals, S04S05StopSignal, ::testing::Values("sigterm", "sigint", "sigusr1"),
                         [](const auto& info) { return std::string(info.param); });

class S07S08DamagedNewest : public ::testing::TestWithParam<const char*> {};

TEST_P(S07S08DamagedNewest, IsNamedSkippedAndTheRunEndsBitwiseEqual) {
  const std::string how = GetParam();
  const std::string dir = prepare_run("damaged_" + how, false, kSteps);
  ASSERT_EQ(train_run(dir, 1, 16, "", fault("sigterm", 0, 7)).exit_code, 0);
  const std::string newest = dir + "/ckpt/step-00000007.h5";
  ASSERT_TRUE(fs::exists(newest));
  if (how == "bitflip") {
    flip_a_stored_weight(newest);
  } else if (how == "truncated") {
    fs::resize_file(newest, fs::file_size(newest) * 2 / 3);
  } else {  // a /config whose CRC no longer matches: change one character of the YAML
    std::string bytes = read_text(newest);
    const auto at = bytes.find("label_smoothing: 0");
    ASSERT_NE(at, std::string::npos);
    bytes[at + 17] = '1';
    std::ofstream(newest, std::ios::binary | std::ios::trunc) << bytes;
  }
  const TimedResult resumed = train_run(dir, 1, 16);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  // The warning names the file and says what is wrong with it.
  const std::string reason = how == "bitflip"     ? ": cannot read /model/classifier.weight: the data is corrupt or truncated"
                             : how == "truncated" ? ": cannot open as HDF5: unable to open file; unable to read superblock; truncated file"
                                                  : ": /config is corrupt (its CRC-32 does not match the crc32 attribute)";
  EXPECT_NE(resumed.output.find("manet: warning: skipping checkpoint " + newest + ": " + newest + reason),
            std::string::npos)
      << resumed.output;
  EXPECT_NE(resumed.output.find("resuming from " + dir + "/ckpt/step-00000006.h5 at step 6"), std::string::npos)
      << resumed.output;
  expect_same_state(load_final(dir, "ckpt", kSteps), straight_run());
}

INSTANTIATE_TEST_SUITE_P(Damage, S07S08DamagedNewest, ::testing::Values("bitflip", "truncated", "config_crc"),
                         [](const auto& info) { return std::string(info.param); });

// checkpoint.keep_last: after each durable checkpoint all but the newest N are deleted;
// 0 keeps all.
TEST(Faults, Extra_KeepLastDeletesAllButTheNewest) {
  const std::string dir = prepare_run("keep_last", false, 6);
  auto listed = [&](const std::string& ckpt) {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir + "/" + ckpt))
      if (e.path().filename() != ".manet.lock") names.insert(e.path().filename().string());  // the run lock
    return names;
  };
  ASSERT_EQ(train_run(dir, 1, 16, "--set checkpoint.keep_last=2", "", "two").exit_code, 0);
  EXPECT_EQ(listed("two"), (std::set<std::string>{"metrics.jsonl", "step-00000005.h5", "step-00000006.h5"}));
  ASSERT_EQ(train_run(dir, 1, 16, "--set checkpoint.keep_last=0", "", "all").exit_code, 0);
  EXPECT_EQ(listed("all").size(), 7u) << "keep_last 0 keeps the 6 checkpoints";
  // What is kept still resumes: a longer run continues from step 6.
  const TimedResult more = train_run(dir, 1, 16, "--set checkpoint.keep_last=2 --set train.max_steps=8", "", "two");
  ASSERT_EQ(more.exit_code, 0) << more.output;
  EXPECT_NE(more.output.find("resuming from " + dir + "/two/step-00000006.h5 at step 6"), std::string::npos) << more.output;
  EXPECT_EQ(listed("two"), (std::set<std::string>{"metrics.jsonl", "step-00000007.h5", "step-00000008.h5"}));
}

// checkpoint.resume: PATH resumes from that file, not from the newest in the directory,
// and continues bitwise as if the run had never stopped there.
TEST(Faults, Extra_ResumeFromAnExplicitPathTakesThatFile) {
  const std::string dir = prepare_run("resume_path", false, kSteps);
  ASSERT_EQ(train_run(dir, 1, 16, "", fault("sigterm", 0, 7)).exit_code, 0);  // steps 1-7, every step saved
  const std::string chosen = dir + "/ckpt/step-00000004.h5";  // not the newest: auto would take step 7
  const TimedResult r = train_run(dir, 1, 16, "--set checkpoint.resume=" + chosen);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("resuming from " + chosen + " at step 4"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("step  5/"), std::string::npos) << "step 5 was trained again:\n" << r.output;
  expect_same_state(load_final(dir, "ckpt", kSteps), straight_run());
}

TEST(Faults, S09_ACheckpointOfAnotherModelIsRefusedNamingParameterAndShapes) {
  const std::string dir = prepare_run("other_model", false, 3);
  ASSERT_EQ(train_run(dir, 1, 16).exit_code, 0);
  const TimedResult r = train_run(dir, 1, 16, "--set 'model.head.hidden=[9]' --set train.max_steps=6");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("head.0.weight has shape [8, 6] in the checkpoint but [9, 6] in the configured model"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("holds checkpoints of a different model"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir + "/ckpt/step-00000006.h5"));
}

TEST(Faults, S11_AnUnwritableDirectoryIsRefusedBeforeTraining) {
  const std::string dir = prepare_run("unwritable", false, 3);
  write_file(dir + "/a_file", "not a directory\n");
  const TimedResult r = train_run(dir, 1, 16, "", "", "a_file/ckpt");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("checkpoint.dir " + dir + "/a_file/ckpt: " + dir + "/a_file is a file, not a directory"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(dir + "/ckpt")) << "nothing created";
  EXPECT_EQ(r.output.find("step 1/"), std::string::npos) << r.output;
}

// Events, not sleeps: the second SIGINT is sent once the save's temporary file exists. The
// save is stretched to a minute (MANET_TEST_SAVE_PAUSE_MS), so "at once" is any exit well
// before that; 10 s is generous on a loaded machine.
TEST(Faults, Extra_ASecondSigintAbortsAtOnceAndTheNextRunCleansUp) {
  const std::string dir = prepare_run("second_sigint", false, 1000);
  const std::string tmp = dir + "/ckpt/.step-00000003.h5.tmp";
  BackgroundRun run = BackgroundRun::start(
      fault("sigint", 0, 3) + "MANET_TEST_SAVE_PAUSE_MS=60000 " + manet_binary() + " train --config " + dir +
          "/run.yaml --set checkpoint.every_steps=0",
      dir + "/log");
  ASSERT_TRUE(run.wait_for("SIGINT again aborts", 120)) << read_text(run.log);
  const auto save_begins = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(tmp) && !run.finished() && std::chrono::steady_clock::now() < save_begins)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(fs::exists(tmp)) << "the save of step 3 never began:\n" << read_text(run.log);
  const auto t0 = std::chrono::steady_clock::now();
  run.signal(SIGINT);
  EXPECT_EQ(run.wait(30), 130) << read_text(run.log);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(took, 10) << "the second SIGINT waited for the save (a minute)";
  EXPECT_NE(read_text(run.log).find("second SIGINT: aborting now"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir + "/ckpt/step-00000003.h5"));
  EXPECT_TRUE(fs::exists(tmp));  // killed mid-save
  const TimedResult again = train_run(dir, 1, 16, "--set train.max_steps=2");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_FALSE(fs::exists(tmp)) << "stale temporary file not removed";
}

// checkpoint.every_minutes 0.02 = 1.2 s: a run is stopped (SIGTERM) once it has written
// three checkpoints on the clock, which must lie at least 1.2 s apart (less a little for the
// save itself). Read as seconds they would come every 0.02 s; as hours the wait gives up.
TEST(Faults, Extra_EveryMinutesWritesCheckpointsOnTheClock) {
  const std::string dir = prepare_run("minutes", false, 100000000);
  BackgroundRun run = BackgroundRun::start(
      manet_binary() + " train --config " + dir +
          "/run.yaml --set checkpoint.every_steps=0 --set checkpoint.every_minutes=0.02 --set checkpoint.keep_last=0"
          " --set train.log_every_steps=1000",
      dir + "/log");
  auto checkpoints = [&] {
    std::map<long, fs::file_time_type> written;  // step -> when the file was written
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir + "/ckpt", ec))
      if (e.path().extension() == ".h5" && e.path().filename().string().rfind("step-", 0) == 0)
        written[std::stol(e.path().stem().string().substr(5))] = fs::last_write_time(e.path());
    return written;
  };
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (checkpoints().size() < 3 && !run.finished() && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto on_the_clock = checkpoints();
  run.signal(SIGTERM);
  ASSERT_EQ(run.wait(60), 0) << read_text(run.log);
  ASSERT_GE(on_the_clock.size(), 3u) << "fewer than 3 checkpoints in 2 minutes:\n" << read_text(run.log);
  std::vector<double> gaps;
  for (auto it = std::next(on_the_clock.begin()); it != on_the_clock.end(); ++it)
    gaps.push_back(std::chrono::duration<double>(it->second - std::prev(it)->second).count());
  for (double gap : gaps) EXPECT_GT(gap, 1.1) << "checkpoints on a 1.2 s clock came " << gap << " s apart";
  std::printf("every_minutes 0.02: checkpoints %.2f s and %.2f s apart\n", gaps[0], gaps[1]);
}

TEST(Faults, S10_AFullDiskFailsCleanlyKeepingThePreviousCheckpoint) {
  const std::string dir = prepare_run("full_disk", false, 20);
  const std::string mnt = dir + "/small";
  fs::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0) {
    const int err = errno;
    if (::geteuid() != 0) GTEST_SKIP() << "not root: cannot mount the 1 MiB tmpfs this test fills (" << std::strerror(err) << ")";
    FAIL() << "cannot mount a tmpfs as root: " << std::strerror(err);
  }
  // Fill it so that about one checkpoint fits: measure one first.
  ASSERT_EQ(train_run(dir, 1, 16, "--set train.max_steps=1", "", "probe").exit_code, 0);
  const auto one = fs::file_size(dir + "/probe/step-00000001.h5");
  const auto free_now = fs::space(mnt).available;
  ASSERT_GT(free_now, one * 3 / 2);
  std::ofstream(mnt + "/ballast", std::ios::binary) << std::string(free_now - one * 3 / 2, 'x');
  const TimedResult r = train_run(dir, 1, 16, "--set checkpoint.every_steps=1 --set checkpoint.keep_last=0", "",
                                  "small/ckpt");
  const bool previous_loads = [&] {
    try {
      return load_final(dir, "small/ckpt", 1).position.step == 1;
    } catch (const Error&) {
      return false;
    }
  }();
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(mnt + "/ckpt"))
    if (e.path().filename() != "metrics.jsonl" && e.path().filename() != ".manet.lock")
      left.push_back(e.path().filename().string());
  ::umount2(mnt.c_str(), MNT_DETACH);
  EXPECT_TRUE(previous_loads) << "the checkpoint of step 1 must survive the failed save";
  EXPECT_EQ(left, (std::vector<std::string>{"step-00000001.h5"})) << "no temporary file may be left";
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("could not write checkpoint " + mnt + "/ckpt/step-00000002.h5"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("KiB are free there"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("The previous checkpoint, if any, is untouched"), std::string::npos) << r.output;
}

// SIGKILL at 20 random moments while checkpoints are being written (each save stretched
// to ~90 ms by the test-only pause: halfway through the file, before and after the
// rename): every time, resume finds a checkpoint that verifies and the run ends bitwise
// equal to the uninterrupted one.
TEST(Faults, S06_KilledAtRandomMomentsDuringSavesAlwaysResumesExactly) {
  std::mt19937 random(20261125);
  std::uniform_int_distribution<int> delay_ms(0, 700);
  int killed = 0, mid_save = 0;
  for (int i = 0; i < 20; ++i) {
    SCOPED_TRACE("kill " + std::to_string(i));
    const std::string dir = prepare_run("kill_" + std::to_string(i), false, kSteps);
    BackgroundRun run = BackgroundRun::start("MANET_TEST_SAVE_PAUSE_MS=90 " + manet_binary() + " train --config " + dir +
                                                 "/run.yaml",
                                             dir + "/log");
    ASSERT_TRUE(run.wait_for("step  1/", 20)) << read_text(run.log);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    run.signal(SIGKILL);
    killed += run.wait(10) == 128 + SIGKILL;
    // A temporary file left behind: this kill landed inside a save, before its rename.
    bool tmp_left = false;
    for (const auto& e : fs::directory_iterator(dir + "/ckpt")) tmp_left = tmp_left || e.path().extension() == ".tmp";
    mid_save += tmp_left;
    const TimedResult resumed = train_run(dir, 1, 16);
    ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
    expect_same_state(load_final(dir, "ckpt", kSteps), straight_run());
    for (const auto& e : fs::directory_iterator(dir + "/ckpt"))
      EXPECT_NE(e.path().extension(), ".tmp") << "resume left " << e.path();
  }
  EXPECT_GE(killed, 15) << "most kills must land before the run ends, or the test proves little";
  EXPECT_GE(mid_save, 5) << "too few kills landed inside a save (before its rename)";
  std::printf("[S06] %d of 20 kills landed before the run ended, %d inside a save before its rename\n", killed, mid_save);
}

}  // namespace manet::testing
