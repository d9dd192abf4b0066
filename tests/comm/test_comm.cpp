// The communication API against closed forms, at whatever world size this runs with
// (ctest runs it at 1, 2, 3 and 4 ranks under mpirun, and once without mpirun).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <thread>

#include "core/error.hpp"
#include "comm/gradient_buckets.hpp"
#include "comm/row_sparse_sum.hpp"
#include "comm/test_world.hpp"

namespace manet::testing {

using comm::ReduceOp;

TEST(Comm, RankAndSizeMatchTheLauncher) {
  comm::Comm& c = world();
  const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
  EXPECT_EQ(c.size(), size ? std::atoi(size) : 1);
  const char* rank = std::getenv("OMPI_COMM_WORLD_RANK");
  EXPECT_EQ(c.rank(), rank ? std::atoi(rank) : 0);
  EXPECT_STREQ(c.backend(), size ? "mpi" : "single");
}

TEST(Comm, AllReduceSumOfRankDependentData) {
  comm::Comm& c = world();
  const long n = 1000;
  const double s = c.size(), triangle = s * (s + 1) / 2;  // sum over ranks of (rank + 1)
  std::vector<float> f(n);
  std::vector<double> d(n);
  std::vector<int64_t> k(n);
  for (long i = 0; i < n; ++i) f[i] = float((c.rank() + 1) * (i + 1)), d[i] = f[i] * 0.5, k[i] = (c.rank() + 1) * i;
  c.all_reduce(f.data(), n, ReduceOp::sum, "test");
  c.all_reduce(d.data(), n, ReduceOp::sum, "test");
  c.all_reduce(k.data(), n, ReduceOp::sum, "test");
  for (long i = 0; i < n; ++i) {
    ASSERT_EQ(f[i], float(triangle * (i + 1))) << i;
    ASSERT_EQ(d[i], triangle * (i + 1) * 0.5) << i;
    ASSERT_EQ(k[i], int64_t(triangle) * i) << i;
  }
}

TEST(Comm, AllReduceMinAndMax) {
  comm::Comm& c = world();
  int64_t v[3] = {10 * c.rank() - 3, -c.rank(), 7};
  int64_t w[3] = {v[0], v[1], v[2]};
  c.all_reduce(v, 3, ReduceOp::min, "test");
  c.all_reduce(w, 3, ReduceOp::max, "test");
  EXPECT_EQ(v[0], -3);
  EXPECT_EQ(v[1], -(c.size() - 1));
  EXPECT_EQ(v[2], 7);
  EXPECT_EQ(w[0], 10 * (c.size() - 1) - 3);
  EXPECT_EQ(w[1], 0);
  EXPECT_EQ(c.all_reduce_one<double>(c.rank() + 0.5, ReduceOp::max, "test"), c.size() - 0.5);
}

TEST(Comm, BroadcastFromTheLastRank) {
  comm::Comm& c = world();
  const int root = c.size() - 1;
  std::vector<double> v(300, -1.0);
  if (c.rank() == root) std::iota(v.begin(), v.end(), 1000.0 * root);
  c.broadcast(v.data(), long(v.size() * sizeof(double)), root, "test");
  for (std::size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i], 1000.0 * root + double(i));

  std::string s = c.rank() == root ? "from rank " + std::to_string(root) : "";
  c.broadcast_string(s, root, "test");
  EXPECT_EQ(s, "from rank " + std::to_string(root));
  std::vector<int64_t> sized(c.rank() == root ? 5 + root : 1, c.rank());
  c.broadcast_vector(sized, root, "test");
  EXPECT_EQ(sized, std::vector<int64_t>(5 + root, root));
}

TEST(Comm, AllGatherInRankOrder) {
  comm::Comm& c = world();
  const auto all = c.all_gather_one<uint64_t>(uint64_t(c.rank()) * c.rank() + 1, "test");
  ASSERT_EQ(all.size(), std::size_t(c.size()));
  for (int r = 0; r < c.size(); ++r) EXPECT_EQ(all[r], uint64_t(r) * r + 1);
  c.barrier("test");
}

TEST(Comm, NonBlockingAllReducesCompleteInAnyOrder) {
  comm::Comm& c = world();
  std::vector<float> a(50000, float(c.rank())), b(10, 1.0f);
  const int ta = c.start_all_reduce(a.data(), long(a.size()), comm::DType::f32, ReduceOp::sum, "a");
  const int tb = c.start_all_reduce(b.data(), long(b.size()), comm::DType::f32, ReduceOp::sum, "b");
  c.wait(tb);
  while (!c.test(ta)) {
  }
  const float ranks_sum = float(c.size() * (c.size() - 1) / 2);
  for (float x : a) ASSERT_EQ(x, ranks_sum);
  for (float x : b) ASSERT_EQ(x, float(c.size()));
}

// Rank 1 stalls until rank 0 has given up - an event (a file rank 0 creates), not a race
// between the deadline and a sleep that a loaded machine can lose; then the two meet at
// the barrier rank 0 abandoned. ctest runs it at 2, 3 and 4 ranks.
TEST(Comm, StalledPeerTimesOutNamingTheCollective) {
  comm::Comm& c = world();
  if (c.size() < 2) GTEST_SKIP() << "needs two ranks";
  std::string gave_up;  // the file rank 0 creates once its barrier has timed out
  if (c.rank() == 0) {
    char dir[] = "/tmp/manet_stalled_peer_XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    gave_up = std::string(dir) + "/rank0_gave_up";
  }
  c.broadcast_string(gave_up, 0, "test");
  c.set_context("during step", 7);
  const double saved = c.timeout();
  if (c.rank() == 0) {
    c.set_timeout(0.3);
    const auto t0 = std::chrono::steady_clock::now();
    try {
      c.barrier("test barrier");
      ADD_FAILURE() << "the barrier completed although rank 1 had not arrived";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("test barrier during step 7 did not complete within 0.3 s"), std::string::npos) << m;
    }
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_GE(waited, 0.3) << "gave up before its deadline";
    EXPECT_LT(waited, 60) << "a deadline of 0.3 s took a minute";
    std::ofstream(gave_up) << "timed out\n";
    c.set_timeout(saved);
  } else if (c.rank() == 1) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!std::filesystem::exists(gave_up) && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_TRUE(std::filesystem::exists(gave_up)) << "rank 0 never gave up on the barrier";
  }
  c.barrier("test barrier");  // rank 1's first barrier matches rank 0's abandoned one
  if (c.rank() != 0) c.barrier("second barrier");
  c.set_context(nullptr);
  if (c.rank() == 0) std::filesystem::remove_all(std::filesystem::path(gave_up).parent_path());
}

// --- gradient buckets -------------------------------------------------------------

TEST(PlanBuckets, CutFromTheEndAtParameterStartsWithinTheLimit) {
  const auto b = comm::plan_buckets(10, {0, 3, 7}, 4);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].begin, 7);
  EXPECT_EQ(b[0].end, 10);
  EXPECT_EQ(b[1].begin, 3);
  EXPECT_EQ(b[1].end, 7);
  EXPECT_EQ(b[2].begin, 0);
  EXPECT_EQ(b[2].end, 3);
  const auto one = comm::plan_buckets(10, {0, 3, 7}, 1000);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].begin, 0);
  EXPECT_EQ(one[0].end, 10);
}

TEST(PlanBuckets, SplitsAParameterLargerThanTheLimit) {
  const auto b = comm::plan_buckets(10, {0, 3, 7}, 2);
  const std::vector<std::pair<long, long>> expected = {{8, 10}, {7, 8}, {5, 7}, {3, 5}, {1, 3}, {0, 1}};
  ASSERT_EQ(b.size(), expected.size());
  for (std::size_t i = 0; i < b.size(); ++i) {
    EXPECT_EQ(b[i].begin, expected[i].first) << i;
    EXPECT_EQ(b[i].end, expected[i].second) << i;
  }
}

TEST(PlanBuckets, LeaveOutAPrefixSummedElsewhere) {
  const auto b = comm::plan_buckets(10, {0, 3, 7}, 3, 2);  // [0, 2) is not theirs; 2 is no parameter start
  const std::vector<std::pair<long, long>> expected = {{7, 10}, {4, 7}, {3, 4}, {2, 3}};
  ASSERT_EQ(b.size(), expected.size());
  for (std::size_t i = 0; i < b.size(); ++i) {
    EXPECT_EQ(b[i].begin, expected[i].first) << i;
    EXPECT_EQ(b[i].end, expected[i].second) << i;
  }
  EXPECT_TRUE(comm::plan_buckets(10, {0, 3, 7}, 4, 10).empty());
}

// Rank r touches rows r, r + 5, 2r + 1 (mod 37) and row 36, with values that name the
// rank, row and column; every other row is zero and must stay zero.
TEST(RowSparseSum, EqualsTheDenseSumAndMovesOnlyTheUnion) {
  comm::Comm& c = world();
  const long rows = 37, width = 3;
  auto touched_by = [&](int r) { return std::vector<int>{r % 37, (r + 5) % 37, (2 * r + 1) % 37, 36, 36}; };
  std::vector<float> g(rows * width, 0.0f);
  for (int row : touched_by(c.rank()))
    for (long k = 0; k < width; ++k) g[row * width + k] = float(1 + c.rank()) * float(100 * row + k + 1);
  comm::RowSparseSum sum(c, rows, width);
  sum.sum(g.data(), touched_by(c.rank()));
  std::vector<bool> in_union(rows, false);
  for (long row = 0; row < rows; ++row)
    for (long k = 0; k < width; ++k) {
      float expected = 0;
      for (int r = 0; r < c.size(); ++r) {
        const auto t = touched_by(r);
        if (std::find(t.begin(), t.end(), int(row)) != t.end()) expected += float(1 + r) * float(100 * row + k + 1);
      }
      in_union[row] = in_union[row] || expected != 0;
      ASSERT_EQ(g[row * width + k], expected) << "row " << row << " column " << k;
    }
  EXPECT_EQ(sum.rows_moved(), std::count(in_union.begin(), in_union.end(), true));
  EXPECT_LT(sum.rows_moved(), rows);
  EXPECT_TRUE(sum.local_finite());
}

TEST(GradientBuckets, SumEveryGradientAtEveryBucketSize) {
  comm::Comm& c = world();
  const long n = 300000;  // 1.2 MB of gradients
  std::vector<long> offsets;
  for (long at = 0; at < n; at += 1 + (at * 7919) % 40000) offsets.push_back(at);
  for (double mb : {0.001, 0.05, 0.25, 1.0, 8.0}) {
    std::vector<float> g(n);
    for (long i = 0; i < n; ++i) g[i] = float(c.rank() + (i % 1000));
    comm::GradientBuckets buckets(comm::comm_transport(c), g.data(), comm::plan_buckets(n, offsets, comm::bucket_floats(mb)));
    // Backward reports final gradients from the end, a parameter at a time.
    for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) buckets.ready_from(*it);
    buckets.finish();
    const float ranks = float(c.size() * (c.size() - 1) / 2);
    for (long i = 0; i < n; ++i) ASSERT_EQ(g[i], ranks + float(c.size() * (i % 1000))) << "bucket_mb " << mb << " i " << i;
    for (const auto& b : buckets.buckets()) EXPECT_LE((b.end - b.begin) * 4, long(mb * 1024 * 1024) + 4);
  }
}

}  // namespace manet::testing
