#include "config/model_config.hpp"

namespace manet {

namespace {

constexpr long kMaxDim = 1 << 20;
// More layers than any MANet needs; a list that long is a mistake (a generated file gone
// wrong), refused before anything is built from it.
constexpr std::size_t kMaxLayers = 64;

BlockSpec parse_block(const ConfigNode& item) {
  if (!item.is_map() || item.size() != 1)
    item.fail("each block is a map with one key, its kind: conv, conv_attention or pool_attention, e.g. "
              "'- conv: {channels: 32, kernel: 3}'");
  const std::string kind = item.keys().front();
  const ConfigNode body = item.child(kind);
  BlockSpec b;
  if (kind == "conv" || kind == "conv_attention") {
    b.kind = kind == "conv" ? BlockKind::conv : BlockKind::conv_attention;
    if (b.kind == BlockKind::conv)
      body.allow_only({"channels", "kernel"});
    else
      body.allow_only({"channels", "kernel", "heads"});
    b.channels = int(body.child("channels").to_int(1, kMaxDim));
    std::tie(b.kernel_h, b.kernel_w) = body.child("kernel").to_int_pair(1, 999);
    if (b.kernel_h % 2 == 0 || b.kernel_w % 2 == 0)
      body.child("kernel").fail("must be odd (same zero padding kh//2, kw//2 keeps H and W), got " +
                                std::to_string(b.kernel_h) + "x" + std::to_string(b.kernel_w));
    if (b.kind == BlockKind::conv_attention) b.heads = int(body.child("heads").to_int(1, kMaxDim));
  } else if (kind == "pool_attention") {
    b.kind = BlockKind::pool_attention;
    body.allow_only({"pool", "size", "heads"});
    b.pool = body.child("pool").to_choice<cpu::PoolKind>({{"max", cpu::PoolKind::max}, {"avg", cpu::PoolKind::avg}});
    std::tie(b.pool_h, b.pool_w) = body.child("size").to_int_pair(1, kMaxDim);
    b.heads = int(body.child("heads").to_int(1, kMaxDim));
  } else {
    item.child(kind).fail("unknown block kind '" + kind + "' (known: conv, conv_attention, pool_attention)");
  }
  return b;
}

}  // namespace

ModelSpec parse_model_section(const ConfigNode& model, std::pair<int, int> image_size) {
  model.required();
  model.allow_only({"input", "in_channels", "image_size", "vocab_size", "embed_dim", "seq_len", "blocks", "head",
                    "num_classes"});
  ModelSpec spec;
  spec.input = model.has("input")
                   ? model.child("input").to_choice<InputKind>({{"image", InputKind::image}, {"tokens", InputKind::tokens}})
                   : InputKind::image;
  const bool image = spec.input == InputKind::image;
  for (const char* key : {"in_channels", "image_size"})
    if (!image && model.has(key)) model.child(key).fail("only for model.input: image");
  for (const char* key : {"vocab_size", "embed_dim", "seq_len"})
    if (image && model.has(key)) model.child(key).fail("only for model.input: tokens");
  if (image) {
    spec.in_channels = int(model.int_or("in_channels", 1, 1, kMaxDim));
    std::tie(spec.height, spec.width) =
        model.has("image_size") ? model.child("image_size").to_int_pair(1, kMaxDim) : image_size;
  } else {
    spec.vocab_size = int(model.child("vocab_size").to_int(2, 1L << 31));
    spec.embed_dim = int(model.child("embed_dim").to_int(1, kMaxDim));
    spec.seq_len = int(model.child("seq_len").to_int(1, kMaxDim));
  }
  const ConfigNode blocks = model.child("blocks");
  blocks.required();
  if (!blocks.is_sequence() || blocks.size() == 0) blocks.fail("expected a non-empty list of blocks");
  if (blocks.size() > kMaxLayers)
    blocks.fail("has " + std::to_string(blocks.size()) + " blocks; at most " + std::to_string(kMaxLayers) +
                " are supported");
  for (std::size_t i = 0; i < blocks.size(); ++i) spec.blocks.push_back(parse_block(blocks.at(i)));

  const ConfigNode head = model.child("head");
  head.allow_only({"hidden", "activation", "dropout"});
  if (head.has("hidden")) {
    const ConfigNode hidden = head.child("hidden");
    if (hidden.is_sequence() && hidden.size() > kMaxLayers)
      hidden.fail("has " + std::to_string(hidden.size()) + " layers; at most " + std::to_string(kMaxLayers) +
                  " are supported");
    for (long n : hidden.to_int_list(1, kMaxDim)) spec.head.hidden.push_back(int(n));
  }
  if (head.has("activation"))
    spec.head.activation = head.child("activation").to_choice<cpu::ActivationKind>(
        {{"relu", cpu::ActivationKind::relu}, {"sigmoid", cpu::ActivationKind::sigmoid}, {"tanh", cpu::ActivationKind::tanh}});
  spec.head.dropout = head.double_or("dropout", 0.0, 0.0, 0.99);
  spec.num_classes = int(model.child("num_classes").to_int(2, kMaxDim));

  // Shape checks (heads vs channels, pooling to nothing) need the whole spec; they live
  // with the model and come back here to be given a file and line. An image size still
  // open (0) is checked once the data set fills it in.
  if (!image || spec.height > 0) with_key_locations(model.source(), [&] { return validate(spec); });
  return spec;
}

}  // namespace manet
