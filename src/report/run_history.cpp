#include "report/run_history.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace manet::report {

namespace {

using Json = nlohmann::json;

template <class T>
T field(const Json& record, const char* name, T fallback = T{}) {
  const auto it = record.find(name);
  if (it == record.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const Json::exception&) {
    return fallback;
  }
}

TrainPoint train_point(const Json& r) {
  return {field<long>(r, "step"), field<long>(r, "epoch"), field<double>(r, "loss", NAN), field<double>(r, "lr", NAN),
          field<double>(r, "samples_per_s", NAN)};
}

EvalPoint eval_point(const Json& r) {
  EvalPoint e;
  e.split = field<std::string>(r, "split", "test");
  e.model = field<std::string>(r, "model");
  e.step = field<long>(r, "step"), e.epoch = field<long>(r, "epoch");
  e.loss = field<double>(r, "loss", NAN), e.accuracy = field<double>(r, "accuracy", NAN);
  e.macro_f1 = field<double>(r, "macro_f1", NAN);
  e.samples = field<long>(r, "samples");
  e.classes = field<std::vector<std::string>>(r, "classes");
  e.confusion = field<std::vector<std::vector<long>>>(r, "confusion");
  // A matrix that is not square is not one: shown as absent rather than misread.
  for (const auto& row : e.confusion)
    if (row.size() != e.confusion.size()) e.confusion.clear();
  return e;
}

RunFacts run_facts(const Json& r) {
  RunFacts f;
  f.version = field<std::string>(r, "version"), f.cpu = field<std::string>(r, "cpu");
  f.blas = field<std::string>(r, "blas"), f.isa = field<std::string>(r, "isa");
  f.device = field<std::string>(r, "device"), f.config_source = field<std::string>(r, "config_source");
  f.config = field<std::string>(r, "config"), f.time = field<std::string>(r, "time");
  f.world_size = field<int>(r, "world_size"), f.hosts = field<int>(r, "hosts");
  f.total_steps = field<long>(r, "total_steps"), f.steps_per_epoch = field<long>(r, "steps_per_epoch");
  f.global_batch = field<long>(r, "global_batch"), f.parameters = field<long>(r, "parameters");
  f.subnormals_flushed = field<bool>(r, "subnormals_flushed");
  return f;
}

RunSummary run_summary(const Json& r) {
  RunSummary s;
  s.samples_per_s = field<double>(r, "samples_per_s"), s.step_ms = field<double>(r, "step_ms");
  s.peak_rss_mb = field<double>(r, "peak_rss_mb"), s.steps = field<long>(r, "steps");
  s.world_size = field<int>(r, "world_size"), s.time = field<std::string>(r, "time");
  if (const auto ranks = r.find("ranks"); ranks != r.end() && ranks->is_array()) {
    for (const Json& x : *ranks)
      s.ranks.push_back({field<int>(x, "rank"), field<std::string>(x, "host"), field<double>(x, "data_ms"),
                         field<double>(x, "forward_ms"), field<double>(x, "backward_ms"),
                         field<double>(x, "comm_exposed_ms"), field<double>(x, "wait_ms"),
                         field<double>(x, "optimizer_ms"), field<double>(x, "peak_rss_mb")});
  } else {  // before per-rank phases: rank 0's, its wait split as the floor and the rest
    const double comm = field<double>(r, "comm_ms"), floor = field<double>(r, "comm_floor_ms", comm);
    s.ranks.push_back({0, "", field<double>(r, "data_ms"), field<double>(r, "forward_ms"),
                       field<double>(r, "backward_ms"), floor, std::max(0.0, comm - floor),
                       field<double>(r, "optimizer_ms"), s.peak_rss_mb});
  }
  return s;
}

}  // namespace

std::string EvalPoint::class_name(std::size_t k) const {
  return k < classes.size() && !classes[k].empty() ? classes[k] : std::to_string(k);
}

std::vector<const EvalPoint*> RunHistory::evals_of(const std::string& split, bool with_best) const {
  std::vector<const EvalPoint*> out;
  for (const EvalPoint& e : evals)
    if (e.split == split && (with_best || e.model != "best")) out.push_back(&e);
  return out;
}

std::vector<std::string> RunHistory::splits() const {
  std::vector<std::string> out;
  for (const EvalPoint& e : evals)
    if (std::find(out.begin(), out.end(), e.split) == out.end()) out.push_back(e.split);
  return out;
}

long RunHistory::last_step() const {
  long step = 0;
  for (const TrainPoint& p : train) step = std::max(step, p.step);
  for (const EvalPoint& e : evals) step = std::max(step, e.step);
  for (const RunEvent& e : events) step = std::max(step, e.step);
  return step;
}

RunHistory read_run_history(const std::string& run) {
  namespace fs = std::filesystem;
  std::error_code ec;
  RunHistory h;
  const std::string what_to_give =
      ": give the run's directory (its checkpoint.dir, where metrics.jsonl is) or the file";
  if (!fs::exists(run, ec)) throw Error(run + ": no such file or directory" + what_to_give, ErrorKind::usage);
  h.metrics_path = fs::is_directory(run, ec) ? (fs::path(run) / "metrics.jsonl").string() : run;
  std::ifstream in(h.metrics_path);
  if (!in)
    throw Error(h.metrics_path + ": " + (fs::exists(h.metrics_path, ec) ? "cannot be read" : "no such file") +
                    what_to_give,
                ErrorKind::usage);
  std::vector<Json> records;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json r = Json::parse(line, nullptr, false);
    if (r.is_discarded() || !r.is_object() || !r.contains("event")) {
      ++h.skipped_lines;  // a line half-written as we read, or not a record
      continue;
    }
    records.push_back(std::move(r));
  }
  if (!records.empty()) h.run_id = field<std::string>(records.back(), "run");

  for (const Json& r : records) {
    const std::string run_id = field<std::string>(r, "run");
    if (!run_id.empty() && !h.run_id.empty() && run_id != h.run_id) continue;
    h.schema = std::max(h.schema, field<int>(r, "schema"));
    const std::string event = field<std::string>(r, "event");
    if (event == "train") {
      h.train.push_back(train_point(r));
    } else if (event == "eval") {
      h.evals.push_back(eval_point(r));
    } else if (event == "summary") {
      h.summary = run_summary(r);
    } else if (event == "start" || event == "stopped" || event == "resumed" || event == "requeued") {
      h.events.push_back(
          {event, field<long>(r, "step"), field<std::string>(r, "reason"), field<std::string>(r, "time")});
      if (event == "start") h.facts = run_facts(r);
    }
  }
  return h;
}

}  // namespace manet::report
