#include <gtest/gtest.h>

#include <cmath>

#include "kernels/cpu/fast_exp.hpp"

namespace manet::cpu {

TEST(FastExp, WithinFloatRoundingOfExactExp) {
  double worst = 0;
  for (int i = 0; i <= 200000; ++i) {
    const float x = -87.0f + 175.0f * float(i) / 200000.0f;
    const double exact = std::exp(double(x));
    worst = std::max(worst, std::abs(exp_fast(x) - exact) / exact);
  }
  EXPECT_LT(worst, 3e-7);  // float epsilon is 1.19e-7: a couple of ulps
  EXPECT_EQ(exp_fast(0.0f), 1.0f);
  EXPECT_GT(exp_fast(-1000.0f), 0.0f);  // clamped, never NaN or 0/0 in a softmax
  EXPECT_LT(exp_fast(-1000.0f), 1e-37f);
}

}  // namespace manet::cpu
