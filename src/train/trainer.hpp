#pragma once
// `manet train`: one run from a config to its final checkpoint.
#include "config/config.hpp"
#include "comm/comm.hpp"

namespace manet {

// Trains as `config` says, one replica per rank of `comm`. Throws Error on failure
// (CollectiveError when every rank stops together); returns normally when the run is
// finished (or was already finished).
void train(Config config, comm::Comm& comm);

}  // namespace manet
