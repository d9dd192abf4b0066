#pragma once
// Charts as inline SVG, written by hand: line charts over the step axis (with the epochs
// on the top edge and the run's stops, resumes and requeues as vertical markers) and
// horizontal stacked bars (where the time of a step goes, one bar per rank).
//
// Each series is one <path class="series" data-series="ID" data-points="N"> whose `d` is
// "M x,y L x,y ...": one coordinate pair per point, so the page can be checked (and read
// by tools) without knowing how it was drawn.
#include <string>
#include <utility>
#include <vector>

namespace manet::report {

struct Series {
  std::string id, label, color;
  std::vector<std::pair<double, double>> points;  // (step, value); non-finite values are not drawn
  bool dots = false;  // a circle on every point (evaluations: few points, maybe one)
};

// A vertical line across the plot at step `x`, labelled `label`, `title` as its tooltip.
struct Marker {
  double x = 0;
  std::string kind, label, title;
  std::string color;
};

struct LineChart {
  std::string id, title, y_label;
  double x_min = 0, x_max = 1;  // the step domain, shared by the charts of a page
  std::vector<Series> series;
  std::vector<Marker> markers;
  std::vector<std::pair<double, long>> epoch_ends;  // (last step of the epoch, epoch)
  // The value axis spans at least `min_span` (accuracies that differ in the fourth digit
  // are not a cliff), kept inside [y_floor, y_ceiling] when the values are.
  double min_span = 0, y_floor = -1e300, y_ceiling = 1e300;
  int width = 580, height = 300;
};

std::string line_chart_svg(const LineChart& chart);

// Where on a LineChart's plot step `x` lands (the horizontal pixel), for tests and tools.
double chart_x(const LineChart& chart, double x);

struct BarSegment {
  std::string id, label, color;
  double value = 0;
};
struct BarRow {
  std::string label;
  std::vector<BarSegment> segments;
};

// One horizontal bar per row, its segments stacked left to right at a common scale, with a
// legend of the segments of the first row and `unit` on the axis.
std::string stacked_bars_svg(const std::vector<BarRow>& rows, const std::string& unit, int width = 900);

// About five round values (1, 2 or 5 times a power of ten) covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int about = 5);

}  // namespace manet::report
