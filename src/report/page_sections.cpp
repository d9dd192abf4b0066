#include "report/page_sections.hpp"

#include <algorithm>
#include <cmath>

#include "report/html_text.hpp"
#include "report/svg_chart.hpp"

namespace manet::report {

namespace {

std::string cell(const std::string& text, const char* cls = nullptr) {
  return cls ? "<td class=\"" + std::string(cls) + "\">" + text + "</td>" : "<td>" + text + "</td>";
}

// Precision, recall and F1 of every class, and the support, from a confusion matrix.
std::string per_class_table(const EvalPoint& e) {
  const std::size_t K = e.confusion.size();
  std::string s = "<table class=\"per-class\" data-split=\"" + escape(e.split) +
                  "\"><thead><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>"
                  "</thead><tbody>\n";
  for (std::size_t k = 0; k < K; ++k) {
    long tp = e.confusion[k][k], predicted = 0, actual = 0;
    for (std::size_t j = 0; j < K; ++j) predicted += e.confusion[j][k], actual += e.confusion[k][j];
    const double precision = predicted ? double(tp) / double(predicted) : NAN;
    const double recall = actual ? double(tp) / double(actual) : NAN;
    const double f1 = predicted + actual ? 2.0 * double(tp) / double(predicted + actual) : NAN;
    s += "<tr><th>" + escape(e.class_name(k)) + "</th>" + cell(fixed(precision, 4), "num") +
         cell(fixed(recall, 4), "num") + cell(fixed(f1, 4), "num") + cell(std::to_string(actual), "num") + "</tr>\n";
  }
  return s + "</tbody></table>\n";
}

// Rows: true class; columns: predicted class; each cell shaded by its share of the row.
std::string confusion_table(const EvalPoint& e) {
  const std::size_t K = e.confusion.size();
  std::string s = "<table class=\"confusion\" data-split=\"" + escape(e.split) + "\" data-samples=\"" +
                  std::to_string(e.samples) + "\"><thead><tr><th class=\"corner\">true \\ predicted</th>";
  for (std::size_t k = 0; k < K; ++k) s += "<th class=\"pred\">" + escape(e.class_name(k)) + "</th>";
  s += "</tr></thead><tbody>\n";
  for (std::size_t i = 0; i < K; ++i) {
    long row = 0;
    for (long n : e.confusion[i]) row += n;
    s += "<tr><th>" + escape(e.class_name(i)) + "</th>";
    for (std::size_t j = 0; j < K; ++j) {
      const long n = e.confusion[i][j];
      const double share = row ? double(n) / double(row) : 0;
      const std::string background = i == j ? "rgba(44,160,44," + fixed(share, 3) + ")"
                                            : "rgba(214,39,40," + fixed(std::min(1.0, 2 * share), 3) + ")";
      s += "<td class=\"cm\" data-true=\"" + std::to_string(i) + "\" data-pred=\"" + std::to_string(j) +
           "\" style=\"background:" + background + (share > 0.55 ? ";color:#fff" : "") + "\">" + std::to_string(n) +
           "</td>";
    }
    s += "</tr>\n";
  }
  return s + "</tbody></table>\n";
}

std::string facts_table(const RunHistory& run) {
  std::string s = "<table class=\"facts\"><tbody>\n";
  auto row = [&](const char* name, const std::string& value) {
    if (!value.empty()) s += "<tr><th>" + std::string(name) + "</th><td>" + escape(value) + "</td></tr>\n";
  };
  if (run.facts) {
    const RunFacts& f = *run.facts;
    row("manet", f.version);
    row("ranks", std::to_string(f.world_size) + " on " + std::to_string(f.hosts) + " host" + (f.hosts == 1 ? "" : "s"));
    row("device", f.device);
    row("CPU", f.cpu);
    row("kernels (ISA)", f.isa + (f.subnormals_flushed ? ", subnormals flushed (FTZ/DAZ)" : ", subnormals kept"));
    row("BLAS", f.blas);
    row("model", std::to_string(f.parameters) + " parameters");
    row("global batch", std::to_string(f.global_batch) + " samples, " + std::to_string(f.steps_per_epoch) +
                            " steps per epoch, " + std::to_string(f.total_steps) + " steps in all");
  }
  if (run.summary) {
    std::string hosts;
    for (const RankPhases& r : run.summary->ranks)
      if (!r.host.empty() && hosts.find(r.host) == std::string::npos) hosts += (hosts.empty() ? "" : ", ") + r.host;
    row("hosts", hosts);
  }
  return s + "</tbody></table>\n";
}

}  // namespace

Section evaluation_section(const RunHistory& run) {
  Section out;
  out.html = "<section id=\"evaluation\"><h2>Final evaluation</h2>\n";
  out.height = 60;
  if (run.evals.empty()) {
    out.html += "<p class=\"note\">No evaluation recorded yet (evaluations follow each epoch when data.test or "
                "data.val is set).</p>\n";
    out.height += 30;
  }
  std::vector<std::string> splits = run.splits();
  std::stable_sort(splits.begin(), splits.end(), [](const std::string& a, const std::string& b) {
    return (a == "test") > (b == "test");  // the test set first
  });
  for (const std::string& split : splits) {
    // The final evaluation: of best.h5 when the run kept one (chosen on validation), else the last.
    const EvalPoint& e = *run.evals_of(split, true).back();
    const auto all = run.evals_of(split);
    const EvalPoint& best =
        **std::max_element(all.begin(), all.end(), [](auto* a, auto* b) { return a->accuracy < b->accuracy; });
    const std::string which = e.model == "best" ? "best model (best.h5, chosen on validation), "
                              : e.model == "last" ? "last model, " : "";
    out.html += "<h3>" + escape(split) + " set, " + which + "epoch " + std::to_string(e.epoch) + " (step " +
                std::to_string(e.step) + "): accuracy " + fixed(e.accuracy, 4) + ", macro-F1 " +
                fixed(e.macro_f1, 4) + ", loss " + fixed(e.loss, 4) + ", " + std::to_string(e.samples) +
                " samples</h3>\n";
    if (all.size() > 1 && split != "test")  // the best on the test set is no result: nothing is chosen on it
      out.html += "<p class=\"note\">Best " + escape(split) + " accuracy " + fixed(best.accuracy, 4) +
                  " after epoch " + std::to_string(best.epoch) + " (step " + std::to_string(best.step) + ").</p>\n";
    out.height += 70;
    if (e.confusion.empty()) {
      out.html += "<p class=\"note\">This record has no confusion matrix (written by a manet before metrics "
                  "schema 1).</p>\n";
      out.height += 30;
      continue;
    }
    out.html += "<div class=\"row\"><div>" + per_class_table(e) + "</div><div>" + confusion_table(e) +
                "</div></div>\n";
    std::size_t longest = 0;
    for (std::size_t k = 0; k < e.confusion.size(); ++k) longest = std::max(longest, e.class_name(k).size());
    out.height += int(e.confusion.size() + 1) * 27 + int(std::min<std::size_t>(longest, 40)) * 3 + 30;
  }
  out.html += "</section>\n";
  return out;
}

Section time_section(const RunHistory& run) {
  Section out;
  out.html = "<section id=\"time\"><h2>Where the time goes</h2>\n";
  out.height = 60;
  if (!run.summary) {
    out.html += "<p class=\"note\">No summary yet: a run records where its time went when it finishes.</p>\n";
    out.height += 30;
  } else {
    const RunSummary& s = *run.summary;
    out.html += "<p>" + fixed(s.samples_per_s, 1) + " samples/s over " + std::to_string(s.steps) +
                " steady steps (the first few excluded); " + fixed(s.step_ms, 2) + " ms per step on rank 0.</p>\n";
    static const char* const ids[] = {"data", "forward", "backward", "comm_exposed", "wait", "optimizer"};
    static const char* const labels[] = {"data",         "forward",           "backward",
                                         "exposed communication", "waiting for slower ranks", "optimizer"};
    static const char* const colors[] = {"#8c564b", "#1f77b4", "#ff7f0e", "#d62728", "#bcbd22", "#2ca02c"};
    std::vector<BarRow> rows;
    std::string table = "<table class=\"phases\"><thead><tr><th>rank</th><th>host</th>";
    for (const char* label : labels) table += "<th>" + std::string(label) + "</th>";
    table += "<th>step</th><th>peak memory</th></tr></thead><tbody>\n";
    for (const RankPhases& r : s.ranks) {
      const double values[] = {r.data_ms, r.forward_ms, r.backward_ms, r.comm_exposed_ms, r.wait_ms, r.optimizer_ms};
      BarRow row{"rank " + std::to_string(r.rank) + (r.host.empty() ? "" : " (" + r.host + ")"), {}};
      table += "<tr data-rank=\"" + std::to_string(r.rank) + "\"><td>" + std::to_string(r.rank) + "</td><td>" +
               escape(r.host) + "</td>";
      for (int i = 0; i < 6; ++i) {
        row.segments.push_back({ids[i], labels[i], colors[i], values[i]});
        table += cell(fixed(values[i], 3), "num");
      }
      table += cell(fixed(r.step_ms(), 3), "num") + cell(fixed(r.peak_rss_mb, 1) + " MB", "num") + "</tr>\n";
      rows.push_back(std::move(row));
    }
    out.html += stacked_bars_svg(rows, "ms per step") + table + "</tbody></table>\n";
    out.height += 40 + int(rows.size()) * 32 + 70 + int(rows.size() + 1) * 27 + 20;
  }
  out.html += "<h3>Ran on</h3>\n" + facts_table(run) + "</section>\n";
  out.height += 50 + 9 * 25;
  return out;
}

Section events_section(const RunHistory& run) {
  Section out;
  out.html = "<section id=\"events\"><h2>Starts, stops, resumes and requeues</h2>\n<table class=\"events\"><thead>"
             "<tr><th>event</th><th>step</th><th>time (UTC)</th><th>reason</th></tr></thead><tbody>\n";
  for (const RunEvent& e : run.events)
    out.html += "<tr data-kind=\"" + escape(e.kind) + "\"><td>" + escape(e.kind) + "</td>" +
                cell(std::to_string(e.step), "num") + cell(escape(e.time)) + cell(escape(e.reason)) + "</tr>\n";
  out.html += "</tbody></table></section>\n";
  out.height = 70 + int(run.events.size() + 1) * 27;
  return out;
}

Section config_section(const RunHistory& run) {
  Section out;
  if (!run.facts || run.facts->config.empty()) return out;
  out.html = "<section id=\"config\"><h2>Configuration</h2>\n<details><summary>The resolved config (" +
             escape(run.facts->config_source) + ", every key with its default filled in)</summary>\n<pre>" +
             escape(run.facts->config) + "</pre></details></section>\n";
  out.height = 100;
  return out;
}

}  // namespace manet::report
