#pragma once
// The parts of the report page below its curves (report/report_page.hpp): each an HTML
// fragment and about how many pixels tall it lays out.
#include <string>

#include "report/run_history.hpp"

namespace manet::report {

struct Section {
  std::string html;
  int height = 0;
};

// Per evaluated split, its final evaluation: per-class precision, recall and F1, and the
// confusion matrix with class names.
Section evaluation_section(const RunHistory& run);

// Where the time of a step goes on each rank (stacked bars and a table), peak memory per
// rank, and what the run ran on (ranks, hosts, CPU, ISA, BLAS, manet version).
Section time_section(const RunHistory& run);

// The starts, stops, resumes and requeues, with their step, time and reason.
Section events_section(const RunHistory& run);

// The resolved config of the latest start, collapsed.
Section config_section(const RunHistory& run);

}  // namespace manet::report
