// predict's probabilities and ranking against a softmax computed here in long double.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "model/tiny_models.hpp"
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

// train.eval_hflip / --hflip: the mean of the softmax of an image's logits and of its
// mirror image's, the mirror image written out here index by index.
TEST(Predict, MirrorAveragedIsTheMeanProbabilityOfTheImageAndItsMirror) {
  const ModelSpec spec = testing::tiny_image_spec();  // 2x6x6, 3 classes
  Model<float> model(spec);
  model.init(7);
  const int N = 5, C = 2, H = 6, W = 6, K = 3;
  std::vector<float> x(std::size_t(N * C * H * W)), mirrored(x.size());
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> pixel(-1.0f, 1.0f);
  for (float& v : x) v = pixel(rng);
  for (int n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c)
      for (int h = 0; h < H; ++h)
        for (int w = 0; w < W; ++w)
          mirrored[std::size_t(((n * C + c) * H + h) * W + w)] = x[std::size_t(((n * C + c) * H + h) * W + (W - 1 - w))];
  auto logits_of = [&](const std::vector<float>& images) {
    const float* z = model.forward(ModelInput<float>{N, images.data(), nullptr}, StepContext{});
    return std::vector<double>(z, z + N * K);
  };
  const std::vector<double> a = logits_of(x), b = logits_of(mirrored);
  BatchLogits plain = [&](const ModelInput<float>& batch) { return model.forward(batch, StepContext{}); };
  const BatchLogits both = mirror_averaged(plain, K, model.block_shapes().front());
  const float* got = both(ModelInput<float>{N, x.data(), nullptr});
  double largest_change = 0;
  for (int n = 0; n < N; ++n) {
    double sa = 0, sb = 0;
    for (int k = 0; k < K; ++k) sa += std::exp(a[std::size_t(n * K + k)]), sb += std::exp(b[std::size_t(n * K + k)]);
    for (int k = 0; k < K; ++k) {
      const double p = std::exp(a[std::size_t(n * K + k)]) / sa, q = std::exp(b[std::size_t(n * K + k)]) / sb;
      EXPECT_NEAR(got[n * K + k], std::log((p + q) / 2), 1e-6) << "sample " << n << " class " << k;
      largest_change = std::max(largest_change, std::fabs(p - q));
    }
  }
  EXPECT_GT(largest_change, 1e-3) << "the mirror image gave the same answer: the test shows nothing";
  // Through predict: the top class of the averaged distribution, its probability the mean.
  const std::vector<TopClasses> top = predict_batch(both, K, ModelInput<float>{N, x.data(), nullptr}, 1);
  for (int n = 0; n < N; ++n)
    EXPECT_NEAR(std::log(top[std::size_t(n)].probabilities[0]), got[n * K + top[std::size_t(n)].classes[0]], 1e-6);
}

}  // namespace
}  // namespace manet
