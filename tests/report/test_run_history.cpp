// Reading metrics.jsonl: a hand-written file with validation and test records, a stop, a
// requeue and a resume, a record of an earlier run and a record half-written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "report/run_history.hpp"

namespace manet::report {
namespace {

const std::string kFixture = std::string(MANET_SOURCE_DIR) + "/tests/report/files/metrics_with_val.jsonl";

TEST(RunHistory, ReadsEveryKindOfRecordOfTheLastRun) {
  const RunHistory h = read_run_history(kFixture);
  EXPECT_EQ(h.run_id, "run-b");
  EXPECT_EQ(h.schema, 1);
  EXPECT_EQ(h.skipped_lines, 1) << "the half-written last line";
  ASSERT_EQ(h.train.size(), 6u) << "run-a's record is not part of run-b";
  EXPECT_EQ(h.train.front().step, 2);
  EXPECT_DOUBLE_EQ(h.train.back().loss, 0.5);
  EXPECT_DOUBLE_EQ(h.train.back().lr, 0.0005);
  EXPECT_EQ(h.splits(), (std::vector<std::string>{"val", "test"}));
  ASSERT_EQ(h.evals_of("val").size(), 3u);
  ASSERT_EQ(h.evals_of("test").size(), 3u);
  const EvalPoint& last = *h.evals_of("test").back();
  EXPECT_EQ(last.samples, 30);
  EXPECT_EQ(last.confusion, (std::vector<std::vector<long>>{{8, 1, 1}, {2, 7, 1}, {0, 0, 10}}));
  EXPECT_EQ(last.class_name(1), "a<b> & c");
  EXPECT_EQ(last.class_name(7), "7") << "past the names: the index";
  ASSERT_EQ(h.events.size(), 5u);
  EXPECT_EQ(h.events[1].kind, "stopped");
  EXPECT_EQ(h.events[1].reason, "SIGUSR1");
  EXPECT_EQ(h.events[3].kind, "requeued");
  EXPECT_EQ(h.events[4].kind, "resumed");
  EXPECT_EQ(h.events[4].step, 6);
  ASSERT_TRUE(h.facts);
  EXPECT_EQ(h.facts->world_size, 2);
  EXPECT_EQ(h.facts->steps_per_epoch, 4);
  EXPECT_EQ(h.facts->config, "seed: 1\ntrain:\n  epochs: 3\n");
  ASSERT_TRUE(h.summary);
  ASSERT_EQ(h.summary->ranks.size(), 2u);
  EXPECT_EQ(h.summary->ranks[1].host, "node-b");
  EXPECT_DOUBLE_EQ(h.summary->ranks[0].wait_ms, 2.4);
  EXPECT_NEAR(h.summary->ranks[0].step_ms(), 62.4, 1e-9);
  EXPECT_EQ(h.last_step(), 12);
}

// A file written before the schema had a version: no split (test), no confusion matrix,
// a summary of rank 0 alone, a stop without a reason.
TEST(RunHistory, ReadsRecordsFromBeforeTheSchema) {
  const std::string path = ::testing::TempDir() + "/old_metrics.jsonl";
  std::ofstream(path) << R"({"event":"train","step":10,"epoch":1,"loss":1.5,"lr":0.001,"samples_per_s":100.0,"run":"x"}
{"event":"eval","step":20,"epoch":1,"loss":0.9,"accuracy":0.7,"samples":50,"macro_f1":0.68,"elapsed_s":3.0,"run":"x"}
{"event":"stopped","step":25,"elapsed_s":4.0,"run":"x"}
{"event":"summary","samples_per_s":90,"steps":20,"world_size":2,"step_ms":10,"data_ms":1,"forward_ms":3,"backward_ms":4,"comm_ms":1.5,"comm_floor_ms":1.0,"optimizer_ms":0.5,"peak_rss_mb":80,"run":"x"}
)";
  const RunHistory h = read_run_history(path);
  EXPECT_EQ(h.schema, 0);
  ASSERT_EQ(h.evals.size(), 1u);
  EXPECT_EQ(h.evals[0].split, "test");
  EXPECT_TRUE(h.evals[0].confusion.empty());
  ASSERT_EQ(h.events.size(), 1u);
  EXPECT_EQ(h.events[0].reason, "");
  ASSERT_TRUE(h.summary);
  ASSERT_EQ(h.summary->ranks.size(), 1u);
  EXPECT_DOUBLE_EQ(h.summary->ranks[0].comm_exposed_ms, 1.0);
  EXPECT_DOUBLE_EQ(h.summary->ranks[0].wait_ms, 0.5);
}

void expect_usage_error(const std::string& run, const std::string& message) {
  try {
    read_run_history(run);
    ADD_FAILURE() << "no error for " << run;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(RunHistory, AMissingRunIsAUsageErrorNamingTheFile) {
  expect_usage_error("/nonexistent/run", "/nonexistent/run: no such file or directory: give the run's directory");
  const std::string empty = ::testing::TempDir() + "/run_without_metrics";
  std::filesystem::create_directories(empty);
  expect_usage_error(empty, empty + "/metrics.jsonl: no such file: give the run's directory");
}

TEST(RunHistory, AConfusionMatrixThatIsNotSquareIsLeftOut) {
  const std::string path = ::testing::TempDir() + "/ragged.jsonl";
  std::ofstream(path) << R"({"event":"eval","step":1,"epoch":1,"split":"test","loss":1,"accuracy":0.5,"samples":4,"confusion":[[1,1],[2]],"schema":1,"run":"y"})"
                      << "\n";
  const RunHistory h = read_run_history(path);
  ASSERT_EQ(h.evals.size(), 1u);
  EXPECT_TRUE(h.evals[0].confusion.empty());
}

}  // namespace
}  // namespace manet::report
