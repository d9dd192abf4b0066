#pragma once
// Where the time of a run went, over every rank: at the end of a run each rank's step
// phases and peak memory are gathered (collective), for the summary line and record.
#include <vector>

#include "comm/comm.hpp"
#include "train/progress.hpp"
#include "train/step_observers.hpp"

namespace manet {

struct RunTimes {
  StepTimes overall;            // this rank's phases; comm_floor and peak memory over all ranks
  std::vector<RankTimes> ranks;  // every rank's own, in rank order (the same on every rank)
};

// Collective: every rank calls it once, after its last step. `peak_device_mb`: this rank's
// peak GPU memory (0 on the CPU).
RunTimes gather_run_times(comm::Comm& comm, StepTimer& timer, double peak_device_mb);

}  // namespace manet
