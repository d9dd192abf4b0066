// Validation, best.h5, early stopping and augmentation through the real binary under
// mpirun: the same run at 1, 2 and 4 ranks (same global batch) selects the same step and
// ends with the same parameters up to float rounding; a run stopped and resumed ends
// bitwise equal to the straight one, best.h5 included; early stopping ends where the
// validation losses say it must; an evaluated sample is never augmented.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "comm/run_harness.hpp"

namespace manet::testing {
namespace {

namespace fs = std::filesystem;

// 64 samples, val 16 (a quarter of each class), train 48: 3 steps per epoch of 16.
const std::string kSelect =
    "--set 'data.val={fraction: 0.25}' --set 'train.augment={crop_pad: 1, hflip: true, erase: 0.5}' "
    "--set 'checkpoint.keep_best={metric: val_loss}' --set 'train.early_stop={metric: val_loss, patience: 2}' ";

CheckpointContents load_file(const std::string& path) {
  const Config config = parse_config(read_checkpoint_config(path), "ckpt");
  Model<float> model(config.model);
  return load_checkpoint(path, model.params());
}

std::vector<nlohmann::json> records(const std::string& metrics, const std::string& event) {
  std::vector<nlohmann::json> out;
  std::ifstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    nlohmann::json r = nlohmann::json::parse(line);
    if (r.value("event", "") == event) out.push_back(r);
  }
  return out;
}

TEST(SelectionRuns, AugmentedSelectedRunsDoNotDependOnTheRankCount) {
  constexpr long kSteps = 9;
  const std::string dir = prepare_run("select_ranks", false, kSteps);
  ASSERT_EQ(train_run(dir, 1, 16, kSelect, "", "np1").exit_code, 0);
  const CheckpointContents ref = load_final(dir, "np1", kSteps), ref_best = load_file(dir + "/np1/best.h5");
  ASSERT_EQ(ref.position.history.size(), 3u);
  EXPECT_GT(ref.position.best_step, 0);
  for (int ranks : {2, 4}) {
    SCOPED_TRACE(std::to_string(ranks) + " ranks");
    const std::string name = "np" + std::to_string(ranks);
    const TimedResult r = train_run(dir, ranks, 16 / ranks, kSelect, "", name);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("validation: 16 samples of " + dir + "/data.h5 (validation share 0.25)"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("augmentation: crop_pad 1 (zero), hflip, erase 0.50"), std::string::npos) << r.output;
    const CheckpointContents got = load_final(dir, name, kSteps);
    EXPECT_LT(worst_difference(got.params, ref.params), 1e-6);
    EXPECT_EQ(got.position.best_step, ref.position.best_step);
    EXPECT_NEAR(got.position.best_value, ref.position.best_value, 1e-6);
    EXPECT_LT(worst_difference(load_file(dir + "/" + name + "/best.h5").params, ref_best.params), 1e-6);
    ASSERT_EQ(got.position.history.size(), ref.position.history.size());
    for (std::size_t e = 0; e < got.position.history.size(); ++e)
      EXPECT_NEAR(got.position.history[e].val_loss, ref.position.history[e].val_loss, 1e-5);
  }
  // The augmentation did something: without it the run ends elsewhere (so the agreement
  // above is about augmented runs).
  ASSERT_EQ(train_run(dir, 1, 16, "--set 'data.val={fraction: 0.25}'", "", "plain").exit_code, 0);
  EXPECT_GT(worst_difference(load_final(dir, "plain", kSteps).params, ref.params), 1e-3);
}

TEST(SelectionRuns, StoppedAndResumedEndsBitwiseEqualBestIncluded) {
  constexpr long kSteps = 12;
  const std::string dir = prepare_run("select_resume", false, kSteps);
  // At lr 0.3 the validation loss is lowest after epoch 1 (step 3) and rises after: the
  // resumed leg must remember that best (and early stopping's count) to end the same.
  const std::string sets = kSelect + "--set optimizer.lr=0.3 --set train.early_stop.patience=5 ";
  ASSERT_EQ(train_run(dir, 2, 8, sets, "", "straight").exit_code, 0);
  EXPECT_EQ(load_final(dir, "straight", kSteps).position.best_step, 3);
  const TimedResult stopped = train_run(dir, 2, 8, sets, fault("sigterm", 0, 5));
  ASSERT_EQ(stopped.exit_code, 0) << stopped.output;
  EXPECT_NE(stopped.output.find("stopped by SIGTERM after step 5 of 12"), std::string::npos) << stopped.output;
  const TimedResult resumed = train_run(dir, 2, 8, sets);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming from " + dir + "/ckpt/step-00000005.h5 at step 5"), std::string::npos)
      << resumed.output;
  const CheckpointContents a = load_final(dir, "ckpt", kSteps), b = load_final(dir, "straight", kSteps);
  expect_same_state(a, b);
  const CheckpointContents best_a = load_file(dir + "/ckpt/best.h5"), best_b = load_file(dir + "/straight/best.h5");
  EXPECT_EQ(best_a.position.step, best_b.position.step);
  EXPECT_TRUE(best_a.params == best_b.params) << "best.h5 differs";
}

TEST(SelectionRuns, BestH5HoldsTheStepWithTheLowestValidationLoss) {
  constexpr long kSteps = 15;  // 5 epochs
  const std::string dir = prepare_run("select_best", false, kSteps);
  const TimedResult r = train_run(dir, 2, 8, "--set 'data.val={fraction: 0.25}' --set 'checkpoint.keep_best={metric: val_loss}' "
                                             "--set train.test_every_epoch=false --set optimizer.lr=0.2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The best step, computed here from the val records of metrics.jsonl: the first lowest loss.
  long best_step = 0;
  double best = INFINITY;
  const auto val = records(dir + "/ckpt/metrics.jsonl", "eval");
  int val_records = 0, test_records = 0;
  for (const auto& e : val) {
    if (e["split"] == "val") {
      ++val_records;
      if (e["loss"].get<double>() < best) best = e["loss"].get<double>(), best_step = e["step"].get<long>();
    } else {
      ++test_records;
    }
  }
  EXPECT_EQ(val_records, 5);
  const CheckpointContents b = load_file(dir + "/ckpt/best.h5");
  EXPECT_EQ(b.position.step, best_step);
  EXPECT_TRUE(b.params == load_final(dir, "ckpt", best_step).params) << "best.h5 is not step " << best_step << "'s model";
  // The test set once at the end: the last model, and the best one when it is another.
  EXPECT_EQ(test_records, best_step == kSteps ? 1 : 2) << r.output;
  EXPECT_NE(r.output.find("result: test accuracy"), std::string::npos) << r.output;
  if (best_step != kSteps) {
    EXPECT_NE(r.output.find("the best model by val_loss"), std::string::npos) << r.output;
  }
}

double eval_json(const std::string& args, const std::string& what) {
  const CommandResult r = run_command(manet_binary() + " eval --json " + args);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string last = r.output.substr(r.output.rfind('{'));
  return nlohmann::json::parse(last)[what].get<double>();
}

// train.eval_hflip changes what is evaluated, never what is trained; best.h5 is chosen by
// the mirrored validation loss, and `manet eval --data val --hflip` reproduces the run's
// records (as plain `eval --data val` does a plain run's).
TEST(SelectionRuns, MirroredEvaluationChoosesAndEvalReproducesIt) {
  constexpr long kSteps = 9;
  const std::string dir = prepare_run("select_hflip", false, kSteps);
  const std::string sets = "--set 'data.val={fraction: 0.25}' --set 'checkpoint.keep_best={metric: val_loss}' "
                           "--set optimizer.lr=0.2 ";
  ASSERT_EQ(train_run(dir, 1, 16, sets, "", "plain").exit_code, 0);
  const TimedResult mirrored = train_run(dir, 2, 8, sets + "--set train.eval_hflip=true", "", "mirrored");
  ASSERT_EQ(mirrored.exit_code, 0) << mirrored.output;
  EXPECT_NE(mirrored.output.find("mirror"), std::string::npos) << mirrored.output;

  const CheckpointContents plain = load_final(dir, "plain", kSteps), flipped = load_final(dir, "mirrored", kSteps);
  EXPECT_LT(worst_difference(plain.params, flipped.params), 1e-6) << "evaluation changed the training";
  ASSERT_EQ(plain.position.history.size(), 3u);
  ASSERT_EQ(flipped.position.history.size(), 3u);
  // Random images, a model near chance: the two losses differ by 1e-5 to 1e-4, far above
  // the rounding of a mean loss (~1e-7).
  double largest = 0;
  for (std::size_t e = 0; e < 3; ++e)
    largest = std::max(largest, std::fabs(plain.position.history[e].val_loss - flipped.position.history[e].val_loss));
  EXPECT_GT(largest, 3e-5) << "the mirrored validation losses are the plain ones";

  const std::string last = "--data val --checkpoint " + dir + "/mirrored/step-0000000" + std::to_string(kSteps) + ".h5";
  EXPECT_NEAR(eval_json(last + " --hflip", "loss"), flipped.position.history.back().val_loss, 1e-5);
  EXPECT_NEAR(eval_json(last, "loss"), plain.position.history.back().val_loss, 1e-5);
  const CheckpointContents best = load_file(dir + "/mirrored/best.h5");
  EXPECT_EQ(best.position.step, flipped.position.best_step);
  EXPECT_NEAR(eval_json("--data val --hflip --checkpoint " + dir + "/mirrored/best.h5", "loss"),
              flipped.position.best_value, 1e-5);
}

TEST(SelectionRuns, EarlyStopEndsTheRunWhereTheValidationLossSaysAndStaysFinished) {
  const std::string dir = prepare_run("select_early", false, 30);
  // lr 1e-12: the model does not change, the validation loss repeats, and patience 2 with
  // min_delta 0.01 stops after epoch 3 (epoch 1 sets the best, 2 and 3 fail to beat it).
  const std::string sets = "--set 'data.val={fraction: 0.25}' --set optimizer.lr=1e-12 "
                           "--set 'train.early_stop={metric: val_loss, patience: 2, min_delta: 0.01}' ";
  const TimedResult r = train_run(dir, 2, 8, sets);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("early stop after epoch 3: val_loss has not improved by more than 0.0100"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("final checkpoint " + dir + "/ckpt/step-00000009.h5"), std::string::npos) << r.output;
  EXPECT_EQ(load_final(dir, "ckpt", 9).position.stopped_early, 1);
  EXPECT_EQ(records(dir + "/ckpt/metrics.jsonl", "early_stop").size(), 1u);
  const TimedResult again = train_run(dir, 2, 8, sets);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("the run is already finished (step 9 of 30, stopped early by train.early_stop)"),
            std::string::npos)
      << again.output;
}

TEST(SelectionRuns, AnEvaluatedSampleIsNeverAugmented) {
  constexpr long kSteps = 4;
  const std::string dir = prepare_run("select_eval", false, kSteps);
  // Heavy augmentation while training; the run's own test evaluation at the end must equal
  // `manet eval` of its final checkpoint, which never augments.
  const TimedResult r = train_run(dir, 2, 8, "--set 'train.augment={crop_pad: 3, hflip: true, erase: 1.0}' "
                                             "--set train.test_every_epoch=false");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto evals = records(dir + "/ckpt/metrics.jsonl", "eval");
  ASSERT_EQ(evals.size(), 1u) << "the test set once, at the end";
  EXPECT_EQ(evals[0]["model"], "last");
  const CommandResult e = run_command(manet_binary() + " eval --json --checkpoint " + dir + "/ckpt/" +
                                      checkpoint_file_name(kSteps) + " --data " + dir + "/data.h5");
  ASSERT_EQ(e.exit_code, 0) << e.output;
  const nlohmann::json m = nlohmann::json::parse(e.output.substr(e.output.find_last_of('\n', e.output.size() - 2) + 1));
  EXPECT_NEAR(m["loss"].get<double>(), evals[0]["loss"].get<double>(), 1e-5);
  EXPECT_DOUBLE_EQ(m["accuracy"].get<double>(), evals[0]["accuracy"].get<double>());
}

}  // namespace
}  // namespace manet::testing
