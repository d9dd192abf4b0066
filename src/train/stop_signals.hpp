#pragma once
// Preemption as a non-event. While a StopSignals lives, the configured signals (default
// SIGINT, SIGTERM, SIGUSR1) only set a flag; the training loop reads it at every step,
// the ranks agree on it (any rank's signal stops all), write a checkpoint and leave
// with status 0. A second SIGINT ends the process at once (exit 130).
#include <string>
#include <vector>

namespace manet {

class StopSignals {
 public:
  // `report`: this process prints a line when a signal arrives (rank 0).
  StopSignals(const std::vector<int>& signals, bool report);
  ~StopSignals();  // restores the previous handlers
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  int received() const;                 // the first signal's number, 0 when none
  double seconds_since_signal() const;  // since that signal arrived (0 when none)

 private:
  std::vector<int> signals_;
};

// "SIGTERM" for SIGTERM.
const char* signal_name(int sig);

// When Slurm started this job again after a requeue (SLURM_RESTART_COUNT > 0, as after
// cluster/preemptible.sh's `scontrol requeue`): "Slurm job 1234 restarted (restart 2)";
// otherwise "".
std::string slurm_requeue_note();

}  // namespace manet
