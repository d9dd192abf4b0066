#pragma once
// The `model` section of a config as plain data (docs/model.md). Parsing it from YAML is the
// config layer's job; checking it is done here, so that every producer of a spec (a
// config file, a checkpoint's stored config, a test) gets the same checks.
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "kernels/cpu/kernel_types.hpp"

namespace manet {

enum class InputKind { image, tokens };
enum class BlockKind { conv, conv_attention, pool_attention };

struct BlockSpec {
  BlockKind kind = BlockKind::conv;
  int channels = 0;                 // conv, conv_attention
  int kernel_h = 0, kernel_w = 0;   // conv, conv_attention
  int heads = 0;                    // conv_attention, pool_attention
  cpu::PoolKind pool = cpu::PoolKind::max;  // pool_attention
  int pool_h = 0, pool_w = 0;       // pool_attention
};

struct HeadSpec {
  std::vector<int> hidden;
  cpu::ActivationKind activation = cpu::ActivationKind::relu;
  double dropout = 0.0;
};

struct ModelSpec {
  InputKind input = InputKind::image;
  int in_channels = 1;           // image
  int height = 0, width = 0;     // image size; 0 = not known yet (taken from the data set)
  int vocab_size = 0, embed_dim = 0, seq_len = 0;  // tokens
  std::vector<BlockSpec> blocks;
  HeadSpec head;
  int num_classes = 0;

  MapShape input_shape() const {
    return input == InputKind::image ? MapShape{in_channels, height, width} : MapShape{embed_dim, 1, seq_len};
  }
};

const char* block_kind_name(BlockKind kind);

// Checks the spec and walks the shapes through the blocks. Throws KeyError naming the
// offending key ("model.blocks[2].conv_attention.heads"). Returns the map shape after
// each block.
std::vector<MapShape> validate(const ModelSpec& spec);

}  // namespace manet
