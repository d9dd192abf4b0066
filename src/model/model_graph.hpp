#pragma once
// MANet as a list of layers (docs/model.md), built by the one walk over a ModelSpec that
// every backend uses: the CPU's Model<T> and the GPU's CudaModel each turn these nodes
// into layers through their own factory, so the block order, the parameter layout and
// "which gradients are final after this layer" are decided here only. A new block kind
// made of existing layer kinds touches build_graph and nothing else.
//
//   input (image N×C×H×W | tokens N×T -> embed N×E×1×T, key mask)
//     -> blocks: conv (conv) | conv_attention (conv, attention) | pool_attention (pool, attention)
//     -> attention_pool (N×C) -> [linear, activation, dropout?]* -> linear (classifier)
#include <string>
#include <vector>

#include "kernels/cpu/kernel_types.hpp"
#include "model/model_spec.hpp"
#include "model/param_table.hpp"

namespace manet {

enum class LayerKind { conv, pool, attention, attention_pool, linear, activation, dropout };

struct LayerNode {
  LayerKind kind = LayerKind::conv;
  std::string name;   // "blocks.1.attn", "head.0.activation", "classifier": parameters' prefix, timeline span
  std::string block;  // "blocks.1" inside a block (for messages), else ""
  MapShape in, out;   // per sample
  int kernel_h = 0, kernel_w = 0;                     // conv (output channels: out.C)
  cpu::PoolKind pool = cpu::PoolKind::max;            // pool
  int pool_h = 0, pool_w = 0;                         // pool
  int heads = 0;                                      // attention
  cpu::ActivationKind activation = cpu::ActivationKind::relu;  // activation
  double dropout = 0;                                 // dropout: p
  int dropout_id = 0;                                 // dropout: keys its random stream
  std::vector<ParamSpec> params;                      // canonical order; empty for pool/activation/dropout
  // Where this layer's parameters start in the flat buffers; for a layer without any,
  // where the next parameterised layer's start (the total past the last one). Once its
  // backward has run, every gradient at this offset and beyond is final for the step.
  long first_param = 0;
};

struct ModelGraph {
  ModelSpec spec;
  std::vector<ParamSpec> embedding;  // tokens input: embed.weight (first in the table); else empty
  std::vector<LayerNode> layers;     // in forward order
  ParamTable table;                  // every parameter, canonical order
  std::vector<MapShape> block_shapes;  // the input, after each block, then pooled

  std::vector<std::string> layer_names() const;
  // Where each parameter starts in the flat buffers, ascending (gradient bucket cuts).
  std::vector<long> param_offsets() const;
};

// Validates the spec (its input size known) and walks it. Throws KeyError as validate().
ModelGraph build_graph(const ModelSpec& spec);

}  // namespace manet
