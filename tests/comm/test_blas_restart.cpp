// Under mpirun every rank restarts itself with the better BLAS core (core/blas_core.hpp)
// before MPI starts, and the job runs: the re-exec must not confuse the launcher.
#include <gtest/gtest.h>

#include "comm/run_harness.hpp"

namespace manet::testing {

TEST(BlasCore, EveryRankRestartsWithTheBetterCoreBeforeMpiStarts) {
  const std::string dir = prepare_run("blas_restart", false, 2);
  const TimedResult r = train_run(dir, 2, 8, "", "OPENBLAS_CORETYPE=Prescott ");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(upgraded from Prescott, set by OPENBLAS_CORETYPE: this CPU has"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("done: 2 steps"), std::string::npos) << r.output;
}

}  // namespace manet::testing
