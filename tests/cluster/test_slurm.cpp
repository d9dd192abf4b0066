// manet under a real Slurm on this machine (cluster/local-slurm.sh: munged, slurmctld,
// slurmd, all state in a temporary directory, started once for this binary): a batch job
// trains to the end; a preempted job checkpoints, requeues itself and resumes to the
// same bits as an uninterrupted run; a job that hits its time limit leaves a durable
// checkpoint before Slurm's KillWait. Needs root (daemons, apt): without it every test
// skips and ctest shows the entry as skipped (MANET_SKIPPED); as root, a cluster that
// cannot be started fails every test.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "comm/run_harness.hpp"

namespace manet::testing {

namespace {

std::string g_slurm_conf;   // empty: no cluster
std::string g_skip_reason;  // not root: the tests skip
std::string g_start_failure;

std::string slurm(const std::string& command) {
  return "SLURM_CONF=" + g_slurm_conf + " " + command;
}

// A port p with p and p + 1 free on 127.0.0.1 (slurmctld, slurmd): another Slurm on this
// machine, e.g. another checkout's tests, must not make this one fail.
int free_port_pair() {
  auto in_use = [](int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return connected;
  };
  for (int port = 17817; port < 17817 + 200; port += 2)
    if (!in_use(port) && !in_use(port + 1)) return port;
  return 17817;  // local-slurm.sh then says which port is taken
}

class LocalSlurm : public ::testing::Environment {
 public:
  void SetUp() override {
    if (::geteuid() != 0) {
      g_skip_reason = "not root: a local Slurm needs root (daemons, apt-get)";
      std::printf("MANET_SKIPPED: %s\n", g_skip_reason.c_str());
      return;
    }
    dir_ = fresh_dir("slurm");
    const int port = free_port_pair();
    const CommandResult r = run_command("SLURM_LOCAL_PORT=" + std::to_string(port) + " " MANET_SOURCE_DIR
                                        "/cluster/local-slurm.sh start " + dir_);
    const auto at = r.output.find("export SLURM_CONF=");
    if (r.exit_code != 0 || at == std::string::npos) {
      g_start_failure = "cannot start a local Slurm as root (exit " + std::to_string(r.exit_code) + "): " + r.output;
      return;
    }
    g_slurm_conf = r.output.substr(at + 18, r.output.find('\n', at) - at - 18);
  }
  void TearDown() override {  // also what a failed start left running
    if (!dir_.empty()) run_command(MANET_SOURCE_DIR "/cluster/local-slurm.sh stop " + dir_);
  }

 private:
  std::string dir_;
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new LocalSlurm);

struct JobState {
  std::string state, reason, exit_code;
};

JobState job_state(const std::string& id) {
  const CommandResult r = run_command(slurm("scontrol show job -o " + id));
  JobState s;
  std::smatch m;
  if (std::regex_search(r.output, m, std::regex(R"(JobState=(\S+))"))) s.state = m[1];
  if (std::regex_search(r.output, m, std::regex(R"(Reason=(\S+))"))) s.reason = m[1];
  if (std::regex_search(r.output, m, std::regex(R"( ExitCode=(\S+))"))) s.exit_code = m[1];
  return s;
}

// Polls (sbatch --wait polls after 2, 10, 42 s) until the job is in one of `states`.
JobState wait_for_state(const std::string& id, const std::vector<std::string>& states, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  JobState s;
  while (std::chrono::steady_clock::now() < end) {
    s = job_state(id);
    for (const std::string& want : states)
      if (s.state == want) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return s;
}

std::string submit(const std::string& options_and_script) {
  const CommandResult r = run_command("cd " MANET_SOURCE_DIR " && MANET=" + manet_binary() + " " +
                                      slurm("sbatch --parsable " + options_and_script));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output.substr(0, r.output.find_first_of(";\n"));
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

#define REQUIRE_SLURM()                                       \
  if (!g_skip_reason.empty()) GTEST_SKIP() << g_skip_reason; \
  ASSERT_TRUE(g_start_failure.empty()) << g_start_failure

}  // namespace

TEST(Slurm, ATwoTaskBatchJobTrainsToTheEnd) {
  REQUIRE_SLURM();
  const std::string dir = prepare_run("slurm_plain", false, 30);
  const std::string id = submit("--output=" + dir + "/log cluster/train.sbatch " + dir + "/run.yaml --set train.batch_size=8");
  const JobState s = wait_for_state(id, {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"}, 120);
  const std::string log = read_text(dir + "/log");
  EXPECT_EQ(s.state, "COMPLETED") << log;
  EXPECT_EQ(s.exit_code, "0:0") << log;
  EXPECT_NE(log.find("(2 ranks x 8) | 30 steps"), std::string::npos) << log;
  EXPECT_NE(log.find("done: 30 steps"), std::string::npos) << log;
}

TEST(Slurm, MpirunInsideABatchJobTrainsToTheEnd) {
  REQUIRE_SLURM();
  const std::string dir = prepare_run("slurm_mpirun", false, 20);
  const std::string id =
      submit("--output=" + dir + "/log cluster/train-mpirun.sbatch " + dir + "/run.yaml --set train.batch_size=8");
  const JobState s = wait_for_state(id, {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"}, 120);
  const std::string log = read_text(dir + "/log");
  EXPECT_EQ(s.state, "COMPLETED") << log;
  EXPECT_NE(log.find("(2 ranks x 8) | 20 steps"), std::string::npos) << log;
  EXPECT_NE(log.find("done: 20 steps"), std::string::npos) << log;
}

TEST(Slurm, APreemptedJobCheckpointsRequeuesAndResumesBitwise) {
  REQUIRE_SLURM();
  const long steps = 4000;
  const std::string dir = prepare_run("slurm_preempt", false, steps, "");
  const std::string sets = " --set train.batch_size=8 --set checkpoint.every_steps=0 --set train.log_every_steps=100";
  // The uninterrupted reference: the same 2 ranks under mpirun.
  const CommandResult ref = run_command(std::string(MANET_MPIRUN_PATH) + " -np 2 " + manet_binary() + " train --config " +
                                      dir + "/run.yaml" + sets + " --set checkpoint.dir=" + dir + "/straight");
  ASSERT_EQ(ref.exit_code, 0) << ref.output;

  const std::string id = submit("--output=" + dir + "/log cluster/train.sbatch " + dir + "/run.yaml" + sets);
  // Events, not a clock: the job has trained 300 steps (however slowly a loaded machine
  // starts it); the bound only ends a wait for a job that never gets there.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  while (read_text(dir + "/log").find("step  300/") == std::string::npos) {
    const std::string state = job_state(id).state;
    ASSERT_TRUE(state == "PENDING" || state == "RUNNING" || state == "CONFIGURING")
        << "the job ended (" << state << ") before step 300:\n" << read_text(dir + "/log");
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "no step 300 after 5 minutes:\n" << read_text(dir + "/log");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const double t_signal = unix_now();
  ASSERT_EQ(run_command(slurm("scancel --signal=USR1 --batch " + id)).exit_code, 0);
  const JobState pending = wait_for_state(id, {"PENDING"}, 180);
  const double t_pending = unix_now();
  ASSERT_EQ(pending.state, "PENDING") << read_text(dir + "/log");
  // A requeued job waits ~120 s (Reason=BeginTime, "None" for a moment first) unless released.
  ASSERT_EQ(run_command(slurm("scontrol update JobId=" + id + " StartTime=now")).exit_code, 0);
  const JobState done = wait_for_state(id, {"COMPLETED", "FAILED", "CANCELLED"}, 180);
  const double t_done = unix_now();
  const std::string log = read_text(dir + "/log");
  ASSERT_EQ(done.state, "COMPLETED") << log;
  EXPECT_NE(log.find("stopped by SIGUSR1 after step "), std::string::npos) << log;
  EXPECT_NE(log.find("== requeueing job " + id), std::string::npos) << log;
  EXPECT_NE(log.find("== job " + id + " start 1"), std::string::npos) << log;
  EXPECT_NE(log.find("resuming from " + dir + "/ckpt/step-"), std::string::npos) << log;
  expect_same_state(load_final(dir, "ckpt", steps), load_final(dir, "straight", steps));
  std::printf("timeline: USR1 sent -> requeued (PENDING) %.2f s -> released, resumed and finished %.2f s\n",
              t_pending - t_signal, t_done - t_pending);
}

TEST(Slurm, AJobAtItsTimeLimitLeavesADurableCheckpointWithinKillWait) {
  REQUIRE_SLURM();
  const std::string dir = prepare_run("slurm_timeout", false, 100000000);
  const std::string id = submit("--time=1 -n 2 --output=" + dir + "/log --wrap='srun --mpi=pmix " + manet_binary() +
                                " train --config " + dir + "/run.yaml --set train.batch_size=8 --set "
                                "checkpoint.every_steps=0 --set train.log_every_steps=1000'");
  const JobState s = wait_for_state(id, {"TIMEOUT", "COMPLETED", "FAILED", "CANCELLED"}, 200);
  const std::string log = read_text(dir + "/log");
  EXPECT_EQ(s.state, "TIMEOUT") << log;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(stopped by SIGTERM after step (\d+) of \d+: checkpoint (\S+) durable ([0-9.]+) s)")))
      << log;
  EXPECT_LT(std::stod(m[3]), 30.0) << "KillWait is 30 s";
  EXPECT_EQ(load_final(dir, "ckpt", std::stol(m[1])).position.step, std::stol(m[1]));
}

}  // namespace manet::testing
