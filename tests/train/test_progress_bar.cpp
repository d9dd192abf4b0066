// What a run shows on a terminal: one live bar, redrawn in place, when standard output is a
// terminal (a pseudo-terminal from util-linux's `script`), also through launch/mpirun.sh;
// the plain lines of a log into a pipe; MANET_PROGRESS forcing either. metrics.jsonl is the
// same in every case.
#include <gtest/gtest.h>

#include "comm/run_harness.hpp"

namespace manet::testing {
namespace {

constexpr long kSteps = 6;  // 64 samples, 16 per step: an evaluation after step 4 and at the end
const std::string kErase = "\r\033[K";

// `command` with its standard output (and error) on a pseudo-terminal of 80 columns.
CommandResult on_terminal(const std::string& command) {
  return run_command("COLUMNS=80 script -qec \"" + command + "\" /dev/null");
}

std::string train_command(const std::string& dir, const std::string& env = "env -u MANET_PROGRESS",
                          const std::string& launcher = "") {
  return env + " " + launcher + manet_binary() + " train --config " + dir + "/run.yaml --set checkpoint.dir=" + dir +
         "/ckpt";
}

long train_records(const std::string& dir) {
  long n = 0;
  std::ifstream in(dir + "/ckpt/metrics.jsonl");
  for (std::string line; std::getline(in, line);) n += line.find("{\"event\":\"train\"") == 0;
  return n;
}

// The bar as drawn each time: the text after each erase, up to the next erase or line end.
std::vector<std::string> bar_drawings(const std::string& output) {
  std::vector<std::string> out;
  for (auto at = output.find(kErase); at != std::string::npos; at = output.find(kErase, at + 1)) {
    const auto begin = at + kErase.size();
    const auto end = output.find_first_of("\r\n", begin);
    if (end > begin) out.push_back(output.substr(begin, end - begin));
  }
  return out;
}

TEST(ProgressBar, OnATerminalOneLineIsRedrawnInPlace) {
  const std::string dir = prepare_run("bar_terminal", false, kSteps);
  const CommandResult r = on_terminal(train_command(dir));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<std::string> bars = bar_drawings(r.output);
  ASSERT_FALSE(bars.empty()) << r.output;
  EXPECT_EQ(bars.back().rfind("step 6/6 [", 0), 0u) << bars.back();
  for (const std::string& bar : bars) {
    EXPECT_LE(bar.size(), 79u) << "fits the 80 columns, or it could not be redrawn: " << bar;
    EXPECT_NE(bar.find("| epoch "), std::string::npos) << bar;
    EXPECT_NE(bar.find(" samples/s | ETA "), std::string::npos) << bar;
  }
  EXPECT_EQ(r.output.find("step 1/6 | epoch 1"), std::string::npos) << "no plain progress lines";
  EXPECT_NE(r.output.find("eval  step 4 | epoch 1 | test loss"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("eval  step 6 | epoch 2 | test loss"), std::string::npos) << r.output;
  EXPECT_EQ(train_records(dir), kSteps) << "metrics.jsonl as without the bar";
}

TEST(ProgressBar, IntoAPipeThePlainLinesStay) {
  const std::string dir = prepare_run("bar_pipe", false, kSteps);
  const CommandResult r = run_command(train_command(dir));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find('\033'), std::string::npos) << "no terminal control in a log";
  EXPECT_EQ(r.output.find('\r'), std::string::npos);
  for (long step = 1; step <= kSteps; ++step)
    EXPECT_NE(r.output.find("step " + std::to_string(step) + "/6 | epoch "), std::string::npos) << r.output;
  EXPECT_EQ(train_records(dir), kSteps);
}

TEST(ProgressBar, ManetProgressChoosesEitherWay) {
  const std::string lines = prepare_run("bar_forced_lines", false, kSteps);
  const CommandResult on_tty = on_terminal(train_command(lines, "MANET_PROGRESS=lines"));
  ASSERT_EQ(on_tty.exit_code, 0) << on_tty.output;
  EXPECT_EQ(on_tty.output.find(kErase), std::string::npos);
  EXPECT_NE(on_tty.output.find("step 6/6 | epoch 2"), std::string::npos) << on_tty.output;

  const std::string bar = prepare_run("bar_forced_bar", false, kSteps);
  const CommandResult piped = run_command(train_command(bar, "MANET_PROGRESS=bar"));
  ASSERT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_NE(piped.output.find(kErase + "step 6/6 ["), std::string::npos) << piped.output;

  const CommandResult bad = run_command(train_command(prepare_run("bar_bad", false, kSteps), "MANET_PROGRESS=fancy"));
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("MANET_PROGRESS is 'fancy': set it to bar, lines or auto"), std::string::npos)
      << bad.output;
}

// mpirun gives every rank a pseudo-terminal whatever its own output is: launch/mpirun.sh
// tells the ranks what its own output is.
TEST(ProgressBar, ThroughLaunchMpirunTheBarFollowsTheScriptsOutput) {
  const std::string tty = prepare_run("bar_mpirun_tty", false, kSteps);
  const CommandResult on_tty = on_terminal(train_command(tty, "env -u MANET_PROGRESS", launch_prefix(2)));
  ASSERT_EQ(on_tty.exit_code, 0) << on_tty.output;
  EXPECT_NE(on_tty.output.find(kErase + "step 6/6 ["), std::string::npos) << on_tty.output;

  // MANET_PROGRESS=auto, passed on as given: a rank started by mpirun cannot tell what
  // mpirun's output is, so it keeps to lines even on a terminal.
  const std::string tty_auto = prepare_run("bar_mpirun_tty_auto", false, kSteps);
  const CommandResult auto_on_tty = on_terminal(train_command(tty_auto, "MANET_PROGRESS=auto", launch_prefix(2)));
  ASSERT_EQ(auto_on_tty.exit_code, 0) << auto_on_tty.output;
  EXPECT_EQ(auto_on_tty.output.find(kErase), std::string::npos) << auto_on_tty.output;
  EXPECT_NE(auto_on_tty.output.find("step 6/6 | epoch "), std::string::npos) << auto_on_tty.output;

  const std::string pipe = prepare_run("bar_mpirun_pipe", false, kSteps);
  const CommandResult piped = run_command(train_command(pipe, "env -u MANET_PROGRESS", launch_prefix(2)));
  ASSERT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_EQ(piped.output.find('\033'), std::string::npos) << piped.output;
  EXPECT_NE(piped.output.find("step 6/6 | epoch "), std::string::npos) << piped.output;
}

}  // namespace
}  // namespace manet::testing
