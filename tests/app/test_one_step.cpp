// One optimizer step through the real `manet train` (init_from a checkpoint, an HDF5
// batch, shuffle off, max_steps 1, global batch = the whole file) equals the update
// computed here from the model's gradients (themselves checked by finite differences in
// tests/model/test_model_grad.cpp) with torch.optim's formulas written out in double.
// The unit binary runs it on one rank; the mpi binary on 2 and 4 ranks under mpirun
// (MANET_ONE_STEP_RANKS), where each rank takes its part of the batch.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include <nlohmann/json.hpp>

#include "app/cli_harness.hpp"
#include "checkpoint/checkpoint.hpp"
#include "config/config.hpp"
#include "core/rng.hpp"
#include "data/hdf5_dataset.hpp"
#include "layers/cross_entropy.hpp"
#include "model/manet_model.hpp"
#include "train/evaluate.hpp"

namespace manet::testing {

namespace {

constexpr int kN = 12;  // divisible by 1, 2 and 4 ranks

std::string config_text(const std::string& dir, const std::string& optimizer) {
  return R"(seed: 11
model:
  input: image
  in_channels: 1
  image_size: [8, 8]
  blocks:
    - conv: {channels: 4, kernel: 3}
    - pool_attention: {pool: max, size: 2, heads: 2}
    - conv_attention: {channels: 4, kernel: [3, 1], heads: 2}
  head: {hidden: [6], activation: tanh, dropout: 0.0}
  num_classes: 3
data:
  train: {format: hdf5, path: )" + dir + R"(/batch.h5}
train:
  batch_size: 12
  max_steps: 1
  shuffle: false
  label_smoothing: 0.1
  init_from: )" + dir + R"(/start.h5
optimizer: )" + optimizer + R"(
checkpoint: {dir: )" + dir + R"(/run, resume: never}
)";
}

std::vector<float> random_floats(long n, uint64_t id, double lo, double hi) {
  const RandomStream s(77, RandomPurpose::data, id);
  std::vector<float> v(n);
  for (long i = 0; i < n; ++i) v[i] = float(lo + (hi - lo) * s.uniform(i));
  return v;
}

struct StepCase {
  std::string dir;
  Config config;
  std::vector<float> params;
  Dataset batch;
};

// Writes the batch, a starting checkpoint with the given optimizer state, and the config.
StepCase prepare(const std::string& name, const std::string& optimizer_yaml, const std::string& type, int64_t opt_step,
              std::vector<std::pair<std::string, std::vector<float>>> slots) {
  StepCase s;
  s.dir = fresh_dir(name);
  s.batch.sample_shape = {1, 8, 8};
  s.batch.images = random_floats(kN * 64, 1, -1, 1);
  s.batch.labels = {0, 2, 1, 1, 0, 2, 2, 1, 0, 0, 1, 2};
  save_hdf5_dataset(s.dir + "/batch.h5", s.batch);
  const std::string text = config_text(s.dir, optimizer_yaml);
  write_file(s.dir + "/run.yaml", text);
  s.config = parse_config(text, "run.yaml");
  Model<float> model(s.config.model);
  s.params = random_floats(model.num_params(), 2, -0.5, 0.5);  // gammas nonzero, so attention matters
  CheckpointContents c;
  c.config_yaml = text;
  c.params = s.params;
  c.optimizer_type = type;
  c.position.optimizer_step = opt_step;
  c.slots = std::move(slots);
  save_checkpoint(s.dir + "/start.h5", c, model.params());
  return s;
}

// The model's gradient of the mean label-smoothed loss at `params` on the batch.
std::vector<float> gradient(const StepCase& s) {
  Model<float> model(s.config.model);
  std::copy(s.params.begin(), s.params.end(), model.values());
  CrossEntropy<float> ce(3);
  model.zero_grad();
  const float* logits = model.forward({kN, s.batch.images.data(), nullptr}, {true, 11, 0, 0});
  ce.forward(logits, s.batch.labels.data(), kN, 0.1f);
  model.backward(ce.backward(1.0f / kN));
  return {model.grads(), model.grads() + model.num_params()};
}

CheckpointContents run_and_load(const StepCase& s, int ranks) {
  const CommandResult r = run_command(launch_prefix(ranks) + manet_binary() + " train --config " + s.dir +
                                      "/run.yaml --set train.batch_size=" + std::to_string(kN / ranks));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  Model<float> model(s.config.model);
  return load_checkpoint(s.dir + "/run/step-00000001.h5", model.params());
}

void expect_close(const std::vector<float>& got, const std::vector<double>& expected, const char* what) {
  ASSERT_EQ(got.size(), expected.size());
  double worst = 0;
  for (std::size_t i = 0; i < got.size(); ++i)
    worst = std::max(worst, std::abs(got[i] - expected[i]) / (1e-6 + std::abs(expected[i])));
  // float32 rounding of a handful of operations on values of order 1: a few 1e-7, and
  // gradients summed over the batch in another order than here: ~1e-6.
  EXPECT_LT(worst, 1e-4) << what;
}

class OneStep : public ::testing::TestWithParam<int> {
 protected:
  int ranks() const { return GetParam(); }
  std::string name(const std::string& base) const { return base + "_np" + std::to_string(ranks()); }
};

}  // namespace

#ifndef MANET_ONE_STEP_RANKS
#define MANET_ONE_STEP_RANKS 1
#endif
INSTANTIATE_TEST_SUITE_P(Ranks, OneStep, ::testing::Values(MANET_ONE_STEP_RANKS),
                         [](const auto& info) { return "np" + std::to_string(info.param); });

TEST_P(OneStep, SgdNesterovWeightDecayWithLoadedMomentum) {
  const long n = Model<float>(parse_config(config_text("/x", "{type: sgd}"), "x").model).num_params();
  const std::vector<float> buf0 = random_floats(n, 3, -0.1, 0.1);
  const StepCase s = prepare(name("sgd"), "{type: sgd, lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0.01}", "sgd", 4,
                          {{"momentum_buffer", buf0}});
  const std::vector<float> g = gradient(s);
  std::vector<double> p(n), buf(n);
  for (long i = 0; i < n; ++i) {
    const double d = double(g[i]) + 0.01 * s.params[i];
    buf[i] = 0.9 * buf0[i] + d;
    p[i] = s.params[i] - 0.1 * (d + 0.9 * buf[i]);
  }
  const CheckpointContents out = run_and_load(s, ranks());
  expect_close(out.params, p, "parameters");
  ASSERT_EQ(out.slots.size(), 1u);
  expect_close(out.slots[0].second, buf, "momentum_buffer");
  EXPECT_EQ(out.position.optimizer_step, 5);
}

TEST_P(OneStep, PlainSgdFromWeightsOnly) {
  const StepCase s = prepare(name("plain"), "{type: sgd, lr: 0.2}", "", 0, {});
  const std::vector<float> g = gradient(s);
  std::vector<double> p(g.size());
  for (std::size_t i = 0; i < g.size(); ++i) p[i] = s.params[i] - 0.2 * double(g[i]);
  expect_close(run_and_load(s, ranks()).params, p, "parameters");
}

TEST_P(OneStep, AdamWContinuingFromStep3) {
  const long n = Model<float>(parse_config(config_text("/x", "{type: sgd}"), "x").model).num_params();
  const std::vector<float> m0 = random_floats(n, 4, -0.01, 0.01), v0 = random_floats(n, 5, 1e-6, 1e-4);
  const StepCase s = prepare(name("adamw"), "{type: adamw, lr: 0.003, betas: [0.8, 0.99], eps: 1e-7, weight_decay: 0.1}",
                          "adamw", 3, {{"exp_avg", m0}, {"exp_avg_sq", v0}});
  const std::vector<float> g = gradient(s);
  std::vector<double> p(n), m(n), v(n);
  const double lr = 0.003, b1 = 0.8, b2 = 0.99, t = 4;
  for (long i = 0; i < n; ++i) {
    m[i] = b1 * m0[i] + (1 - b1) * g[i];
    v[i] = b2 * v0[i] + (1 - b2) * double(g[i]) * g[i];
    const double decayed = s.params[i] * (1 - lr * 0.1);
    p[i] = decayed - lr / (1 - std::pow(b1, t)) * m[i] / (std::sqrt(v[i]) / std::sqrt(1 - std::pow(b2, t)) + 1e-7);
  }
  const CheckpointContents out = run_and_load(s, ranks());
  expect_close(out.params, p, "parameters");
  expect_close(out.slots[0].second, m, "exp_avg");
  expect_close(out.slots[1].second, v, "exp_avg_sq");
  EXPECT_EQ(out.position.optimizer_step, 4);
}

// Under mpirun the evaluation is sharded and reduced; the answer must not change.
TEST_P(OneStep, EvalJsonLastLineMatchesTheModel) {
  const StepCase s = prepare(name("eval"), "{type: sgd, lr: 0.1}", "", 0, {});
  const CommandResult r =
      run_command(launch_prefix(ranks()) + manet_binary() + " eval --checkpoint " + s.dir + "/start.h5 --data " + s.dir + "/batch.h5 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string last = r.output.substr(r.output.find_last_of('\n', r.output.size() - 2) + 1);
  const nlohmann::json j = nlohmann::json::parse(last);  // throws (and fails the test) unless one JSON object
  ASSERT_TRUE(j.contains("loss") && j.contains("accuracy") && j.contains("samples")) << last;
  // Independently: plain cross-entropy (no smoothing) of the stored weights, by hand from the logits.
  Model<float> model(s.config.model);
  std::copy(s.params.begin(), s.params.end(), model.values());
  const float* logits = model.forward({kN, s.batch.images.data(), nullptr}, {});
  double loss = 0;
  int correct = 0;
  for (int i = 0; i < kN; ++i) {
    const float* z = logits + 3 * i;
    const double lse = std::log(std::exp(double(z[0])) + std::exp(double(z[1])) + std::exp(double(z[2])));
    loss += lse - z[s.batch.labels[i]];
    correct += int(std::max_element(z, z + 3) - z) == s.batch.labels[i];
  }
  EXPECT_NEAR(j["loss"].get<double>(), loss / kN, 1e-5);
  EXPECT_NEAR(j["accuracy"].get<double>(), double(correct) / kN, 1e-9);
  EXPECT_EQ(j["samples"].get<long>(), kN);
}

}  // namespace manet::testing
