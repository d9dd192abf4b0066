#include "layers/param_specs.hpp"

namespace manet {

std::vector<ParamSpec> embedding_param_specs(int vocab_size, int embed_dim) {
  return {{"embed.weight", {vocab_size, embed_dim}, InitKind::normal_row0_zero, 0}};
}

std::vector<ParamSpec> conv_param_specs(const std::string& prefix, int in_channels, int out_channels, int kh, int kw) {
  const int fan_in = in_channels * kh * kw;
  return {{prefix + ".weight", {out_channels, in_channels, kh, kw}, InitKind::uniform_fan_in, fan_in},
          {prefix + ".bias", {out_channels}, InitKind::uniform_fan_in, fan_in}};
}

std::vector<ParamSpec> attention_param_specs(const std::string& prefix, int channels) {
  const int C = channels;
  return {{prefix + ".qkv.weight", {3 * C, C}, InitKind::uniform_fan_in, C},
          {prefix + ".qkv.bias", {3 * C}, InitKind::uniform_fan_in, C},
          {prefix + ".proj.weight", {C, C}, InitKind::uniform_fan_in, C},
          {prefix + ".proj.bias", {C}, InitKind::uniform_fan_in, C},
          {prefix + ".gamma", {1}, InitKind::zero, 0}};
}

std::vector<ParamSpec> attention_pool_param_specs(int channels) {
  return {{"pool.score.weight", {1, channels}, InitKind::uniform_fan_in, channels},
          {"pool.score.bias", {1}, InitKind::uniform_fan_in, channels}};
}

std::vector<ParamSpec> linear_param_specs(const std::string& prefix, int in, int out) {
  return {{prefix + ".weight", {out, in}, InitKind::uniform_fan_in, in},
          {prefix + ".bias", {out}, InitKind::uniform_fan_in, in}};
}

}  // namespace manet
