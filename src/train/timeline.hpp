#pragma once
// train.timeline: a Chrome-trace / Perfetto JSON of the first train.timeline_steps steps,
// one process per rank (pid = rank): the step's phases (data, forward, backward, waiting
// for the gradient all-reduce, optimizer) on one track and every layer's forward and
// backward on another. Open it at https://ui.perfetto.dev or chrome://tracing.
// Events are kept in memory (a few hundred bytes per step and rank) and rank 0 writes
// the file after the last recorded step; clocks are aligned by a barrier at the start.
#include <chrono>
#include <string>
#include <vector>

#include "comm/comm.hpp"

namespace manet {

class Timeline {
 public:
  using Clock = std::chrono::steady_clock;
  // An empty path turns it off; every call is then a no-op.
  Timeline(std::string path, long steps, comm::Comm& comm);

  bool enabled() const { return !path_.empty(); }
  bool recording(long step) const { return enabled() && step <= last_step_ && !written_; }
  void set_first_step(long step) { last_step_ = step + steps_; }
  // A finished span on `track` (0: step phases, 1: layers).
  void span(const char* name, int track, Clock::time_point begin, Clock::time_point end, long step);
  void span(const std::string& name, int track, Clock::time_point begin, Clock::time_point end, long step);
  // Collective: every rank calls it after step `step`; writes once the last step is in
  // (or at once with `run_ends`, for a run that stops earlier).
  void maybe_write(long step, bool run_ends = false);

 private:
  std::string path_;
  long steps_, last_step_ = 0;
  comm::Comm& comm_;
  Clock::time_point origin_;
  std::string events_;  // comma-separated JSON objects
  bool written_ = false;
};

}  // namespace manet
