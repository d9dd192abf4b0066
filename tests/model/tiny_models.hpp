#pragma once
// Small model specs for the whole-model tests, written out as plain data so the model
// tests do not depend on the YAML layer.
#include "model/model_spec.hpp"

namespace manet::testing {

// Image 2x6x6: rectangular conv, max pool + attention, conv + attention, avg pool + attention.
inline ModelSpec tiny_image_spec() {
  ModelSpec s;
  s.input = InputKind::image;
  s.in_channels = 2, s.height = 6, s.width = 6;
  s.blocks = {{BlockKind::conv, 4, 3, 1},
              {BlockKind::pool_attention, 0, 0, 0, 2, cpu::PoolKind::max, 2, 2},
              {BlockKind::conv_attention, 6, 3, 3, 3},
              {BlockKind::pool_attention, 0, 0, 0, 2, cpu::PoolKind::avg, 1, 2}};
  s.head = {{5}, cpu::ActivationKind::tanh, 0.3};
  s.num_classes = 3;
  return s;
}

// Tokens: vocab 11, embed 4, seq_len T; conv+attention over the sequence, avg pool + attention.
inline ModelSpec tiny_tokens_spec(int seq_len = 8) {
  ModelSpec s;
  s.input = InputKind::tokens;
  s.vocab_size = 11, s.embed_dim = 4, s.seq_len = seq_len;
  s.blocks = {{BlockKind::conv_attention, 4, 1, 3, 2},
              {BlockKind::pool_attention, 0, 0, 0, 2, cpu::PoolKind::avg, 1, 2},
              {BlockKind::pool_attention, 0, 0, 0, 1, cpu::PoolKind::max, 1, 2}};
  s.head = {{6, 5}, cpu::ActivationKind::sigmoid, 0.0};
  s.num_classes = 4;
  return s;
}

// The example of docs/model.md (Fashion-MNIST).
inline ModelSpec spec_example() {
  ModelSpec s;
  s.input = InputKind::image;
  s.in_channels = 1, s.height = 28, s.width = 28;
  s.blocks = {{BlockKind::conv, 32, 3, 3},
              {BlockKind::pool_attention, 0, 0, 0, 4, cpu::PoolKind::max, 2, 2},
              {BlockKind::conv_attention, 64, 3, 3, 4},
              {BlockKind::pool_attention, 0, 0, 0, 4, cpu::PoolKind::max, 2, 2}};
  s.head = {{128}, cpu::ActivationKind::relu, 0.1};
  s.num_classes = 10;
  return s;
}

}  // namespace manet::testing
