#include "train/run_evaluation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "checkpoint/checkpoint.hpp"
#include "comm/agree.hpp"
#include "core/error.hpp"
#include "train/selection.hpp"

namespace manet {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

}  // namespace

RunEvaluation::RunEvaluation(comm::Comm& comm, Training& t, TrainingModel& trained, Progress& progress,
                             std::function<std::string()> save, std::function<void(const std::string&)> save_as)
    : comm_(comm), t_(t), trained_(trained), progress_(progress), save_(std::move(save)), save_as_(std::move(save_as)) {}

BatchLogits RunEvaluation::as_configured(BatchLogits forward) const {
  if (!t_.config.train.eval_hflip) return forward;
  return mirror_averaged(std::move(forward), t_.model->spec().num_classes, t_.model->block_shapes().front());
}

EvalResult RunEvaluation::evaluate_or_save(const Dataset& data, const RunPosition& at) {
  try {  // where the model trains: no copy of the parameters to the host
    return evaluate_sharded(comm_, as_configured([&](const ModelInput<float>& batch) { return trained_.eval_logits(batch); }),
                            t_.model->spec().num_classes, data, t_.config.train.eval_batch_size);
  } catch (const Error& e) {
    if (dynamic_cast<const CollectiveError*>(&e)) throw;  // a rank is gone: no collective save possible
    const std::string path = save_();
    throw Error(std::string(e.what()) + " (evaluating " + data.name + " after step " + std::to_string(at.step) +
                    "; the checkpoint " + path + " was written first)",
                e.kind());
  }
}

bool RunEvaluation::end_of_epoch(RunPosition& at) {
  if (at.epoch_steps == 0) return false;
  const Config& cfg = t_.config;
  EpochRecord row{at.epoch + 1, at.step, at.epoch_loss_sum / double(at.epoch_steps)};
  bool stop = false;
  if (cfg.data.has_val()) {
    const auto t0 = Clock::now();
    const EvalResult r = evaluate_or_save(t_.val_data, at);
    progress_.eval_done("val", at.step, at.epoch + 1, r, class_names(), seconds_since(t0));
    row.val_loss = r.loss(), row.val_accuracy = r.accuracy();
    const SelectionStep s = after_validation(cfg, r, at);
    if (s.new_best) {
      save_as_(best_path());
      progress_.note("best so far by " + cfg.checkpoint.keep_best + " (" + number(at.best_value) + "): " +
                     best_path());
    }
    if (s.stop) {
      const EarlyStopSpec& e = cfg.train.early_stop;
      progress_.note("early stop after epoch " + std::to_string(at.epoch + 1) + ": " + e.metric +
                     " has not improved by more than " + number(e.min_delta) + " on its best (" +
                     number(at.early_stop_best) + ") for " + std::to_string(e.patience) + " evaluation(s)");
      progress_.note_event("early_stop", at.step);
      stop = true;
    }
  }
  if (cfg.data.test.defined() && cfg.train.test_every_epoch) {
    const auto t0 = Clock::now();
    const EvalResult r = evaluate_or_save(t_.test_data, at);
    progress_.eval_done("test", at.step, at.epoch + 1, r, class_names(), seconds_since(t0));
    row.test_loss = r.loss(), row.test_accuracy = r.accuracy();
  }
  at.history.push_back(row);
  return stop;
}

void RunEvaluation::end_of_run(RunPosition& at) {
  const Config& cfg = t_.config;
  if (!cfg.data.test.defined()) return;
  const bool lead = comm_.rank() == 0;
  std::vector<std::string> results;
  auto result_line = [&](const EvalResult& r, const std::string& which) {
    results.push_back("test accuracy " + number(r.accuracy()) + ", macro-F1 " + number(r.macro_f1()) + ", loss " +
                      number(r.loss()) + " on " + t_.test_data.name + " (" + std::to_string(r.samples) +
                      " samples): " + which);
  };

  // The epochs the model has seen (the last one may be partial).
  const long epoch = at.epoch_steps > 0 ? at.epoch + 1 : at.epoch;
  // The last model, unless the last epoch's evaluation already covered it.
  const auto t0 = Clock::now();
  const EvalResult last = evaluate_or_save(t_.test_data, at);
  const bool already_logged = cfg.train.test_every_epoch && !at.history.empty() && at.history.back().step == at.step;
  if (!already_logged) progress_.eval_done("test", at.step, epoch, last, class_names(), seconds_since(t0), "last");
  if (!at.history.empty() && at.history.back().step == at.step)
    at.history.back().test_loss = last.loss(), at.history.back().test_accuracy = last.accuracy();
  result_line(last, "the last model (step " + std::to_string(at.step) + ")");

  // The best model by the validation metric, from best.h5.
  if (!cfg.checkpoint.keep_best.empty() && at.best_step > 0) {
    const std::string best = "the best model by " + cfg.checkpoint.keep_best + " " + number(at.best_value) +
                             " (step " + std::to_string(at.best_step) + ", " + best_path() + ")";
    if (at.best_step == at.step) {
      results.back() = results.back() + ", which is also " + best;
    } else {
      Model<float> model(t_.model->spec());
      bool found = true;
      comm::agree(comm_, [&] {
        if (!lead) return;
        std::error_code ec;
        found = std::filesystem::exists(best_path(), ec);
        if (!found) return;
        const CheckpointContents c = load_checkpoint(best_path(), model.params());
        std::copy(c.params.begin(), c.params.end(), model.values());
      });
      comm_.broadcast(&found, sizeof found, 0, "broadcast of whether best.h5 exists");
      if (!found) {
        progress_.note("manet: warning: " + best_path() + " is gone: the best model (step " +
                       std::to_string(at.best_step) + ") cannot be evaluated");
      } else {
        comm_.broadcast(model.values(), model.num_params() * long(sizeof(float)), 0, "broadcast of best.h5");
        const auto t1 = Clock::now();
        const EvalResult r = evaluate_sharded(comm_, as_configured(host_forward(model)), model.spec().num_classes,
                                              t_.test_data, cfg.train.eval_batch_size);
        long best_epoch = epoch;  // the record names the best model's own step and epoch
        for (const EpochRecord& row : at.history)
          if (row.step == at.best_step) best_epoch = row.epoch;
        progress_.eval_done("test", at.best_step, best_epoch, r, class_names(), seconds_since(t1), "best");
        result_line(r, best);
        std::swap(results.front(), results.back());  // the selected model first
      }
    }
  }
  for (const std::string& line : results) progress_.note("result: " + line);
}

}  // namespace manet
