#include "model/model_spec.hpp"

#include "core/error.hpp"

namespace manet {

const char* block_kind_name(BlockKind kind) {
  switch (kind) {
    case BlockKind::conv: return "conv";
    case BlockKind::conv_attention: return "conv_attention";
    case BlockKind::pool_attention: return "pool_attention";
  }
  return "?";
}

namespace {

void require_positive(const std::string& key, int value) {
  if (value <= 0) throw KeyError(key, "must be a positive integer, got " + std::to_string(value));
}

void check_heads(const std::string& key, int heads, int channels) {
  require_positive(key, heads);
  if (channels % heads != 0)
    throw KeyError(key, std::to_string(heads) + " heads do not divide the block's " + std::to_string(channels) +
                            " channels (each head gets channels/heads dimensions)");
}

}  // namespace

std::vector<MapShape> validate(const ModelSpec& spec) {
  if (spec.input == InputKind::image) {
    require_positive("model.in_channels", spec.in_channels);
    require_positive("model.image_size", spec.height);
    require_positive("model.image_size", spec.width);
  } else {
    if (spec.vocab_size < 2)
      throw KeyError("model.vocab_size", "must be at least 2 (id 0 is padding), got " + std::to_string(spec.vocab_size));
    require_positive("model.embed_dim", spec.embed_dim);
    require_positive("model.seq_len", spec.seq_len);
  }
  if (spec.blocks.empty()) throw KeyError("model.blocks", "needs at least one block");

  std::vector<MapShape> shapes;
  MapShape shape = spec.input_shape();
  for (std::size_t i = 0; i < spec.blocks.size(); ++i) {
    const BlockSpec& b = spec.blocks[i];
    const std::string key = "model.blocks[" + std::to_string(i) + "]." + block_kind_name(b.kind);
    if (b.kind == BlockKind::conv || b.kind == BlockKind::conv_attention) {
      require_positive(key + ".channels", b.channels);
      for (int k : {b.kernel_h, b.kernel_w})
        if (k <= 0 || k % 2 == 0)
          throw KeyError(key + ".kernel", "must be odd and positive (same padding keeps H and W), got " +
                                              std::to_string(b.kernel_h) + "x" + std::to_string(b.kernel_w));
      shape.C = b.channels;
      if (b.kind == BlockKind::conv_attention) check_heads(key + ".heads", b.heads, shape.C);
    } else {
      require_positive(key + ".size", b.pool_h);
      require_positive(key + ".size", b.pool_w);
      const MapShape pooled{shape.C, shape.H / b.pool_h, shape.W / b.pool_w};
      if (pooled.H == 0 || pooled.W == 0)
        throw KeyError(key + ".size", "pooling " + std::to_string(b.pool_h) + "x" + std::to_string(b.pool_w) +
                                          " shrinks the block's " + std::to_string(shape.H) + "x" +
                                          std::to_string(shape.W) + " input to " + std::to_string(pooled.H) + "x" +
                                          std::to_string(pooled.W));
      check_heads(key + ".heads", b.heads, shape.C);
      shape = pooled;
    }
    shapes.push_back(shape);
  }
  for (std::size_t j = 0; j < spec.head.hidden.size(); ++j)
    require_positive("model.head.hidden[" + std::to_string(j) + "]", spec.head.hidden[j]);
  if (!(spec.head.dropout >= 0.0 && spec.head.dropout < 1.0))
    throw KeyError("model.head.dropout", "must be in [0, 1), got " + std::to_string(spec.head.dropout));
  if (spec.num_classes < 2)
    throw KeyError("model.num_classes", "must be at least 2, got " + std::to_string(spec.num_classes));
  return shapes;
}

}  // namespace manet
