// manet: train MANet data-parallel over MPI ranks. This file only wires the command
// line to the subcommands and turns errors into messages and exit codes:
//   - an error every rank agreed on (CollectiveError) is printed once and the ranks
//     leave normally;
//   - any other error is printed with its rank and ends the whole job (MPI_Abort), so
//     the other ranks never wait for a rank that is gone.
#include <CLI/CLI.hpp>
#include <cblas.h>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "app/commands.hpp"
#include "core/blas_core.hpp"
#include "core/error.hpp"
#include "core/float_env.hpp"
#include "core/isa.hpp"
#include "comm/comm.hpp"

namespace {

int exit_code(const manet::Error& e) { return e.kind() == manet::ErrorKind::usage ? 2 : 1; }

void print_error(const char* text, const manet::comm::Comm* comm) {
  if (comm && comm->size() > 1)
    std::fprintf(stderr, "manet: error: rank %d of %d: %s\n", comm->rank(), comm->size(), text);
  else
    std::fprintf(stderr, "manet: error: %s\n", text);
  std::fflush(stderr);
}

}  // namespace

int main(int argc, char** argv) {
  // First, before MPI or anything else starts: OpenBLAS's kernels as good as the CPU allows
  // (this may re-execute the program; core/blas_core.hpp).
  manet::use_best_blas_core(argv);
  manet::flush_subnormals_here();  // core/float_env.hpp: every computing thread of manet is this one
  try {
    manet::active_isa();  // MANET_ISA, when set, must name an instruction set this CPU has
  } catch (const manet::Error& e) {
    print_error(e.what(), nullptr);
    return exit_code(e);
  }
  // Line-buffered even into a pipe or a Slurm output file: progress shows as it happens.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  CLI::App app{"manet " MANET_VERSION
               " - train MANet, a self-attention classifier, data-parallel across MPI ranks.\n"
               "Run one process per rank under mpirun or srun; configure every run with a YAML file."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "manet " MANET_VERSION "\ncpu: " + manet::this_cpu().describe() +
                                        "\nBLAS: " + manet::blas_description() + "\nkernels: " +
                                        manet::isa_name(manet::active_isa()) + ", subnormals " +
                                        (manet::subnormals_flushed() ? "flushed (FTZ/DAZ)" : "kept"));
  app.footer("Examples:\n"
             "  manet train --config configs/fmnist.yaml\n"
             "  mpirun -np 2 manet train --config configs/fmnist.yaml --set train.batch_size=32\n"
             "  launch/mpirun.sh -np 4 build/manet train --config configs/fmnist.yaml\n"
             "  manet eval --checkpoint checkpoints/fmnist/step-00001000.h5 --data fashion_mnist:test\n"
             "  manet inspect checkpoints/fmnist/step-00001000.h5\n"
             "  manet report checkpoints/fmnist            (the run as one HTML page)\n"
             "Each subcommand has its own --help.");
  // One BLAS thread per rank unless the user says otherwise: ranks share the cores.
  if (!std::getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1);

  std::unique_ptr<manet::comm::Session> session;
  try {
    session = std::make_unique<manet::comm::Session>(&argc, &argv);
  } catch (const manet::Error& e) {
    print_error(e.what(), nullptr);
    return exit_code(e);
  }
  manet::comm::Comm& comm = session->world();
  manet::add_commands(app, comm);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0 with their text; every command-line mistake is a usage
    // error (exit 2, as for a bad config), printed once.
    if (e.get_exit_code() == 0) return comm.rank() == 0 ? app.exit(e) : 0;
    if (comm.rank() == 0) {
      std::fprintf(stderr, "manet: error: %s\n", e.what());
      std::fprintf(stderr, "Run 'manet --help' or 'manet SUBCOMMAND --help' for the options.\n");
    }
    return 2;
  } catch (const manet::CollectiveError& e) {
    if (e.report()) print_error(e.what(), nullptr);
    return exit_code(e);
  } catch (const manet::Error& e) {
    print_error(e.what(), &comm);
    if (comm.size() > 1) comm.abort(exit_code(e));
    return exit_code(e);
  } catch (const std::exception& e) {
    print_error(e.what(), &comm);
    if (comm.size() > 1) comm.abort(1);
    return 1;
  }
  return 0;
}
