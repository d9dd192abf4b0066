// GradientBuckets over NCCL on a GPU buffer, one rank (NCCL refuses two ranks on one GPU,
// and the test machines have at most one): the buckets' sum over one rank leaves the
// gradients as they were, every bucket completes in order, and a NaN is reported as this
// rank's. The multi-rank path shares plan_buckets and the order with MPI (tests/comm).
#include "comm/nccl_transport.hpp"
#include "gpu/gpu_test.hpp"

namespace manet {

using testing::OnDevice;
using testing::random_floats;

TEST(NcclBuckets, OneRankSumLeavesTheGradientsAndFlagsNaN) {
  MANET_REQUIRE_GPU();
  select_cuda_device(0);
  int argc = 1;
  char name[] = "manet_gpu_tests";
  char* args[] = {name, nullptr};
  char** argv = args;
  comm::Session session(&argc, &argv);
  comm::Comm& comm = session.world();
  ASSERT_EQ(comm.size(), 1);
  cuda::CudaRuntime rt;
  const long total = 10000;
  const std::vector<long> offsets = {0, 1000, 4000, 4100, 9000};
  auto grads = random_floats(total, 3);
  OnDevice<float> g(grads);
  const auto plan = comm::plan_buckets(total, offsets, 2048);
  comm::GradientBuckets buckets(std::make_unique<comm::NcclTransport>(comm, rt.context().stream, int(plan.size())),
                                g.get(), plan);
  ASSERT_EQ(buckets.buckets().size(), plan.size());
  for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) buckets.ready_from(*it);  // as backward reports
  buckets.finish();
  EXPECT_EQ(g.host(total), grads);
  EXPECT_TRUE(buckets.local_gradients_finite());

  grads[4321] = NAN;
  OnDevice<float> bad(grads);
  comm::GradientBuckets again(std::make_unique<comm::NcclTransport>(comm, rt.context().stream, int(plan.size())),
                              bad.get(), plan);
  again.finish();
  EXPECT_FALSE(again.local_gradients_finite());
}

}  // namespace manet
