// Subnormal floats are flushed (core/float_env.hpp): checked on the arithmetic itself, not
// on the flag bits alone - a product below 2^-126 must come out as zero (FTZ) and a
// subnormal input must act as zero (DAZ), and both must come back when the mode is off.
#include <gtest/gtest.h>
#include <xmmintrin.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "core/float_env.hpp"

namespace manet {
namespace {

// volatile keeps the compiler from folding the products at compile time (in IEEE mode).
float product(float a, float b) {
  volatile float x = a, y = b;
  return x * y;
}

float smallest_subnormal() {
  const unsigned bits = 1;  // 2^-149
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

class FloatEnv : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = _mm_getcsr(); }
  void TearDown() override {
    _mm_setcsr(saved_);
    unsetenv("MANET_KEEP_SUBNORMALS");
  }
  unsigned saved_ = 0;
};

TEST_F(FloatEnv, FlushedProductsAndInputsAreZero) {
  unsetenv("MANET_KEEP_SUBNORMALS");
  ASSERT_TRUE(flush_subnormals_here());
  EXPECT_TRUE(subnormals_flushed());
  EXPECT_EQ(product(1e-30f, 1e-10f), 0.0f) << "FTZ: a product of 1e-40 is flushed to zero";
  EXPECT_EQ(product(smallest_subnormal(), 1e30f), 0.0f) << "DAZ: a subnormal input reads as zero";
}

TEST_F(FloatEnv, IeeeModeKeepsThemAndIsReportedAsKept) {
  _mm_setcsr(0x1f80);  // the x86-64 default: all exceptions masked, no FTZ/DAZ
  EXPECT_FALSE(subnormals_flushed());
  EXPECT_GT(product(1e-30f, 1e-10f), 0.0f);
  EXPECT_GT(product(smallest_subnormal(), 1e30f), 1e-16f);  // 1.4e-45 * 1e30
}

TEST_F(FloatEnv, KeepSubnormalsLeavesTheModeAlone) {
  _mm_setcsr(0x1f80);
  setenv("MANET_KEEP_SUBNORMALS", "1", 1);
  EXPECT_FALSE(flush_subnormals_here());
  EXPECT_GT(product(1e-30f, 1e-10f), 0.0f);
  setenv("MANET_KEEP_SUBNORMALS", "0", 1);  // "0" means flush, as unset does
  EXPECT_TRUE(flush_subnormals_here());
}

}  // namespace
}  // namespace manet
