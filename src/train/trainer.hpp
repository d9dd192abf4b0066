#pragma once
// `manet train`: one run from a config to its final checkpoint.
#include "config/config.hpp"

namespace manet {

// Trains as `config` says. Throws Error on failure; returns normally when the run is
// finished (or was already finished).
void train(Config config);

}  // namespace manet
