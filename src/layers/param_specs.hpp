#pragma once
// The parameters each parameterised layer has (docs/model.md): names, shapes and how they
// are initialised, in canonical order. One definition, read by the CPU layers and by the
// model graph that lays out the flat buffers for every backend.
#include <string>
#include <vector>

#include "layers/layer.hpp"

namespace manet {

// embed.weight (V, E): N(0, 1), row 0 (padding) zero.
std::vector<ParamSpec> embedding_param_specs(int vocab_size, int embed_dim);
// prefix.weight (Co, Ci, kh, kw), prefix.bias (Co).
std::vector<ParamSpec> conv_param_specs(const std::string& prefix, int in_channels, int out_channels, int kh, int kw);
// prefix.qkv.weight (3C, C), prefix.qkv.bias (3C), prefix.proj.weight (C, C), prefix.proj.bias (C),
// prefix.gamma (1), zero.
std::vector<ParamSpec> attention_param_specs(const std::string& prefix, int channels);
// pool.score.weight (1, C), pool.score.bias (1).
std::vector<ParamSpec> attention_pool_param_specs(int channels);
// prefix.weight (out, in), prefix.bias (out).
std::vector<ParamSpec> linear_param_specs(const std::string& prefix, int in, int out);

}  // namespace manet
