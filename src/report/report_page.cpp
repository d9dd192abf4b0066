#include "report/report_page.hpp"

#include <algorithm>
#include <cmath>

#include "report/html_text.hpp"
#include "report/page_sections.hpp"
#include "report/svg_chart.hpp"

namespace manet::report {

namespace {

// System fonts only: nothing is fetched.
constexpr const char* kStyle = R"(
body { margin: 0; background: #ffffff; color: #222; font: 14px/1.4 system-ui, "DejaVu Sans", sans-serif; }
main { width: 1220px; margin: 0 auto; padding: 16px 0 32px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 16px 0 6px; } .sub, .note { color: #666; margin: 2px 0; }
.cards { display: flex; gap: 12px; margin: 12px 0 4px; flex-wrap: wrap; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 150px; background: #fafafa; }
.card b { display: block; font-size: 20px; } .card span { color: #666; font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px 40px; }
svg text { font: 11px system-ui, "DejaVu Sans", sans-serif; fill: #444; }
svg .title { font-size: 13px; font-weight: 600; fill: #222; } svg .legend { font-size: 11px; }
svg .grid { stroke: #eee; } svg .epoch { stroke: #d8d8d8; stroke-dasharray: 2 3; }
svg .frame { fill: none; stroke: #bbb; } svg .tickmark { stroke: #999; } svg .empty { fill: #999; font-size: 13px; }
svg .marker-label { font-size: 10px; font-weight: 600; }
table { border-collapse: collapse; margin: 6px 0; } th, td { padding: 3px 8px; border: 1px solid #e3e3e3; }
th { background: #f4f4f4; text-align: left; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.confusion td { text-align: right; min-width: 34px; } table.confusion th.pred { font-size: 11px; }
table.facts { max-width: 980px; } table.events td:last-child { max-width: 640px; word-break: break-all; }
.row { display: flex; gap: 32px; align-items: flex-start; flex-wrap: wrap; }
pre { background: #f7f7f7; border: 1px solid #e3e3e3; padding: 10px; overflow-x: auto; font-size: 12px; }
summary { cursor: pointer; color: #1f5fa8; } footer { color: #888; font-size: 12px; margin-top: 28px; }
)";

const char* split_color(const std::string& split) {
  return split == "test" ? "#2ca02c" : split == "val" ? "#ff7f0e" : "#7f7f7f";
}

// The last step of each epoch: from the recorded steps per epoch, else where the logged
// epoch number changes.
std::vector<std::pair<double, long>> epoch_ends(const RunHistory& run, long last_step) {
  std::vector<std::pair<double, long>> out;
  const long per_epoch = run.facts ? run.facts->steps_per_epoch : 0;
  if (per_epoch > 0 && last_step / per_epoch <= 1000) {
    for (long e = 1; e * per_epoch <= last_step; ++e) out.push_back({double(e * per_epoch), e});
    return out;
  }
  for (std::size_t i = 0; i + 1 < run.train.size(); ++i)
    if (run.train[i + 1].epoch > run.train[i].epoch) out.push_back({double(run.train[i].step), run.train[i].epoch});
  return out;
}

std::vector<Marker> event_markers(const RunHistory& run) {
  std::vector<Marker> out;
  for (const RunEvent& e : run.events) {
    if (e.kind == "start") continue;
    const char* color = e.kind == "stopped" ? "#d62728" : e.kind == "resumed" ? "#1a9850" : "#7b3294";
    const std::string label = e.kind + (e.kind == "stopped" && !e.reason.empty() ? " (" + e.reason + ")" : "");
    out.push_back({double(e.step), e.kind, label,
                   e.kind + " at step " + std::to_string(e.step) + (e.reason.empty() ? "" : ": " + e.reason) +
                       (e.time.empty() ? "" : " (" + e.time + ")"),
                   color});
  }
  return out;
}

std::string curves(const RunHistory& run) {
  const long last = std::max(1L, run.last_step());
  LineChart base;
  base.x_min = 0, base.x_max = double(last);
  base.markers = event_markers(run);
  base.epoch_ends = epoch_ends(run, last);

  LineChart loss = base, accuracy = base, lr = base, speed = base;
  loss.id = "chart-loss", loss.title = "Loss", loss.y_label = "cross-entropy";
  Series train{"train_loss", "training loss (each logged step)", "#1f77b4", {}, false};
  Series rate{"lr", "learning rate", "#9467bd", {}, false}, samples{"samples_per_s", "samples/s", "#8c564b", {}, false};
  for (const TrainPoint& p : run.train) {
    train.points.push_back({double(p.step), p.loss});
    rate.points.push_back({double(p.step), p.lr});
    samples.points.push_back({double(p.step), p.samples_per_s});
  }
  loss.series.push_back(std::move(train));
  accuracy.id = "chart-accuracy", accuracy.title = "Accuracy (after each epoch)", accuracy.y_label = "accuracy";
  accuracy.min_span = 0.05, accuracy.y_floor = 0, accuracy.y_ceiling = 1;
  for (const std::string& split : run.splits()) {
    Series l{split + "_loss", split + " loss", split_color(split), {}, true};
    Series a{split + "_accuracy", split + " accuracy", split_color(split), {}, true};
    for (const EvalPoint* e : run.evals_of(split)) {
      l.points.push_back({double(e->step), e->loss});
      a.points.push_back({double(e->step), e->accuracy});
    }
    loss.series.push_back(std::move(l));
    accuracy.series.push_back(std::move(a));
  }
  lr.id = "chart-lr", lr.title = "Learning rate", lr.y_label = "learning rate";
  lr.series.push_back(std::move(rate));
  speed.id = "chart-throughput", speed.title = "Throughput", speed.y_label = "samples/s";
  speed.series.push_back(std::move(samples));
  return "<section id=\"curves\"><h2>Curves</h2>\n<div class=\"charts\">\n" + line_chart_svg(loss) +
         line_chart_svg(accuracy) + line_chart_svg(lr) + line_chart_svg(speed) + "</div></section>\n";
}

std::string card(const std::string& value, const std::string& what) {
  return "<div class=\"card\"><b>" + escape(value) + "</b><span>" + escape(what) + "</span></div>";
}

// Where the run stands, in words: finished, stopped (and why), or going.
std::string status_line(const RunHistory& run) {
  const long last = run.last_step();
  const long total = run.facts ? run.facts->total_steps : 0;
  const std::string of = total ? " of " + std::to_string(total) : "";
  const RunEvent* last_stop = nullptr;
  for (const RunEvent& e : run.events)
    if (e.kind == "stopped") last_stop = &e;
    else if (e.kind == "start" || e.kind == "resumed") last_stop = nullptr;
  if (run.summary && total && last >= total) return "finished: " + std::to_string(last) + of + " steps";
  if (last_stop)
    return "stopped after step " + std::to_string(last_stop->step) + of +
           (last_stop->reason.empty() ? "" : " by " + last_stop->reason) + " (resumable: run the same command)";
  return "in progress, or ended without a summary: step " + std::to_string(last) + of + " so far";
}

}  // namespace

ReportPage build_report_page(const RunHistory& run, const std::string& generated) {
  ReportPage page;
  std::string& h = page.html;
  const std::string name = run.run_id.empty() ? run.metrics_path : run.run_id;
  h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta name=\"viewport\" "
      "content=\"width=device-width\">\n<title>manet run " + escape(name) + "</title>\n<style>" + kStyle +
      "</style></head>\n<body><main>\n";
  h += "<h1>manet run " + escape(name) + "</h1>\n<p class=\"sub\">" + escape(run.metrics_path) + "</p>\n";
  h += "<p class=\"status\">" + escape(status_line(run)) + "</p>\n<div class=\"cards\">";
  for (const std::string& split : run.splits()) {
    const EvalPoint& e = *run.evals_of(split, true).back();
    h += card(fixed(e.accuracy, 4), split + " accuracy (" + (e.model == "best" ? "best model, " : "") + "epoch " +
                                        std::to_string(e.epoch) + ")");
    h += card(fixed(e.macro_f1, 4), split + " macro-F1");
  }
  if (!run.train.empty()) h += card(fixed(run.train.back().loss, 4), "training loss (step " +
                                                                      std::to_string(run.train.back().step) + ")");
  if (run.summary) h += card(fixed(run.summary->samples_per_s, 0), "samples/s (steady state)");
  if (run.facts) h += card(std::to_string(run.facts->world_size), run.facts->world_size == 1 ? "rank" : "ranks");
  h += "</div>\n";
  page.height_px = 200;
  if (run.skipped_lines)
    h += "<p class=\"note\">" + std::to_string(run.skipped_lines) +
         " line(s) of metrics.jsonl were not records and were skipped (a line being written, or damage).</p>\n";
  if (run.schema > kReadableSchema)
    h += "<p class=\"note\">metrics.jsonl uses schema " + std::to_string(run.schema) + "; this manet reads schema " +
         std::to_string(kReadableSchema) + ": fields it does not know are not shown.</p>\n";

  h += curves(run);
  page.height_px += 60 + 2 * (300 + 16);
  for (const Section& s : {evaluation_section(run), time_section(run), events_section(run), config_section(run)}) {
    h += s.html;
    page.height_px += s.height;
  }
  h += "<footer>Made by manet report at " + escape(generated) + " from " + escape(run.metrics_path) +
       " (schema " + std::to_string(run.schema) + "). The file is self-contained: no script, nothing from the "
       "network.</footer>\n</main></body></html>\n";
  page.height_px += 80;
  return page;
}

}  // namespace manet::report
