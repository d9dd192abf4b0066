// The checker itself must be able to fail: a gradient off by 1 % is caught.
#include "layers/grad_check.hpp"

namespace manet::testing {

TEST(Checker, AcceptsTheTrueGradient) {
  std::vector<double> x = {0.3, -1.2, 2.5};
  auto loss = [&] { return x[0] * x[0] + std::sin(x[1]) + x[0] * x[2]; };
  const std::vector<double> truth = {2 * x[0] + x[2], std::cos(x[1]), x[0]};
  EXPECT_GRAD_OK(check_gradient("x", x.data(), truth.data(), 3, loss));
}

TEST(Checker, RejectsAGradientOffByOnePercent) {
  std::vector<double> x = {0.3, -1.2, 2.5};
  auto loss = [&] { return x[0] * x[0] + std::sin(x[1]) + x[0] * x[2]; };
  const std::vector<double> wrong = {2 * x[0] + x[2], 1.01 * std::cos(x[1]), x[0]};
  const GradReport r = check_gradient("x", x.data(), wrong.data(), 3, loss);
  EXPECT_GT(r.max_error, 100 * kTolerance);
  EXPECT_NE(r.worst.find("x[1]"), std::string::npos);
}

}  // namespace manet::testing
