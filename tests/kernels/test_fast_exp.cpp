#include <gtest/gtest.h>

#include <cmath>
#include <limits>

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

TEST(FastExp2, NonPositiveWithinFloatRoundingOfExactExp2) {
  double worst = 0;
  for (int i = 0; i <= 400000; ++i) {
    const float x = -124.0f * float(i) / 400000.0f;
    const double exact = std::exp2(double(x));
    worst = std::max(worst, std::abs(exp2_of_nonpositive(x) - exact) / exact);
  }
  EXPECT_LT(worst, 3e-7);
  for (int n = 0; n >= -124; --n) EXPECT_EQ(exp2_of_nonpositive(float(n)), std::ldexp(1.0f, n)) << n;
  const float tiny = exp2_of_nonpositive(-std::numeric_limits<float>::infinity());
  EXPECT_GT(tiny, 0.0f);  // a masked key: never 0/0 in a softmax, never denormal
  EXPECT_LT(tiny, 1e-37f);
  EXPECT_TRUE(std::isnormal(tiny));
}

TEST(FastLog2, AtLeastOneWithinAFloatUlpOfExactLog2) {
  double worst = 0;
  for (int i = 0; i <= 400000; ++i) {  // 1 .. 2^20, geometrically, plus the powers of two
    const float x = std::exp2(20.0f * float(i) / 400000.0f);
    const double exact = std::log2(double(x));
    worst = std::max(worst, std::abs(double(log2_of_at_least_one(x)) - exact) / std::max(1.0, exact));
  }
  EXPECT_LT(worst, 1.2e-7);  // float epsilon, relative to max(1, log2 x)
  EXPECT_EQ(log2_of_at_least_one(1.0f), 0.0f);
  EXPECT_EQ(log2_of_at_least_one(64.0f), 6.0f);
}

}  // namespace manet::cpu
