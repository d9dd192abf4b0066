// Two hosts x two ranks, with the hosts made of network namespaces on this machine
// (tests/cluster/fake-hosts.sh; ranks started through tests/cluster/netns-rsh), train
// to the same parameters as one host x four ranks, and the gradients really crossed the
// hosts' links over TCP (their byte counters; the one-host run moves nothing on them).
// Needs root: without it the test skips and ctest shows the entry as skipped
// (MANET_SKIPPED), and so in a chroot (/ not a mount point, which ip netns must remount);
// otherwise, as root, namespaces that cannot be made fail it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "comm/run_harness.hpp"

namespace manet::testing {

namespace {

const std::string kHosts = MANET_SOURCE_DIR "/tests/cluster/fake-hosts.sh";
std::string g_skip_reason;  // not root, or / is not a mount point: the test skips
std::string g_setup_failure;

// Whether / is a mount point in this process's view (a line of /proc/self/mountinfo whose
// fifth field is "/"). In a chroot it is not, and `ip netns` cannot remount it there.
bool root_is_a_mount_point() {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return true;  // cannot tell: try, and fail loudly if it does not work
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 5 && fields >> field; ++i) {
    }
    if (field == "/") return true;
  }
  return false;
}

class FakeHosts : public ::testing::Environment {
 public:
  void SetUp() override {
    if (::geteuid() != 0) {
      g_skip_reason = "not root: network namespaces need root";
      std::printf("MANET_SKIPPED: %s\n", g_skip_reason.c_str());
      return;
    }
    if (!root_is_a_mount_point()) {  // e.g. a chroot
      g_skip_reason = "/ is not a mount point here (a chroot?): ip netns cannot make its mounts";
      std::printf("MANET_SKIPPED: %s\n", g_skip_reason.c_str());
      return;
    }
    const CommandResult r = run_command(kHosts + " up 2");
    if (r.exit_code != 0) g_setup_failure = "cannot make network namespaces as root: " + r.output;
  }
  void TearDown() override {
    if (g_skip_reason.empty()) run_command(kHosts + " down 2");
  }
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new FakeHosts);

long link_bytes() { return std::stol(run_command(kHosts + " bytes 2").output); }

}  // namespace

TEST(MultiHost, TwoHostsTimesTwoRanksMatchOneHostTimesFourOverTcp) {
  if (!g_skip_reason.empty()) GTEST_SKIP() << g_skip_reason;
  ASSERT_TRUE(g_setup_failure.empty()) << g_setup_failure;
  const long steps = 8;
  const std::string dir = prepare_run("multihost", false, steps);
  const long before_one = link_bytes();
  const TimedResult one = train_run(dir, 4, 4, "", "", "one_host");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  EXPECT_NE(one.output.find("| 1 host(s),"), std::string::npos) << one.output;
  const long one_host_bytes = link_bytes() - before_one;

  const long before_two = link_bytes();
  const CommandResult two = run_command(
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --mca plm_rsh_agent " MANET_SOURCE_DIR
      "/tests/cluster/netns-rsh --host h1:2,h2:2 -np 4 --bind-to none --mca oob_tcp_if_include 10.77.0.0/24 "
      "--mca btl_tcp_if_include 10.77.0.0/24 --mca mpi_yield_when_idle 1 -x OPENBLAS_NUM_THREADS=1 " +
      manet_binary() + " train --config " + dir + "/run.yaml --set train.batch_size=4 --set checkpoint.dir=" + dir +
      "/two_hosts");
  const long two_host_bytes = link_bytes() - before_two;
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_NE(two.output.find("(4 ranks x 4) | 8 steps | 2 host(s),"), std::string::npos) << two.output;

  const CheckpointContents a = load_final(dir, "two_hosts", steps), b = load_final(dir, "one_host", steps);
  EXPECT_LT(worst_difference(a.params, b.params), 1e-6);
  // Each step all-reduces every gradient between the hosts: at least params x 4 bytes
  // cross the links per step (plus the loss, evaluation sums and checksums).
  const long gradient_bytes = long(a.params.size()) * 4 * steps;
  EXPECT_GT(two_host_bytes, gradient_bytes) << "bytes on the fake hosts' links: " << two_host_bytes;
  EXPECT_LT(one_host_bytes, 1024) << "a one-host run must not use the fake hosts' links";
  std::printf("bytes across the hosts' links: %ld (gradients alone: %ld); one-host run: %ld\n", two_host_bytes,
              gradient_bytes, one_host_bytes);
}

}  // namespace manet::testing
