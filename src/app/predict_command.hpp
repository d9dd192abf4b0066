#pragma once
#include <CLI/CLI.hpp>

#include "comm/comm.hpp"

namespace manet {

// `manet predict --checkpoint CKPT [--top K] [--json] INPUT...`: a trained model on image
// files, sound files or texts, with nothing but the checkpoint. One process.
void add_predict_command(CLI::App& app, comm::Comm& comm);

}  // namespace manet
