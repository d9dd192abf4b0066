// The waits of a GPU transport never hang (comm/polled_channel.hpp), driven here by a fake
// channel, so they run without a GPU: a collective that never finishes ends at the
// deadline naming the rank and the bucket, an asynchronous error ends the wait at once,
// and either aborts the channel exactly once; the channel ends cleanly only when nothing
// is in flight and no exception is unwinding. Through GradientBuckets too, as the NCCL
// transport uses it.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>

#include "comm/gradient_buckets.hpp"
#include "comm/polled_channel.hpp"
#include "core/error.hpp"

namespace manet::testing {

namespace {

// A channel whose collectives finish after a given number of polls (-1: never), and which
// reports a failure from a given poll on.
class FakeChannel : public comm::PolledChannel {
 public:
  std::map<int, int> polls_until_finished;  // ticket -> polls; missing: finishes at once
  int fail_at_poll = -1;                    // failure() returns an error from this poll on
  int polls = 0, aborts = 0, closes = 0;

  bool finished(int ticket) override {
    ++polls;
    auto it = polls_until_finished.find(ticket);
    return it == polls_until_finished.end() || (it->second >= 0 && polls >= it->second);
  }
  std::string failure() override {
    return fail_at_poll >= 0 && polls >= fail_at_poll ? "unhandled system error (remote process exited)" : "";
  }
  void abort() noexcept override { ++aborts; }
  void close() noexcept override { ++closes; }
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST(PolledChannel, AFinishedCollectiveReturnsAndTheChannelClosesCleanly) {
  FakeChannel fake;
  fake.polls_until_finished[0] = 50;
  {
    comm::ChannelKeeper keeper(fake);
    keeper.started();
    keeper.wait(0, 5.0, "rank 1 of 2", "all-reduce of gradient bucket 1/3", "during step 4");
    EXPECT_GE(fake.polls, 50);
    EXPECT_FALSE(keeper.aborted());
  }
  EXPECT_EQ(fake.closes, 1);
  EXPECT_EQ(fake.aborts, 0);
}

TEST(PolledChannel, ACollectiveThatNeverFinishesEndsAtTheDeadlineNamingRankAndBucket) {
  FakeChannel fake;
  fake.polls_until_finished[2] = -1;
  comm::ChannelKeeper keeper(fake);
  keeper.started();
  const auto t0 = std::chrono::steady_clock::now();
  try {
    keeper.wait(2, 0.3, "rank 1 of 2", "all-reduce of gradient bucket 3/7", "during step 12");
    FAIL() << "a wait that never finishes must throw at its deadline";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("the all-reduce of gradient bucket 3/7 during step 12 did not complete within 0.3 s on rank 1 "
                     "of 2"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("dist.timeout_s"), std::string::npos) << m;
    EXPECT_NE(m.find("aborted"), std::string::npos) << m;
  }
  const double waited = seconds_since(t0);
  EXPECT_GE(waited, 0.3);
  EXPECT_LT(waited, 3.0) << "the deadline, not a hang";
  EXPECT_EQ(fake.aborts, 1);
  EXPECT_TRUE(keeper.aborted());
  keeper.end();
  EXPECT_EQ(fake.aborts, 1) << "aborted once only";
  EXPECT_EQ(fake.closes, 0) << "a timed-out channel is never ended cleanly (that would wait for the peers)";
}

TEST(PolledChannel, AnAsynchronousErrorEndsTheWaitAtOnce) {
  FakeChannel fake;
  fake.polls_until_finished[0] = -1;
  fake.fail_at_poll = 3;
  comm::ChannelKeeper keeper(fake);
  keeper.started();
  const auto t0 = std::chrono::steady_clock::now();
  try {
    keeper.wait(0, 60.0, "rank 0 of 4", "all-reduce of gradient bucket 1/2", "during step 5");
    FAIL() << "an asynchronous error must end the wait";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("the all-reduce of gradient bucket 1/2 during step 5 failed on rank 0 of 4: unhandled system "
                     "error (remote process exited)"),
              std::string::npos)
        << m;
  }
  EXPECT_LT(seconds_since(t0), 5.0) << "not the 60 s deadline";
  EXPECT_EQ(fake.aborts, 1);
  EXPECT_THROW(keeper.wait(0, 1.0, "rank 0 of 4", "all-reduce of gradient bucket 2/2", ""), Error)
      << "an aborted channel is not waited on again";
  EXPECT_EQ(fake.aborts, 1);
}

TEST(PolledChannel, AThrowOnThisRankAbortsInsteadOfEndingCleanly) {
  FakeChannel fake;
  try {
    comm::ChannelKeeper keeper(fake);
    throw std::runtime_error("a rank-local error mid-step (bad data, a failed evaluation)");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(fake.aborts, 1) << "unwinding: the peers may be inside a collective this rank never joins";
  EXPECT_EQ(fake.closes, 0);
}

TEST(PolledChannel, WorkStillInFlightAbortsAtTheEnd) {
  FakeChannel fake;
  {
    comm::ChannelKeeper keeper(fake);
    keeper.started();
    keeper.started();
    keeper.wait(0, 1.0, "rank 0 of 2", "all-reduce of gradient bucket 1/2", "");
  }  // bucket 2 was never waited for
  EXPECT_EQ(fake.aborts, 1);
  EXPECT_EQ(fake.closes, 0);
}

TEST(PolledChannel, AKeeperMadeDuringUnwindingStillEndsCleanly) {
  // std::uncaught_exceptions() is compared with its value when the keeper was made: a
  // transport made and ended inside a handler's unwinding is not mistaken for a failure.
  FakeChannel fake;
  struct InDestructor {
    FakeChannel& fake;
    ~InDestructor() {
      comm::ChannelKeeper keeper(fake);
    }
  };
  try {
    InDestructor d{fake};
    throw std::runtime_error("unwinding");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(fake.closes, 1);
  EXPECT_EQ(fake.aborts, 0);
}

namespace {

// A bucket transport in the NCCL transport's shape: collectives waited on through a
// ChannelKeeper over a fake channel; bucket `stuck` (0-based, in start order) never finishes.
class StuckTransport final : public comm::BucketTransport, private FakeChannel {
 public:
  StuckTransport(int stuck, int* aborts) : aborts_(aborts) { polls_until_finished[stuck] = -1; }
  ~StuckTransport() override { keeper_.end(); }
  void begin_step() override {}
  void check_local(const float*, long) override {}
  int start_sum(float*, long, const char* what) override {
    what_.push_back(what);
    keeper_.started();
    return int(what_.size()) - 1;
  }
  bool test(int ticket) override { return false; }
  void wait(int ticket) override { keeper_.wait(ticket, 0.2, "rank 1 of 2", what_[ticket], "during step 3"); }
  bool local_all_finite() override { return true; }

 private:
  void abort() noexcept override { ++*aborts_; }
  std::vector<std::string> what_;
  int* aborts_;
  comm::ChannelKeeper keeper_{*this};
};

}  // namespace

TEST(PolledChannel, GradientBucketsStuckInTheSecondBucketNameIt) {
  std::vector<float> grads(300, 1.0f);
  const auto plan = comm::plan_buckets(300, {0, 100, 200}, 100);
  ASSERT_EQ(plan.size(), 3u);
  int aborts = 0;
  {
    comm::GradientBuckets buckets(std::make_unique<StuckTransport>(1, &aborts), grads.data(), plan);
    try {
      buckets.finish();
      FAIL() << "the second bucket never finishes";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("the all-reduce of gradient bucket 2/3 during step 3 did not complete "
                                           "within 0.2 s on rank 1 of 2"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_EQ(aborts, 1);
}

}  // namespace manet::testing
