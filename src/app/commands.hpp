#pragma once
#include <CLI/CLI.hpp>

namespace manet {

// Registers train, eval and inspect on `app`; each runs from its callback.
void add_commands(CLI::App& app);

}  // namespace manet
