// Model selection (train/selection.hpp) on sequences of validation results written out by
// hand: which evaluation best.h5 holds, when early stopping ends the run.
#include <gtest/gtest.h>

#include <cmath>

#include "train/selection.hpp"

namespace manet {
namespace {

EvalResult result(double loss, long correct, long samples = 100) {
  EvalResult r;
  r.loss_sum = loss * double(samples), r.correct = correct, r.samples = samples;
  return r;
}

Config selecting(const std::string& keep_best, const std::string& stop_on, long patience, double min_delta) {
  Config c;
  c.data.val_fraction = 0.1;
  c.checkpoint.keep_best = keep_best;
  c.train.early_stop.metric = stop_on;
  c.train.early_stop.patience = patience;
  c.train.early_stop.min_delta = min_delta;
  return c;
}

TEST(Selection, BetterMeansHigherAccuracyOrLowerLoss) {
  EXPECT_TRUE(improves("val_accuracy", 0.5, std::nan("")));
  EXPECT_TRUE(improves("val_accuracy", 0.6, 0.5));
  EXPECT_FALSE(improves("val_accuracy", 0.5, 0.5)) << "a tie is not an improvement";
  EXPECT_FALSE(improves("val_accuracy", 0.505, 0.5, 0.01));
  EXPECT_TRUE(improves("val_loss", 0.4, 0.5));
  EXPECT_FALSE(improves("val_loss", 0.6, 0.5));
  EXPECT_FALSE(improves("val_loss", 0.495, 0.5, 0.01));
  EXPECT_DOUBLE_EQ(metric_value("val_loss", result(0.25, 10)), 0.25);
  EXPECT_DOUBLE_EQ(metric_value("val_accuracy", result(0.25, 10)), 0.1);
}

TEST(Selection, BestFollowsTheMetricAndEarlyStopCountsPatience) {
  // Accuracies 0.50 0.60 0.60 0.58 0.61 0.605 0.60; keep the best by accuracy, stop on
  // loss (0.9 0.8 0.79 0.85 0.81 0.82 0.83) with patience 3 and min_delta 0.02.
  const Config c = selecting("val_accuracy", "val_loss", 3, 0.02);
  const std::vector<long> correct = {50, 60, 60, 58, 61, 60, 60};
  const std::vector<double> loss = {0.9, 0.8, 0.79, 0.85, 0.81, 0.82, 0.83};
  RunPosition at;
  std::vector<long> bests;
  long stopped_after = -1;
  for (std::size_t e = 0; e < correct.size(); ++e) {
    at.step = long(e + 1) * 10;
    const SelectionStep s = after_validation(c, result(loss[e], correct[e]), at);
    if (s.new_best) bests.push_back(at.step);
    if (s.stop) {
      stopped_after = at.step;
      break;
    }
  }
  // Best accuracy: 0.50 (step 10), 0.60 (20), the tie at 30 is not better, 0.61 (50).
  EXPECT_EQ(bests, (std::vector<long>{10, 20, 50}));
  EXPECT_EQ(at.best_step, 50);
  EXPECT_DOUBLE_EQ(at.best_value, 0.61);
  // Loss improves by more than 0.02 at epochs 1 and 2 (0.9, 0.8); 0.79 is within
  // min_delta; then 3 evaluations without improvement: epochs 3, 4, 5 -> stop at step 50.
  EXPECT_EQ(stopped_after, 50);
  EXPECT_EQ(at.stopped_early, 1);
  EXPECT_DOUBLE_EQ(at.early_stop_best, 0.8);
}

TEST(Selection, NothingSelectedWithoutTheKeys) {
  const Config c = selecting("", "", 5, 0);
  RunPosition at;
  at.step = 4;
  const SelectionStep s = after_validation(c, result(0.1, 99), at);
  EXPECT_FALSE(s.new_best);
  EXPECT_FALSE(s.stop);
  EXPECT_TRUE(std::isnan(at.best_value));
  EXPECT_EQ(at.best_step, 0);
}

}  // namespace
}  // namespace manet
