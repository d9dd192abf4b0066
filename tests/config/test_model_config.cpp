// The `model` section: the spec example parses to the spec, and each bad config gets a
// one-line error naming the key, the file and the line.
#include <gtest/gtest.h>

#include "config/model_config.hpp"

namespace manet {

namespace {

const char* kExample = R"(model:
  input: image
  in_channels: 1
  image_size: 28
  blocks:
    - conv: {channels: 32, kernel: 3}
    - pool_attention: {pool: max, size: 2, heads: 4}
    - conv_attention: {channels: 64, kernel: 3, heads: 4}
    - pool_attention: {pool: max, size: 2, heads: 4}
  head: {hidden: [128], activation: relu, dropout: 0.1}
  num_classes: 10
)";

ModelSpec parse(const std::string& text, const std::vector<std::string>& overrides = {}) {
  const ConfigNode root = parse_yaml_config(text, "bad.yaml", overrides);
  return parse_model_section(root.child("model"));
}

// The error message for a config, or "(accepted)".
std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse(text, overrides);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << "errors are one line: " << what;
    return what;
  }
  return "(accepted)";
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST(ModelSection, SpecExampleParses) {
  const ModelSpec s = parse(kExample);
  ASSERT_EQ(s.blocks.size(), 4u);
  EXPECT_EQ(s.blocks[0].kind, BlockKind::conv);
  EXPECT_EQ(s.blocks[0].channels, 32);
  EXPECT_EQ(s.blocks[1].kind, BlockKind::pool_attention);
  EXPECT_EQ(s.blocks[1].pool_h, 2);
  EXPECT_EQ(s.blocks[2].heads, 4);
  EXPECT_EQ(s.head.hidden, std::vector<int>{128});
  EXPECT_DOUBLE_EQ(s.head.dropout, 0.1);
  EXPECT_EQ(s.num_classes, 10);
  EXPECT_EQ(s.height, 28);
}

TEST(ModelSection, PairsAndOverrides) {
  const ModelSpec s = parse(replaced(kExample, "kernel: 3}", "kernel: [3, 5]}"),
                            {"model.blocks[1].pool_attention.size=[1, 2]", "model.head.activation=tanh"});
  EXPECT_EQ(s.blocks[0].kernel_h, 3);
  EXPECT_EQ(s.blocks[0].kernel_w, 5);
  EXPECT_EQ(s.blocks[1].pool_w, 2);
  EXPECT_EQ(s.blocks[1].pool_h, 1);
  EXPECT_EQ(s.head.activation, cpu::ActivationKind::tanh);
}

struct BadConfig {
  const char* what;
  std::string text;
  std::vector<std::string> overrides;
  std::string expected;  // the message must contain this ("file:line: key")
};

TEST(ModelSection, BadConfigsNameKeyFileAndLine) {
  const std::vector<BadConfig> cases = {
      {"unknown block kind", replaced(kExample, "- conv: {", "- convolution: {"), {},
       "bad.yaml:6: model.blocks[0].convolution: unknown block kind"},
      {"heads not dividing channels", replaced(kExample, "channels: 64, kernel: 3, heads: 4", "channels: 64, kernel: 3, heads: 5"),
       {}, "bad.yaml:8: model.blocks[2].conv_attention.heads: 5 heads do not divide"},
      {"pool heads not dividing channels", replaced(kExample, "{pool: max, size: 2, heads: 4}\n    - conv",
                                                     "{pool: max, size: 2, heads: 3}\n    - conv"),
       {}, "bad.yaml:7: model.blocks[1].pool_attention.heads: 3 heads do not divide the block's 32 channels"},
      {"even kernel", replaced(kExample, "channels: 32, kernel: 3", "channels: 32, kernel: 4"), {},
       "bad.yaml:6: model.blocks[0].conv.kernel: must be odd"},
      {"pooling shrinks a side to 0", kExample, {"model.blocks[3].pool_attention.size=15"},
       "model.blocks[3].pool_attention.size: pooling 15x15 shrinks the block's 14x14 input to 0x0"},
      {"pooling shrinks a side to 0 (file)", replaced(kExample, "image_size: 28", "image_size: [28, 3]"), {},
       "bad.yaml:9: model.blocks[3].pool_attention.size: pooling 2x2 shrinks the block's 14x1 input to 7x0"},
      {"missing num_classes", replaced(kExample, "  num_classes: 10\n", ""), {},
       "model.num_classes: missing"},
      {"unknown activation", replaced(kExample, "activation: relu", "activation: gelu"), {},
       "bad.yaml:10: model.head.activation: expected one of relu, sigmoid, tanh, got 'gelu'"},
      {"unknown key", replaced(kExample, "  num_classes: 10", "  num_class: 10"), {},
       "bad.yaml:11: model.num_class: unknown key"},
      {"unknown key in a block", replaced(kExample, "{channels: 32, kernel: 3}", "{channels: 32, kernel: 3, stride: 2}"),
       {}, "bad.yaml:6: model.blocks[0].conv.stride: unknown key"},
      {"wrong type", replaced(kExample, "channels: 32", "channels: many"), {},
       "bad.yaml:6: model.blocks[0].conv.channels: expected an integer, got 'many'"},
      {"unknown pool", replaced(kExample, "pool: max, size: 2, heads: 4}\n    - conv", "pool: min, size: 2, heads: 4}\n    - conv"),
       {}, "bad.yaml:7: model.blocks[1].pool_attention.pool: expected one of max, avg, got 'min'"},
      {"dropout out of range", replaced(kExample, "dropout: 0.1", "dropout: 1.5"), {},
       "bad.yaml:10: model.head.dropout: must be in [0, 0.99], got 1.5"},
      {"tokens key on an image model", replaced(kExample, "  in_channels: 1\n", "  in_channels: 1\n  vocab_size: 100\n"), {},
       "bad.yaml:4: model.vocab_size: only for model.input: tokens"},
      {"a block that is not a map", replaced(kExample, "- conv: {channels: 32, kernel: 3}", "- conv"), {},
       "bad.yaml:6: model.blocks[0]: each block is a map with one key"},
      {"malformed YAML", replaced(kExample, "num_classes: 10", "num_classes: [10"), {}, "bad.yaml:"},
      {"override of a bad value", kExample, {"model.num_classes=1"},
       "bad.yaml: (--set model.num_classes) model.num_classes: must be in [2, "},
  };
  for (const BadConfig& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string message = error_of(c.text, c.overrides);
    EXPECT_NE(message.find(c.expected), std::string::npos) << "got: " << message;
  }
}

}  // namespace manet
