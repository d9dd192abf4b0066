#pragma once
#include <CLI/CLI.hpp>

#include "comm/comm.hpp"

namespace manet {

// `manet report RUN_DIR [--out FILE.html] [--png FILE.png]`: a run's metrics.jsonl as one
// self-contained HTML page (curves, the final evaluation, where the time went, the
// config), and optionally a PNG of it. One process.
void add_report_command(CLI::App& app, comm::Comm& comm);

}  // namespace manet
