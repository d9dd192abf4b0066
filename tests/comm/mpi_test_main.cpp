// The main of test binaries that run under mpirun (one process per rank) or alone (the
// single-process backend). Every rank runs every test - they are collective - and only
// rank 0 prints gtest's report; other ranks print their failures with their rank, and
// any failing rank makes mpirun exit non-zero.
#include <gtest/gtest.h>

#include <cstdio>

#include "comm/comm.hpp"
#include "comm/test_world.hpp"

namespace manet::testing {

comm::Comm* g_world = nullptr;

namespace {

class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& r) override {
    if (r.failed())
      std::fprintf(stderr, "[rank %d] %s:%d: failure\n%s\n", rank_, r.file_name() ? r.file_name() : "?",
                   r.line_number(), r.summary());
  }

 private:
  int rank_;
};

}  // namespace
}  // namespace manet::testing

int main(int argc, char** argv) {
  manet::comm::Session session(&argc, &argv);
  manet::testing::g_world = &session.world();
  ::testing::InitGoogleTest(&argc, argv);
  const int rank = session.world().rank();
  if (rank > 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new manet::testing::RankFailurePrinter(rank));
  }
  return RUN_ALL_TESTS();
}
