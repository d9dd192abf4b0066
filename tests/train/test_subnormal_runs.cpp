// Training steps run with subnormals flushed, on every rank and every step: the run's
// summary in metrics.jsonl says so only if FTZ/DAZ were on at the end of each step on each
// rank (train/step_observers.cpp, trainer.cpp), and MANET_KEEP_SUBNORMALS=1 must turn it
// into "false" - so the test sees the difference and fails if the flush is lost.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "comm/run_harness.hpp"

namespace manet::testing {
namespace {

nlohmann::json summary_of(const std::string& metrics) {
  std::ifstream in(metrics);
  nlohmann::json last;
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json record = nlohmann::json::parse(line);
    if (record.value("event", "") == "summary") last = record;
  }
  return last;
}

TEST(SubnormalRuns, EveryStepOnEveryRankFlushesThem) {
  const std::string dir = prepare_run("ftz_on", false, 6);
  const TimedResult r = train_run(dir, 2, 8);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("subnormals flushed (FTZ/DAZ)"), std::string::npos) << r.output;
  const nlohmann::json s = summary_of(dir + "/ckpt/metrics.jsonl");
  ASSERT_TRUE(s.contains("subnormals_flushed")) << s.dump();
  EXPECT_TRUE(s["subnormals_flushed"].get<bool>());
}

TEST(SubnormalRuns, KeepSubnormalsIsReportedAsKept) {
  const std::string dir = prepare_run("ftz_off", false, 6);
  const TimedResult r = train_run(dir, 2, 8, "", "MANET_KEEP_SUBNORMALS=1 ");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("subnormals kept"), std::string::npos) << r.output;
  const nlohmann::json s = summary_of(dir + "/ckpt/metrics.jsonl");
  ASSERT_TRUE(s.contains("subnormals_flushed")) << s.dump();
  EXPECT_FALSE(s["subnormals_flushed"].get<bool>());
}

}  // namespace
}  // namespace manet::testing
