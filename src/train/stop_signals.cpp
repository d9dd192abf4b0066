#include "train/stop_signals.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>

namespace manet {

namespace {

volatile std::sig_atomic_t g_signal = 0;
volatile std::sig_atomic_t g_report = 0;
timespec g_when{};
std::map<int, struct sigaction> g_previous;

void say(const char* text) {
  if (g_report) [[maybe_unused]] auto n = ::write(STDERR_FILENO, text, std::strlen(text));
}

// Async-signal-safe only: flags, clock_gettime, write, _exit.
extern "C" void on_stop_signal(int sig) {
  if (g_signal != 0) {
    if (sig == SIGINT) {
      say("\nmanet: second SIGINT: aborting now, without a checkpoint\n");
      ::_exit(130);
    }
    return;
  }
  ::clock_gettime(CLOCK_MONOTONIC, &g_when);
  g_signal = sig;
  say(sig == SIGINT ? "\nmanet: SIGINT: stopping after this step with a checkpoint (SIGINT again aborts)\n"
                    : "\nmanet: stop signal: stopping after this step with a checkpoint\n");
}

}  // namespace

const char* signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    case SIGHUP: return "SIGHUP";
  }
  return "a signal";
}

std::string slurm_requeue_note() {
  const char* restarts = std::getenv("SLURM_RESTART_COUNT");
  if (!restarts || std::atol(restarts) <= 0) return "";
  const char* job = std::getenv("SLURM_JOB_ID");
  return "Slurm job " + std::string(job ? job + std::string(" ") : "") + "restarted (restart " +
         std::to_string(std::atol(restarts)) + ")";
}

StopSignals::StopSignals(const std::vector<int>& signals, bool report) : signals_(signals) {
  g_signal = 0;
  g_report = report;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // system calls in flight go on; the loop polls the flag
  for (int sig : signals_) sigaction(sig, &sa, &g_previous[sig]);
}

StopSignals::~StopSignals() {
  for (int sig : signals_) sigaction(sig, &g_previous[sig], nullptr);
}

int StopSignals::received() const { return g_signal; }

double StopSignals::seconds_since_signal() const {
  if (!g_signal) return 0;
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return double(now.tv_sec - g_when.tv_sec) + 1e-9 * double(now.tv_nsec - g_when.tv_nsec);
}

}  // namespace manet
