#include "model/model_graph.hpp"

#include <string>
#include <utility>

#include "layers/param_specs.hpp"

namespace manet {

namespace {

// A node with its kind and names; the walk below fills in the rest. (Designated
// initialisers would do, but GCC 12 warns about every member they leave to its default.)
LayerNode layer_node(LayerKind kind, std::string name, std::string block = "") {
  LayerNode node;
  node.kind = kind, node.name = std::move(name), node.block = std::move(block);
  return node;
}

}  // namespace

ModelGraph build_graph(const ModelSpec& spec) {
  validate(spec);
  ModelGraph g;
  g.spec = spec;
  MapShape shape = spec.input_shape();
  g.block_shapes.push_back(shape);
  auto add = [&](LayerNode node) -> LayerNode& {
    node.in = shape;
    shape = node.out;
    g.layers.push_back(std::move(node));
    return g.layers.back();
  };
  if (spec.input == InputKind::tokens) g.embedding = embedding_param_specs(spec.vocab_size, spec.embed_dim);

  for (std::size_t i = 0; i < spec.blocks.size(); ++i) {
    const BlockSpec& b = spec.blocks[i];
    const std::string block = "blocks." + std::to_string(i);
    if (b.kind == BlockKind::pool_attention) {
      LayerNode pool = layer_node(LayerKind::pool, block + ".pool", block);
      pool.out = {shape.C, shape.H / b.pool_h, shape.W / b.pool_w};
      pool.pool = b.pool, pool.pool_h = b.pool_h, pool.pool_w = b.pool_w;
      add(std::move(pool));
    } else {
      LayerNode conv = layer_node(LayerKind::conv, block + ".conv", block);
      conv.out = {b.channels, shape.H, shape.W};
      conv.kernel_h = b.kernel_h, conv.kernel_w = b.kernel_w;
      conv.params = conv_param_specs(conv.name, shape.C, b.channels, b.kernel_h, b.kernel_w);
      add(std::move(conv));
    }
    if (b.kind != BlockKind::conv) {
      LayerNode attn = layer_node(LayerKind::attention, block + ".attn", block);
      attn.out = shape, attn.heads = b.heads;
      attn.params = attention_param_specs(attn.name, shape.C);
      add(std::move(attn));
    }
    g.block_shapes.push_back(shape);
  }

  LayerNode pool = layer_node(LayerKind::attention_pool, "pool.score");
  pool.out = {shape.C, 1, 1};
  pool.params = attention_pool_param_specs(shape.C);
  add(std::move(pool));
  g.block_shapes.push_back(shape);
  for (std::size_t j = 0; j < spec.head.hidden.size(); ++j) {
    const std::string head = "head." + std::to_string(j);
    const int width = spec.head.hidden[j];
    LayerNode linear = layer_node(LayerKind::linear, head);
    linear.out = {width, 1, 1};
    linear.params = linear_param_specs(head, shape.C, width);
    add(std::move(linear));
    LayerNode act = layer_node(LayerKind::activation, head + ".activation");
    act.out = shape, act.activation = spec.head.activation;
    add(std::move(act));
    if (spec.head.dropout > 0) {
      LayerNode drop = layer_node(LayerKind::dropout, head + ".dropout");
      drop.out = shape, drop.dropout = spec.head.dropout, drop.dropout_id = int(j);
      add(std::move(drop));
    }
  }
  LayerNode classifier = layer_node(LayerKind::linear, "classifier");
  classifier.out = {spec.num_classes, 1, 1};
  classifier.params = linear_param_specs("classifier", shape.C, spec.num_classes);
  add(std::move(classifier));

  // The flat layout: the embedding, then every layer's parameters in order.
  for (const ParamSpec& p : g.embedding) g.table.add(p);
  for (LayerNode& node : g.layers) {
    node.first_param = g.table.total();
    for (const ParamSpec& p : node.params) g.table.add(p);
  }
  // A layer without parameters: gradients are final from where the next layer's begin.
  long next = g.table.total();
  for (std::size_t i = g.layers.size(); i-- > 0;) {
    if (g.layers[i].params.empty()) g.layers[i].first_param = next;
    next = g.layers[i].first_param;
  }
  return g;
}

std::vector<std::string> ModelGraph::layer_names() const {
  std::vector<std::string> names;
  for (const LayerNode& node : layers) names.push_back(node.name);
  return names;
}

std::vector<long> ModelGraph::param_offsets() const {
  std::vector<long> out;
  for (const ParamEntry& e : table.entries()) out.push_back(e.offset);
  return out;
}

}  // namespace manet
