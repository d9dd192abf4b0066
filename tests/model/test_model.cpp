#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"
#include "model/manet_model.hpp"
#include "model/tiny_models.hpp"

namespace manet::testing {

TEST(SpecExample, ParameterNamesShapesAndCount) {
  Model<float> model(spec_example());
  EXPECT_EQ(model.num_params(), 65998);
  // Canonical order and shapes, as written in docs/model.md.
  const std::vector<std::pair<std::string, std::vector<int>>> expected = {
      {"blocks.0.conv.weight", {32, 1, 3, 3}},  {"blocks.0.conv.bias", {32}},
      {"blocks.1.attn.qkv.weight", {96, 32}},   {"blocks.1.attn.qkv.bias", {96}},
      {"blocks.1.attn.proj.weight", {32, 32}},  {"blocks.1.attn.proj.bias", {32}},
      {"blocks.1.attn.gamma", {1}},             {"blocks.2.conv.weight", {64, 32, 3, 3}},
      {"blocks.2.conv.bias", {64}},             {"blocks.2.attn.qkv.weight", {192, 64}},
      {"blocks.2.attn.qkv.bias", {192}},        {"blocks.2.attn.proj.weight", {64, 64}},
      {"blocks.2.attn.proj.bias", {64}},        {"blocks.2.attn.gamma", {1}},
      {"blocks.3.attn.qkv.weight", {192, 64}},  {"blocks.3.attn.qkv.bias", {192}},
      {"blocks.3.attn.proj.weight", {64, 64}},  {"blocks.3.attn.proj.bias", {64}},
      {"blocks.3.attn.gamma", {1}},             {"pool.score.weight", {1, 64}},
      {"pool.score.bias", {1}},                 {"head.0.weight", {128, 64}},
      {"head.0.bias", {128}},                   {"classifier.weight", {10, 128}},
      {"classifier.bias", {10}}};
  const auto& entries = model.params().entries();
  ASSERT_EQ(entries.size(), expected.size());
  long offset = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(entries[i].name(), expected[i].first);
    EXPECT_EQ(entries[i].spec.shape, expected[i].second) << expected[i].first;
    EXPECT_EQ(entries[i].offset, offset) << "parameters must be contiguous in canonical order";
    offset += entries[i].count();
  }
}

TEST(SpecExample, ActivationShapes) {
  Model<float> model(spec_example());
  const std::vector<MapShape> expected = {{1, 28, 28}, {32, 28, 28}, {32, 14, 14}, {64, 14, 14}, {64, 7, 7}, {64, 1, 1}};
  EXPECT_EQ(model.block_shapes(), expected);
  model.init(1);
  std::vector<float> images(2 * 28 * 28, 0.5f);
  const float* logits = model.forward({2, images.data(), nullptr}, {});
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(std::isfinite(logits[i]));
}

TEST(Init, FollowsTheSpecAndIsReproducible) {
  Model<float> a(tiny_tokens_spec()), b(tiny_tokens_spec()), c(tiny_tokens_spec());
  a.init(7), b.init(7), c.init(8);
  EXPECT_TRUE(std::equal(a.values(), a.values() + a.num_params(), b.values()));
  EXPECT_FALSE(std::equal(a.values(), a.values() + a.num_params(), c.values()));
  for (const ParamEntry& e : a.params().entries()) {
    const float* v = a.values() + e.offset;
    if (e.spec.init == InitKind::zero) {
      for (long i = 0; i < e.count(); ++i) EXPECT_EQ(v[i], 0.0f) << e.name();
    } else if (e.spec.init == InitKind::uniform_fan_in) {
      const float bound = 1.0f / std::sqrt(float(e.spec.fan_in));
      for (long i = 0; i < e.count(); ++i) EXPECT_LE(std::abs(v[i]), bound) << e.name();
    } else {
      for (int k = 0; k < e.spec.shape[1]; ++k) EXPECT_EQ(v[k], 0.0f) << "embedding row 0";
    }
  }
  EXPECT_EQ(a.params().find("blocks.0.conv.weight").spec.fan_in, 4 * 1 * 3);
  EXPECT_EQ(a.params().find("blocks.0.attn.gamma").spec.init, InitKind::zero);
}

TEST(Init, UniformBoundIsReached) {
  // With 36,864 draws from U(-b, b), the extremes come within 0.1 % of b.
  Model<float> model(spec_example());
  model.init(3);
  const ParamEntry& e = model.params().find("blocks.2.conv.weight");
  const float bound = 1.0f / std::sqrt(32.0f * 9.0f);
  float lo = 0, hi = 0;
  for (long i = 0; i < e.count(); ++i) lo = std::min(lo, model.values()[e.offset + i]), hi = std::max(hi, model.values()[e.offset + i]);
  EXPECT_LT(lo, -0.999f * bound);
  EXPECT_GT(hi, 0.999f * bound);
}

TEST(Masking, AppendedPaddingLeavesTheLogitsUnchanged) {
  // Same parameters (none depends on seq_len); sequences padded from 8 to 12 tokens, a
  // multiple of the total pooling stride (4).
  Model<float> short_model(tiny_tokens_spec(8)), long_model(tiny_tokens_spec(12));
  short_model.init(11);
  for (long i = 0; i < short_model.num_params(); ++i) short_model.values()[i] += 0.01f * float(i % 7);  // nonzero gammas
  std::copy(short_model.values(), short_model.values() + short_model.num_params(), long_model.values());
  const std::vector<int64_t> ids8 = {3, 9, 1, 4, 4, 2, 0, 0, 7, 10, 5, 0, 0, 0, 0, 0};
  std::vector<int64_t> ids12;
  for (int n = 0; n < 2; ++n) {
    ids12.insert(ids12.end(), ids8.begin() + 8 * n, ids8.begin() + 8 * n + 8);
    ids12.insert(ids12.end(), 4, 0);
  }
  const float* a = short_model.forward({2, nullptr, ids8.data()}, {});
  const std::vector<float> logits8(a, a + 8);
  const float* b = long_model.forward({2, nullptr, ids12.data()}, {});
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(b[i], logits8[i], 1e-5f * (1 + std::abs(logits8[i]))) << i;
}

TEST(Masking, ASequenceWithNoValidTokenIsRefused) {
  Model<float> model(tiny_tokens_spec());
  model.init(1);
  const std::vector<int64_t> ids = {1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  try {
    model.forward({2, nullptr, ids.data()}, {});
    FAIL() << "an all-padding sequence must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no valid token"), std::string::npos) << e.what();
  }
}

TEST(Validate, NamesTheOffendingKey) {
  auto key_of = [](ModelSpec s) -> std::string {
    try {
      validate(s);
    } catch (const KeyError& e) {
      return e.key();
    }
    return "(accepted)";
  };
  ModelSpec s = spec_example();
  s.blocks[2].heads = 5;
  EXPECT_EQ(key_of(s), "model.blocks[2].conv_attention.heads");
  s = spec_example();
  s.blocks[0].kernel_w = 4;
  EXPECT_EQ(key_of(s), "model.blocks[0].conv.kernel");
  s = spec_example();
  s.blocks[3].pool_h = 15;
  EXPECT_EQ(key_of(s), "model.blocks[3].pool_attention.size");
  s = spec_example();
  s.num_classes = 0;
  EXPECT_EQ(key_of(s), "model.num_classes");
  EXPECT_EQ(key_of(spec_example()), "(accepted)");
}

}  // namespace manet::testing
