// manet: train MANet data-parallel over MPI ranks. This file only wires the command
// line to the subcommands and turns errors into messages and exit codes.
#include <CLI/CLI.hpp>
#include <cblas.h>
#include <cstdio>
#include <cstdlib>

#include "app/commands.hpp"
#include "core/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"manet " MANET_VERSION
               " - train MANet, a self-attention classifier, data-parallel across MPI ranks.\n"
               "Run one process per rank under mpirun or srun; configure every run with a YAML file."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "manet " MANET_VERSION);
  app.footer("Examples:\n"
             "  manet train --config configs/fmnist.yaml\n"
             "  mpirun -np 2 manet train --config configs/fmnist.yaml --set train.batch_size=32\n"
             "  manet eval --checkpoint checkpoints/fmnist/step-00001000.h5 --data fashion_mnist:test\n"
             "  manet inspect checkpoints/fmnist/step-00001000.h5\n"
             "Each subcommand has its own --help.");
  manet::add_commands(app);
  // One BLAS thread per rank unless the user says otherwise: ranks share the cores.
  if (!std::getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const manet::Error& e) {
    std::fprintf(stderr, "manet: error: %s\n", e.what());
    return e.kind() == manet::ErrorKind::usage ? 2 : 1;
  }
  return 0;
}
