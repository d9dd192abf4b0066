#pragma once
// Model selection on the validation set, as pure functions of the evaluations: which value
// of a metric is better, when best.h5 is replaced, when early stopping ends the run. The
// state lives in RunPosition (best_value, best_step, early_stop_best, early_stop_waited),
// so a resumed run selects exactly as the straight one would.
#include <string>

#include "checkpoint/run_position.hpp"
#include "config/config.hpp"
#include "train/evaluate.hpp"

namespace manet {

// The value of `metric` (is_selection_metric) in a validation result.
double metric_value(const std::string& metric, const EvalResult& val);
bool lower_is_better(const std::string& metric);
// Whether `value` beats `best` by more than `min_delta`; anything beats NaN (no best yet).
bool improves(const std::string& metric, double value, double best, double min_delta = 0);

struct SelectionStep {
  bool new_best = false;  // checkpoint.keep_best: this model is the best so far
  bool stop = false;      // train.early_stop: patience ran out
};

// Updates `at` after a validation evaluation at step at.step.
SelectionStep after_validation(const Config& config, const EvalResult& val, RunPosition& at);

}  // namespace manet
