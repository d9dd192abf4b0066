#pragma once
#include <CLI/CLI.hpp>

#include "comm/comm.hpp"

namespace manet {

// `manet prepare`: the built-in data sets (wn26, fort14, digits) and your own files
// (images, audio, text --from PATH). One process.
void add_prepare_command(CLI::App& app, comm::Comm& comm);

}  // namespace manet
