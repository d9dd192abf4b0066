#include "app/commands.hpp"

#include "core/error.hpp"

namespace manet {

void add_commands(CLI::App& app) {
  auto* train = app.add_subcommand("train", "Train a model as a YAML config describes (one process per rank).");
  auto* eval = app.add_subcommand("eval", "Loss and accuracy of a checkpoint on a data set.");
  auto* inspect = app.add_subcommand("inspect", "Show what a checkpoint holds.");
  for (auto* cmd : {train, eval, inspect})
    cmd->callback([cmd] {
      throw Error("'manet " + cmd->get_name() + "' is not implemented in this build yet (issue [2/9])");
    });
}

}  // namespace manet
