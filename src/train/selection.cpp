#include "train/selection.hpp"

#include <cmath>

#include "core/error.hpp"

namespace manet {

double metric_value(const std::string& metric, const EvalResult& val) {
  if (metric == "val_accuracy") return val.accuracy();
  if (metric == "val_loss") return val.loss();
  if (metric == "val_macro_f1") return val.macro_f1();
  throw Error("unknown selection metric '" + metric + "'");
}

bool lower_is_better(const std::string& metric) { return metric == "val_loss"; }

bool improves(const std::string& metric, double value, double best, double min_delta) {
  if (std::isnan(best)) return !std::isnan(value);
  return lower_is_better(metric) ? value < best - min_delta : value > best + min_delta;
}

SelectionStep after_validation(const Config& config, const EvalResult& val, RunPosition& at) {
  SelectionStep out;
  if (const std::string& metric = config.checkpoint.keep_best; !metric.empty()) {
    const double value = metric_value(metric, val);
    if (improves(metric, value, at.best_value)) out.new_best = true, at.best_value = value, at.best_step = at.step;
  }
  if (const EarlyStopSpec& e = config.train.early_stop; !e.metric.empty()) {
    const double value = metric_value(e.metric, val);
    if (improves(e.metric, value, at.early_stop_best, e.min_delta)) {
      at.early_stop_best = value, at.early_stop_waited = 0;
    } else if (++at.early_stop_waited >= e.patience) {
      out.stop = true, at.stopped_early = 1;
    }
  }
  return out;
}

}  // namespace manet
