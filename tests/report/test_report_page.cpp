// The report page of a hand-written metrics.jsonl (validation and test records, a stop, a
// requeue, a resume, two ranks): what it shows, checked against figures worked out by hand.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <numeric>

#include "report/page_parse.hpp"
#include "report/report_page.hpp"

namespace manet::report {
namespace {

using namespace manet::testing;

const std::string kFixture = std::string(MANET_SOURCE_DIR) + "/tests/report/files/metrics_with_val.jsonl";

const std::string& fixture_page() {
  static const std::string html = build_report_page(read_run_history(kFixture), "2026-01-02T04:00:00Z").html;
  return html;
}

TEST(ReportPage, DrawsEverySeriesOnceWithAPointPerRecord) {
  const auto paths = series_paths(fixture_page());
  const std::map<std::string, std::size_t> expected = {{"train_loss", 6}, {"lr", 6},          {"samples_per_s", 6},
                                                       {"val_loss", 3},   {"test_loss", 3},   {"val_accuracy", 3},
                                                       {"test_accuracy", 3}};
  EXPECT_EQ(paths.size(), expected.size());
  for (const auto& [id, points] : expected) {
    ASSERT_EQ(paths.count(id), 1u) << id;
    ASSERT_EQ(paths.at(id).size(), 1u) << id;
    EXPECT_EQ(path_points(paths.at(id)[0]).size(), points) << id;
  }
}

TEST(ReportPage, MarksTheStopRequeueAndResumeWhereTheyHappened) {
  const std::string loss = chart(fixture_page(), "chart-loss");
  const auto train = path_points(series_paths(loss).at("train_loss")[0]);
  const auto seen = markers(loss);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].kind, "stopped");
  EXPECT_EQ(seen[1].kind, "requeued");
  EXPECT_EQ(seen[2].kind, "resumed");
  for (const MarkerSeen& m : seen) {
    EXPECT_EQ(m.step, 6);
    EXPECT_NEAR(m.line_x, train[2].first, 0.01) << m.kind << ": the point of step 6";
  }
  EXPECT_NE(loss.find("stopped (SIGUSR1)"), std::string::npos);
  EXPECT_NE(fixture_page().find("Slurm job 77 restarted (restart 1)"), std::string::npos);
}

TEST(ReportPage, PerClassFiguresAndTheConfusionMatrixOfTheFinalEvaluation) {
  const std::string& html = fixture_page();
  const std::vector<long> test = confusion_cells(html, "test"), val = confusion_cells(html, "val");
  EXPECT_EQ(test, (std::vector<long>{8, 1, 1, 2, 7, 1, 0, 0, 10}));
  EXPECT_EQ(std::accumulate(val.begin(), val.end(), 0L), 30);
  // Test set, final: class 1 has 7 right of 10 (recall 0.7), 7 of 8 predicted right
  // (precision 0.875), F1 = 2*7 / (8 + 10); class 2: 10 of 12 predicted, all 10 found.
  const auto start = html.find("<table class=\"per-class\" data-split=\"test\"");
  ASSERT_NE(start, std::string::npos);
  const std::string table = html.substr(start, html.find("</table>", start) - start);
  EXPECT_NE(table.find("<th>a&lt;b&gt; &amp; c</th><td class=\"num\">0.8750</td><td class=\"num\">0.7000</td>"
                       "<td class=\"num\">0.7778</td><td class=\"num\">10</td>"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("<th>Ünïcode</th><td class=\"num\">0.8333</td><td class=\"num\">1.0000</td>"
                       "<td class=\"num\">0.9091</td>"),
            std::string::npos)
      << table;
  EXPECT_NE(html.find("Best val accuracy 0.8000 after epoch 3"), std::string::npos);
}

// A run with checkpoint.keep_best ends with the test set on the last model and on best.h5
// (an earlier step): the final evaluation shown is best.h5's, named so; its point is not on
// the test curve; and no "best test accuracy" is picked out (nothing is chosen on test).
TEST(ReportPage, TheFinalEvaluationIsBestH5sWhenTheRunKeptOne) {
  std::ifstream in(kFixture);
  std::string records((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Before the fixture's last line, which is cut short (a record being written).
  const std::size_t cut = records.rfind('\n') + 1;
  records.insert(cut, "{\"event\":\"eval\",\"step\":8,\"epoch\":2,\"split\":\"test\",\"model\":\"best\",\"loss\":0.7,"
             "\"accuracy\":0.7,\"samples\":30,\"macro_f1\":0.7,\"seconds\":0.5,\"elapsed_s\":9.0,"
             "\"classes\":[\"x\",\"y\",\"z\"],\"confusion\":[[9,1,0],[4,5,1],[1,2,7]],\"schema\":1,\"run\":\"run-b\"}\n");
  const std::string path = ::testing::TempDir() + "/metrics_with_best.jsonl";
  std::ofstream(path) << records;
  const std::string html = build_report_page(read_run_history(path), "2026-01-02T04:00:00Z").html;
  EXPECT_EQ(path_points(series_paths(html).at("test_accuracy")[0]).size(), 3u) << "the curve keeps its 3 epochs";
  EXPECT_EQ(confusion_cells(html, "test"), (std::vector<long>{9, 1, 0, 4, 5, 1, 1, 2, 7}));
  EXPECT_NE(html.find("test set, best model (best.h5, chosen on validation), epoch 2 (step 8): accuracy 0.7000"),
            std::string::npos);
  EXPECT_EQ(html.find("Best test accuracy"), std::string::npos);
  EXPECT_NE(html.find("Best val accuracy"), std::string::npos);
}

TEST(ReportPage, WhereTheTimeWentPerRankAndWhatItRanOn) {
  const std::string& html = fixture_page();
  EXPECT_NE(html.find("<tr data-rank=\"0\"><td>0</td><td>node-a</td>"), std::string::npos);
  EXPECT_NE(html.find("<tr data-rank=\"1\"><td>1</td><td>node-b</td>"), std::string::npos);
  std::size_t bars = 0;
  for (const std::string& tag : start_tags(html, "rect")) bars += !attribute(tag, "data-phase").empty();
  EXPECT_EQ(bars, 12u) << "six phases on each of two ranks";
  for (const char* text : {"Test CPU (family 6, model 1)", "OpenBLAS 0.3.21", "avx2", "0.1.0", "2 on 1 host"})
    EXPECT_NE(html.find(text), std::string::npos) << text;
  EXPECT_NE(html.find("<details><summary>The resolved config (fixture.yaml"), std::string::npos);
  EXPECT_NE(html.find("finished: 12 of 12 steps"), std::string::npos);
}

TEST(ReportPage, IsSelfContained) {
  const std::string& html = fixture_page();
  for (const char* fetch : {"<script", "<link", "<img", "<iframe", " src=", " href=", "url(", "@import"})
    EXPECT_EQ(html.find(fetch), std::string::npos) << fetch;
  for (std::size_t at = html.find("http"); at != std::string::npos; at = html.find("http", at + 1))
    EXPECT_EQ(html.compare(at, 26, "http://www.w3.org/2000/svg"), 0) << "only the SVG namespace names a URL";
}

TEST(ReportPage, ARunThatHasRecordedNothingYetStillMakesAPage) {
  const std::string path = ::testing::TempDir() + "/empty_metrics.jsonl";
  std::ofstream(path) << "";
  const ReportPage page = build_report_page(read_run_history(path), "now");
  EXPECT_NE(page.html.find("nothing recorded yet"), std::string::npos);
  EXPECT_NE(page.html.find("No evaluation recorded yet"), std::string::npos);
  EXPECT_GT(page.height_px, 500);
}

}  // namespace
}  // namespace manet::report
