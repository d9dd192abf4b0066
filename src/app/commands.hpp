#pragma once
#include <CLI/CLI.hpp>

#include "comm/comm.hpp"

namespace manet {

// Registers train, eval, inspect, prepare, predict and report on `app`; each runs from its callback on the ranks
// of `comm`.
void add_commands(CLI::App& app, comm::Comm& comm);

}  // namespace manet
