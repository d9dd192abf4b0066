#include "report/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "report/html_text.hpp"

namespace manet::report {

namespace {

// The plot inside a LineChart: room for the title and the epochs above, the y tick
// labels on the left, the step ticks below.
struct Plot {
  double left, top, right, bottom;
  double width() const { return right - left; }
  double height() const { return bottom - top; }
};

Plot plot_area(const LineChart& c) { return {64, 58, double(c.width) - 16, double(c.height) - 40}; }

std::string num(double v) {  // a coordinate
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// A tick label: as many decimals as the tick spacing needs.
std::string tick_label(double v, double spacing) {
  if (v == 0) return "0";
  if (std::fabs(v) >= 1e6 || std::fabs(spacing) < 1e-4) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2g", v);
    return buf;
  }
  const int decimals = std::max(0, int(-std::floor(std::log10(spacing) + 1e-9)));
  return fixed(v, decimals);
}

// The y range of the finite points of every series, widened when flat or narrower than
// the chart's minimum span.
std::pair<double, double> value_range(const LineChart& c) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Series& s : c.series)
    for (const auto& [x, y] : s.points)
      if (std::isfinite(y)) lo = std::min(lo, y), hi = std::max(hi, y);
  if (!std::isfinite(lo)) return {0, 1};
  if (hi - lo < c.min_span) {
    const double widen = (c.min_span - (hi - lo)) / 2;
    lo -= widen, hi += widen;
    if (lo < c.y_floor) hi += c.y_floor - lo, lo = c.y_floor;
    if (hi > c.y_ceiling) lo = std::max(c.y_floor, lo - (hi - c.y_ceiling)), hi = c.y_ceiling;
  }
  if (hi - lo < 1e-12 * std::max(1.0, std::fabs(hi))) {
    const double pad = std::fabs(hi) > 0 ? 0.1 * std::fabs(hi) : 1;
    return {lo - pad, hi + pad};
  }
  return {lo, hi};
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int about) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / std::max(1, about);
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double spacing = power;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * power >= raw) {
      spacing = m * power;
      break;
    }
  if (!std::isfinite(spacing) || !(spacing > 0)) return {lo, hi};
  // Multiples of the spacing (not a running sum: no drift), from at or below `lo` to at
  // or above `hi`.
  const double first = std::floor(lo / spacing + 1e-9);
  std::vector<double> ticks;
  for (double i = first; ticks.empty() || ticks.back() < hi - spacing * 1e-9; ++i)
    ticks.push_back(std::fabs(i) < 0.5 ? 0.0 : i * spacing);
  return ticks;
}

double chart_x(const LineChart& c, double x) {
  const Plot p = plot_area(c);
  const double span = c.x_max > c.x_min ? c.x_max - c.x_min : 1;
  return p.left + (x - c.x_min) / span * p.width();
}

std::string line_chart_svg(const LineChart& c) {
  const Plot p = plot_area(c);
  const auto [lo, hi] = value_range(c);
  const std::vector<double> yt = nice_ticks(lo, hi);
  const double y0 = yt.front(), y1 = yt.back();
  auto px = [&](double x) { return chart_x(c, x); };
  auto py = [&](double y) { return p.bottom - (y - y0) / (y1 - y0) * p.height(); };

  std::string s = "<svg class=\"chart\" id=\"" + escape(c.id) + "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  std::to_string(c.width) + "\" height=\"" + std::to_string(c.height) + "\" viewBox=\"0 0 " +
                  std::to_string(c.width) + " " + std::to_string(c.height) + "\" role=\"img\">\n";
  s += "<text class=\"title\" x=\"" + num(p.left) + "\" y=\"16\">" + escape(c.title) + "</text>\n";
  // Legend, on one line under the title.
  double lx = p.left;
  for (const Series& series : c.series) {
    s += "<line x1=\"" + num(lx) + "\" y1=\"27\" x2=\"" + num(lx + 16) + "\" y2=\"27\" stroke=\"" + series.color +
         "\" stroke-width=\"2.5\"/><text class=\"legend\" x=\"" + num(lx + 20) + "\" y=\"31\">" +
         escape(series.label) + "</text>\n";
    lx += 28 + 6.5 * double(series.label.size());
  }
  // Grid, y ticks, step ticks, frame.
  s += "<g class=\"axes\">\n";
  for (double t : yt) {
    s += "<line class=\"grid\" x1=\"" + num(p.left) + "\" x2=\"" + num(p.right) + "\" y1=\"" + num(py(t)) +
         "\" y2=\"" + num(py(t)) + "\"/><text class=\"tick\" x=\"" + num(p.left - 6) + "\" y=\"" + num(py(t) + 4) +
         "\" text-anchor=\"end\">" + tick_label(t, yt.size() > 1 ? yt[1] - yt[0] : 1) + "</text>\n";
  }
  const std::vector<double> xt = nice_ticks(c.x_min, c.x_max, 6);
  for (double t : xt) {
    if (t < c.x_min - 1e-9 || t > c.x_max + 1e-9) continue;
    s += "<line class=\"tickmark\" x1=\"" + num(px(t)) + "\" x2=\"" + num(px(t)) + "\" y1=\"" + num(p.bottom) +
         "\" y2=\"" + num(p.bottom + 5) + "\"/><text class=\"tick\" x=\"" + num(px(t)) + "\" y=\"" +
         num(p.bottom + 18) + "\" text-anchor=\"middle\">" + tick_label(t, xt.size() > 1 ? xt[1] - xt[0] : 1) +
         "</text>\n";
  }
  s += "<text class=\"axis-label\" x=\"" + num(p.right) + "\" y=\"" + num(p.bottom + 34) +
       "\" text-anchor=\"end\">step</text>\n";
  s += "<text class=\"axis-label\" x=\"14\" y=\"" + num(p.top + p.height() / 2) + "\" transform=\"rotate(-90 14 " +
       num(p.top + p.height() / 2) + ")\" text-anchor=\"middle\">" + escape(c.y_label) + "</text>\n";
  // Epochs on the top edge, at most about twelve labelled.
  if (!c.epoch_ends.empty()) {
    const std::size_t every = (c.epoch_ends.size() + 11) / 12;
    s += "<text class=\"axis-label\" x=\"" + num(p.left - 6) + "\" y=\"" + num(p.top - 9) +
         "\" text-anchor=\"end\">epoch</text>\n";
    for (std::size_t i = 0; i < c.epoch_ends.size(); ++i) {
      const double x = px(c.epoch_ends[i].first);
      s += "<line class=\"epoch\" x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(p.top) + "\" y2=\"" +
           num(p.bottom) + "\"/>";
      if (i % every == 0 || i + 1 == c.epoch_ends.size())
        s += "<text class=\"tick\" x=\"" + num(x) + "\" y=\"" + num(p.top - 9) + "\" text-anchor=\"middle\">" +
             std::to_string(c.epoch_ends[i].second) + "</text>";
      s += "\n";
    }
  }
  s += "<rect class=\"frame\" x=\"" + num(p.left) + "\" y=\"" + num(p.top) + "\" width=\"" + num(p.width()) +
       "\" height=\"" + num(p.height()) + "\"/>\n</g>\n";

  // Markers under the data, their labels staggered so that close ones stay readable.
  for (std::size_t i = 0; i < c.markers.size(); ++i) {
    const Marker& m = c.markers[i];
    const double x = px(m.x), label_y = p.top + 12 + 12 * double(i % 3);
    s += "<g class=\"marker\" data-kind=\"" + escape(m.kind) + "\" data-step=\"" + std::to_string(std::lround(m.x)) +
         "\" data-x=\"" + num(x) + "\"><title>" + escape(m.title) + "</title><line x1=\"" + num(x) + "\" x2=\"" +
         num(x) + "\" y1=\"" + num(p.top) + "\" y2=\"" + num(p.bottom) + "\" stroke=\"" + m.color +
         "\" stroke-dasharray=\"4 3\" stroke-width=\"1.5\"/><text class=\"marker-label\" x=\"" + num(x + 3) +
         "\" y=\"" + num(label_y) + "\" fill=\"" + m.color + "\">" + escape(m.label) + "</text></g>\n";
  }
  // The series: one path each, every finite point one coordinate pair.
  for (const Series& series : c.series) {
    std::string d, dots;
    long n = 0;
    for (const auto& [x, y] : series.points) {
      if (!std::isfinite(y)) continue;
      d += (n++ ? " L" : "M") + num(px(x)) + "," + num(py(y));
      if (series.dots)
        dots += "<circle cx=\"" + num(px(x)) + "\" cy=\"" + num(py(y)) + "\" r=\"3\" fill=\"" + series.color + "\"/>";
    }
    s += "<path class=\"series\" data-series=\"" + escape(series.id) + "\" data-points=\"" + std::to_string(n) +
         "\" fill=\"none\" stroke=\"" + series.color + "\" stroke-width=\"1.8\" stroke-linejoin=\"round\" d=\"" + d +
         "\"/>\n";
    if (!dots.empty()) s += "<g class=\"dots\" data-series=\"" + escape(series.id) + "\">" + dots + "</g>\n";
  }
  const bool empty =
      std::all_of(c.series.begin(), c.series.end(), [](const Series& x) { return x.points.empty(); });
  if (empty)
    s += "<text class=\"empty\" x=\"" + num(p.left + p.width() / 2) + "\" y=\"" + num(p.top + p.height() / 2) +
         "\" text-anchor=\"middle\">nothing recorded yet</text>\n";
  return s + "</svg>\n";
}

std::string stacked_bars_svg(const std::vector<BarRow>& rows, const std::string& unit, int width) {
  const double left = 170, right = double(width) - 20, bar = 22, gap = 10, top = 34;
  double largest = 0;
  for (const BarRow& r : rows) {
    double total = 0;
    for (const BarSegment& g : r.segments) total += std::max(0.0, g.value);
    largest = std::max(largest, total);
  }
  const std::vector<double> ticks = nice_ticks(0, largest > 0 ? largest : 1, 6);
  const double scale = (right - left) / ticks.back();
  const double height = top + double(rows.size()) * (bar + gap) + 36;
  std::string s = "<svg class=\"bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) +
                  "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " + num(height) +
                  "\" role=\"img\">\n";
  double lx = left;
  if (!rows.empty())
    for (const BarSegment& g : rows.front().segments) {
      s += "<rect x=\"" + num(lx) + "\" y=\"8\" width=\"12\" height=\"12\" fill=\"" + g.color +
           "\"/><text class=\"legend\" x=\"" + num(lx + 16) + "\" y=\"18\">" + escape(g.label) + "</text>\n";
      lx += 30 + 6.5 * double(g.label.size());
    }
  const double axis_y = top + double(rows.size()) * (bar + gap);
  for (double t : ticks) {
    const double x = left + t * scale;
    s += "<line class=\"grid\" x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(top - 4) + "\" y2=\"" +
         num(axis_y) + "\"/><text class=\"tick\" x=\"" + num(x) + "\" y=\"" + num(axis_y + 14) +
         "\" text-anchor=\"middle\">" + tick_label(t, ticks.size() > 1 ? ticks[1] - ticks[0] : 1) + "</text>\n";
  }
  s += "<text class=\"axis-label\" x=\"" + num(right) + "\" y=\"" + num(axis_y + 30) + "\" text-anchor=\"end\">" +
       escape(unit) + "</text>\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double y = top + double(i) * (bar + gap);
    s += "<g class=\"bar-row\"><text class=\"tick\" x=\"" + num(left - 8) + "\" y=\"" + num(y + bar * 0.7) +
         "\" text-anchor=\"end\">" + escape(rows[i].label) + "</text>";
    double x = left;
    for (const BarSegment& g : rows[i].segments) {
      const double w = std::max(0.0, g.value) * scale;
      s += "<rect data-phase=\"" + escape(g.id) + "\" x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) +
           "\" height=\"" + num(bar) + "\" fill=\"" + g.color + "\"><title>" + escape(g.label) + ": " +
           fixed(g.value, 3) + " " + escape(unit) + "</title></rect>";
      x += w;
    }
    s += "</g>\n";
  }
  return s + "</svg>\n";
}

}  // namespace manet::report
