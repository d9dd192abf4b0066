// The SVG charts: round ticks, one coordinate pair per drawn point, markers and points on
// one step axis, bars at one scale.
#include <gtest/gtest.h>

#include <cmath>

#include "report/page_parse.hpp"
#include "report/svg_chart.hpp"

namespace manet::report {
namespace {

using manet::testing::attribute;
using manet::testing::markers;
using manet::testing::path_points;
using manet::testing::series_paths;
using manet::testing::start_tags;

TEST(NiceTicks, CoverTheRangeWithRoundSteps) {
  const std::vector<double> unit = nice_ticks(0, 1);
  ASSERT_EQ(unit.size(), 6u);
  for (std::size_t i = 0; i < unit.size(); ++i) EXPECT_NEAR(unit[i], 0.2 * double(i), 1e-12);
  const std::vector<double> t = nice_ticks(0.13, 0.87);
  EXPECT_LE(t.front(), 0.13);
  EXPECT_GE(t.back(), 0.87);
  EXPECT_NEAR(t[1] - t[0], 0.2, 1e-12);  // 0.74 / 5 = 0.148 -> 0.2
  const std::vector<double> big = nice_ticks(0, 5622, 6);
  EXPECT_NEAR(big[1] - big[0], 1000, 1e-9);  // 937 -> 1000
  EXPECT_GE(big.back(), 5622);
  EXPECT_EQ(nice_ticks(3, 3), (std::vector<double>{3}));
}

LineChart two_series_chart() {
  LineChart c;
  c.id = "c", c.title = "Loss", c.y_label = "loss";
  c.x_min = 0, c.x_max = 100;
  c.series.push_back({"train", "train", "#000", {{10, 2.0}, {20, 1.5}, {30, NAN}, {40, 1.0}, {100, 0.5}}, false});
  c.series.push_back({"test", "test", "#0a0", {{50, 1.2}}, true});
  c.markers.push_back({40, "resumed", "resumed", "resumed at step 40", "#0f0"});
  c.epoch_ends = {{50, 1}, {100, 2}};
  return c;
}

TEST(LineChart, OnePathPerSeriesWithOnePairPerFinitePoint) {
  const std::string svg = line_chart_svg(two_series_chart());
  const auto paths = series_paths(svg);
  ASSERT_EQ(paths.size(), 2u);
  ASSERT_EQ(paths.at("train").size(), 1u);
  const auto train = path_points(paths.at("train")[0]);
  EXPECT_EQ(train.size(), 4u) << "the NaN is not drawn";
  EXPECT_EQ(path_points(paths.at("test")[0]).size(), 1u);
  for (const std::string& tag : start_tags(svg, "path"))
    if (attribute(tag, "data-series") == "train") {
      EXPECT_EQ(attribute(tag, "data-points"), "4");
    }
  EXPECT_EQ(start_tags(svg, "circle").size(), 1u) << "the single test point is visible as a dot";
  // Steps map linearly onto x, values decreasing upwards.
  const double dx1 = train[1].first - train[0].first, dx2 = train[3].first - train[2].first;
  EXPECT_NEAR(dx2, 6 * dx1, 0.02);  // 100 - 40 = 6 x (20 - 10)
  EXPECT_LT(train[0].second, train[3].second);
}

TEST(LineChart, AMarkerIsDrawnAtItsStepOnTheAxisOfThePoints) {
  const LineChart c = two_series_chart();
  const std::string svg = line_chart_svg(c);
  const auto seen = markers(svg);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, "resumed");
  EXPECT_EQ(seen[0].step, 40);
  const auto train = path_points(series_paths(svg).at("train")[0]);
  EXPECT_NEAR(seen[0].line_x, train[2].first, 0.01) << "the point of step 40";
  EXPECT_NEAR(seen[0].line_x, chart_x(c, 40), 0.01);
}

// Accuracies 0.8536 and 0.8548 on an axis of at least 0.05, inside [0, 1]: the two points
// lie within a tenth of the chart's height of each other.
TEST(LineChart, AMinimumSpanKeepsSmallDifferencesSmall) {
  LineChart c;
  c.id = "acc", c.x_min = 0, c.x_max = 2;
  c.series.push_back({"acc", "accuracy", "#000", {{1, 0.8548}, {2, 0.8536}}, true});
  c.min_span = 0.05, c.y_floor = 0, c.y_ceiling = 1;
  const auto points = path_points(series_paths(line_chart_svg(c)).at("acc")[0]);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_LT(std::fabs(points[1].second - points[0].second), 0.1 * c.height);
  c.series[0].points = {{1, 0.999}, {2, 0.998}};  // near the ceiling: the span lies below it
  const std::string near_one = line_chart_svg(c);
  EXPECT_NE(near_one.find(">1.00</text>"), std::string::npos) << near_one;
  EXPECT_EQ(near_one.find(">1.02</text>"), std::string::npos) << near_one;
}

TEST(LineChart, AChartWithoutPointsSaysSo) {
  LineChart c;
  c.id = "empty", c.series.push_back({"lr", "learning rate", "#000", {}, false});
  const std::string svg = line_chart_svg(c);
  EXPECT_NE(svg.find("nothing recorded yet"), std::string::npos);
  EXPECT_EQ(path_points(series_paths(svg).at("lr")[0]).size(), 0u);
}

TEST(LineChart, TextIsEscaped) {
  LineChart c = two_series_chart();
  c.title = "a<b>&\"c\"";
  const std::string svg = line_chart_svg(c);
  EXPECT_NE(svg.find("a&lt;b&gt;&amp;&quot;c&quot;"), std::string::npos);
  EXPECT_EQ(svg.find("a<b>"), std::string::npos);
}

TEST(StackedBars, SegmentsShareOneScale) {
  const std::vector<BarRow> rows = {{"rank 0", {{"a", "a", "#111", 1.0}, {"b", "b", "#222", 3.0}}},
                                    {"rank 1", {{"a", "a", "#111", 2.0}, {"b", "b", "#222", 0.5}}}};
  const std::string svg = stacked_bars_svg(rows, "ms");
  std::vector<double> widths;
  for (const std::string& tag : start_tags(svg, "rect"))
    if (!attribute(tag, "data-phase").empty()) widths.push_back(std::stod(attribute(tag, "width")));
  ASSERT_EQ(widths.size(), 4u);
  EXPECT_NEAR(widths[1] / widths[0], 3.0, 1e-3);
  EXPECT_NEAR(widths[2] / widths[0], 2.0, 1e-3);
  EXPECT_NEAR(widths[3] / widths[0], 0.5, 1e-3);
}

}  // namespace
}  // namespace manet::report
