// predict's probabilities and ranking against a softmax computed here in long double.
#include <gtest/gtest.h>

#include <cmath>

#include "train/predict.hpp"

namespace manet {
namespace {

TEST(Predict, TopClassesAreTheSoftmaxRankedByLogit) {
  const std::vector<float> logits = {1.0f, 3.0f, -2.0f, 3.0f,    // a tie: the lower index first
                                     50.0f, 49.0f, 0.0f, -50.0f};  // large logits: no overflow
  const std::vector<TopClasses> top = top_classes(logits.data(), 2, 4, 3);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].classes, (std::vector<int>{1, 3, 0}));
  EXPECT_EQ(top[1].classes, (std::vector<int>{0, 1, 2}));
  for (int n = 0; n < 2; ++n) {
    long double sum = 0;
    for (int k = 0; k < 4; ++k) sum += std::exp((long double)logits[std::size_t(n * 4 + k)]);
    for (int j = 0; j < 3; ++j)
      EXPECT_NEAR(top[std::size_t(n)].probabilities[std::size_t(j)],
                  double(std::exp((long double)logits[std::size_t(n * 4 + top[std::size_t(n)].classes[std::size_t(j)])]) / sum),
                  1e-12);
  }
  EXPECT_EQ(top_classes(logits.data(), 1, 4, 10)[0].classes.size(), 4u) << "k is clamped to the classes";
}

}  // namespace
}  // namespace manet
