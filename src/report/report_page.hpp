#pragma once
// `manet report`'s page: one self-contained HTML file (inline CSS and SVG, no script, no
// font or anything else from the network) that shows a run from its metrics.jsonl.
#include <string>

#include "report/run_history.hpp"

namespace manet::report {

struct ReportPage {
  std::string html;
  int height_px = 0;  // about how tall it lays out at kPageWidth (for a screenshot)
};

constexpr int kPageWidth = 1280;  // the layout's width in CSS pixels

// `generated` (ISO 8601 UTC) is when the page was made, shown in its header.
ReportPage build_report_page(const RunHistory& run, const std::string& generated);

}  // namespace manet::report
