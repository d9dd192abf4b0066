// Optimizer updates against closed forms derived by hand (constant gradients), and
// single steps against torch.optim's documented rules.
#include <gtest/gtest.h>

#include <cmath>

#include "optim/optimizer.hpp"
#include "optim/schedule.hpp"

namespace manet {

namespace {
std::vector<float> run(const OptimizerSpec& spec, std::vector<float> p, const std::vector<float>& g, int steps,
                       double lr) {
  auto opt = Optimizer::create(spec, long(p.size()));
  for (int t = 0; t < steps; ++t) opt->step(p.data(), g.data(), lr);
  return p;
}
}  // namespace

TEST(Sgd, PlainStepIsLrTimesGradient) {
  const auto p = run({"sgd", 0.1}, {1.0f, -2.0f}, {0.5f, 0.25f}, 1, 0.1);
  EXPECT_FLOAT_EQ(p[0], 1.0f - 0.05f);
  EXPECT_FLOAT_EQ(p[1], -2.0f - 0.025f);
}

TEST(Sgd, MomentumClosedFormOverSeveralSteps) {
  // Constant g: buf_t = g (1 - mu^t) / (1 - mu) (first buf = g); p_T = p0 - lr sum_t buf_t.
  const double mu = 0.9, lr = 0.05, g = 0.3, p0 = 1.5;
  for (bool nesterov : {false, true}) {
    OptimizerSpec spec{"sgd", lr, mu, 0.0, nesterov};
    const auto p = run(spec, {float(p0)}, {float(g)}, 5, lr);
    double expected = p0;
    for (int t = 1; t <= 5; ++t) {
      const double buf = g * (1 - std::pow(mu, t)) / (1 - mu);
      expected -= lr * (nesterov ? g + mu * buf : buf);
    }
    EXPECT_NEAR(p[0], expected, 2e-6) << (nesterov ? "nesterov" : "heavy ball");
  }
}

TEST(Sgd, WeightDecayAddsToTheGradient) {
  // One step: p1 = p0 - lr (g + wd p0); with momentum the first buffer is that same g.
  OptimizerSpec spec{"sgd", 0.1, 0.9, 0.01, true};
  const auto p = run(spec, {2.0f}, {0.5f}, 1, 0.1);
  const double g = 0.5 + 0.01 * 2.0;
  EXPECT_NEAR(p[0], 2.0 - 0.1 * (g + 0.9 * g), 1e-6);  // nesterov: g + mu * buf, buf = g
}

TEST(AdamW, ConstantGradientMovesLrPerStep) {
  // With bias correction m_hat = g and v_hat = g^2 exactly, so each step moves lr * g / (|g| + eps).
  OptimizerSpec spec{"adamw", 1e-2};
  spec.weight_decay = 0;
  const auto p = run(spec, {1.0f, 1.0f}, {0.2f, -3.0f}, 7, 1e-2);
  EXPECT_NEAR(p[0], 1.0 - 7 * 1e-2 * 0.2 / (0.2 + 1e-8), 2e-6);
  EXPECT_NEAR(p[1], 1.0 + 7 * 1e-2, 2e-6);
}

TEST(AdamW, DecoupledWeightDecay) {
  // p_t = (1 - lr wd) p_{t-1} - lr sign(g): a geometric sum, independent of the gradient's size.
  OptimizerSpec spec{"adamw", 1e-2};
  spec.weight_decay = 0.5;
  const double lr = 1e-2, q = 1 - lr * 0.5;
  const auto p = run(spec, {3.0f}, {40.0f}, 4, lr);
  double expected = 3.0;
  for (int t = 0; t < 4; ++t) expected = q * expected - lr * 40.0 / (40.0 + 1e-8);
  EXPECT_NEAR(p[0], expected, 3e-6);
}

TEST(AdamW, BiasCorrectionCountsFromTheRestoredStep) {
  // After a restore at step 3 with m, v given, step 4 uses 1 - b1^4 and 1 - b2^4.
  OptimizerSpec spec{"adamw", 1e-3};
  spec.weight_decay = 0;
  auto opt = Optimizer::create(spec, 1);
  *opt->slots()[0].second = {0.05f};
  *opt->slots()[1].second = {0.002f};
  opt->restored(3, true);
  float p = 0.7f, g = 0.1f;
  opt->step(&p, &g, 1e-3);
  const double m = 0.9 * 0.05 + 0.1 * 0.1, v = 0.999 * 0.002 + 0.001 * 0.01;
  const double expected = 0.7 - 1e-3 / (1 - std::pow(0.9, 4)) * m / (std::sqrt(v) / std::sqrt(1 - std::pow(0.999, 4)) + 1e-8);
  EXPECT_NEAR(p, expected, 1e-7);
  EXPECT_EQ(opt->steps(), 4);
}

TEST(Schedule, WarmupAndCosine) {
  const ScheduleSpec s{"cosine", 10, 0.001};
  EXPECT_DOUBLE_EQ(learning_rate(s, 0.1, 0, 110), 0.01);
  EXPECT_DOUBLE_EQ(learning_rate(s, 0.1, 9, 110), 0.1);
  EXPECT_NEAR(learning_rate(s, 0.1, 10, 110), 0.1, 1e-12);
  EXPECT_NEAR(learning_rate(s, 0.1, 109, 110), 0.001, 1e-12);
  EXPECT_NEAR(learning_rate(s, 0.1, 59, 110), 0.001 + 0.099 * 0.5 * (1 + std::cos(M_PI * 49 / 99)), 1e-12);
  EXPECT_DOUBLE_EQ(learning_rate({"constant", 0, 0}, 0.1, 1000, 10), 0.1);
}

}  // namespace manet
