// Two ranks on one GPU are refused up front (device/device.hpp: shared_gpu_problem), from
// the GPUs the ranks report having taken. Fake claims stand in for the device probe, so
// this runs on any machine: the one-GPU host of a two-rank job, a launcher that gives each
// rank its own CUDA_VISIBLE_DEVICES (every rank sees "device 0", all different GPUs), and
// two hosts whose GPUs have the same index.
#include <gtest/gtest.h>

#include "device/device.hpp"

namespace manet {

namespace {

const char* kH200 = "NVIDIA H200";

}  // namespace

TEST(GpuClaims, DistinctGpusPass) {
  EXPECT_EQ(shared_gpu_problem({make_gpu_claim("node1", "GPU-aaaa", kH200, 0, 2),
                                make_gpu_claim("node1", "GPU-bbbb", kH200, 1, 2)}),
            "");
}

TEST(GpuClaims, OneRankAloneAlwaysPasses) {
  EXPECT_EQ(shared_gpu_problem({make_gpu_claim("node1", "GPU-aaaa", kH200, 0, 1)}), "");
}

TEST(GpuClaims, TwoRanksOnTheOnlyGpuOfAHostAreRefusedNamingRanksHostAndGpu) {
  // local_rank % 1 device: both ranks took device 0.
  const std::string m = shared_gpu_problem({make_gpu_claim("node1", "GPU-aaaa", kH200, 0, 1),
                                            make_gpu_claim("node1", "GPU-aaaa", kH200, 0, 1)});
  EXPECT_NE(m.find("ranks 0 and 1 on host node1 would share one GPU (NVIDIA H200, GPU-aaaa, CUDA device 0)"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("2 rank(s) run on node1 and each sees 1 GPU(s)"), std::string::npos) << m;
  EXPECT_NE(m.find("--map-by ppr:1:node"), std::string::npos) << m;
  EXPECT_NE(m.find("device: cpu"), std::string::npos) << m;
}

TEST(GpuClaims, ThreeRanksOnTwoGpusNameTheSharedOne) {
  const std::string m = shared_gpu_problem({make_gpu_claim("n", "GPU-aaaa", kH200, 0, 2),
                                            make_gpu_claim("n", "GPU-bbbb", kH200, 1, 2),
                                            make_gpu_claim("n", "GPU-aaaa", kH200, 0, 2)});
  EXPECT_NE(m.find("ranks 0 and 2 on host n would share one GPU (NVIDIA H200, GPU-aaaa"), std::string::npos) << m;
  EXPECT_NE(m.find("3 rank(s) run on n and each sees 2 GPU(s)"), std::string::npos) << m;
}

TEST(GpuClaims, OwnVisibleDevicesPerRankPassThoughEveryIndexIsZero) {
  // srun --gpus-per-task=1: CUDA_VISIBLE_DEVICES differs per rank, each sees one GPU as device 0.
  EXPECT_EQ(shared_gpu_problem({make_gpu_claim("node1", "GPU-aaaa", kH200, 0, 1),
                                make_gpu_claim("node1", "GPU-bbbb", kH200, 0, 1),
                                make_gpu_claim("node1", "GPU-cccc", kH200, 0, 1)}),
            "");
}

TEST(GpuClaims, TheSameUuidOnTwoHostsIsNotShared) {
  // Per host: identical claims on different hosts are different GPUs.
  EXPECT_EQ(shared_gpu_problem({make_gpu_claim("node1", "GPU-aaaa", kH200, 0, 1),
                                make_gpu_claim("node2", "GPU-aaaa", kH200, 0, 1)}),
            "");
}

TEST(GpuClaims, LongNamesAreCutToTheirFields) {
  const GpuClaim c = make_gpu_claim(std::string(200, 'h'), "GPU-x", kH200, 3, 8);
  EXPECT_EQ(std::string(c.host).size(), sizeof c.host - 1);
  EXPECT_EQ(c.device, 3);
  EXPECT_EQ(c.visible, 8);
}

}  // namespace manet
