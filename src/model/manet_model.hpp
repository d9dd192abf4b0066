#pragma once
// MANet: self-attention blocks, attention pooling and a fully connected head
// (docs/model.md). All parameters live in one flat buffer and all gradients in another, in
// canonical order, so "all gradients" is one pointer and one length.
//
//   input (image N×C×H×W | tokens N×T -> embed N×E×1×T, key mask)
//     -> blocks: conv (ReLU(conv)) | conv_attention (ReLU(conv), Attn) | pool_attention (Pool, Attn)
//     -> attention pooling (N×C) -> [Linear, act, dropout]* -> classifier (N×classes)
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "layers/embedding_layer.hpp"
#include "layers/layer.hpp"
#include "model/model_spec.hpp"
#include "model/param_table.hpp"

namespace manet {

// One batch for the model: `images` (N, C, H, W) or `tokens` (N, T), by the spec's input.
template <class T>
struct ModelInput {
  int N = 0;
  const T* images = nullptr;
  const int64_t* tokens = nullptr;
};

template <class T>
class Model {
 public:
  // The spec must name its input size (image height/width); it is validated here.
  explicit Model(const ModelSpec& spec);
  ~Model();

  const ModelSpec& spec() const { return spec_; }
  const ParamTable& params() const { return table_; }
  long num_params() const { return table_.total(); }
  T* values() { return values_.data(); }
  const T* values() const { return values_.data(); }
  T* grads() { return grads_.data(); }
  const T* grads() const { return grads_.data(); }
  // Map shapes after the input and after each block (C×H×W), then the pooled vector.
  const std::vector<MapShape>& block_shapes() const { return block_shapes_; }

  // Seeded initialisation (docs/model.md): the same seed gives the same parameters everywhere.
  void init(uint64_t seed);
  void zero_grad();

  // Returns the logits (N, num_classes), valid until the next forward.
  const T* forward(const ModelInput<T>& input, const StepContext& ctx);
  // Told during backward, after each layer: every parameter gradient at flat offsets
  // >= the argument is final for this step (what gradient all-reduce overlap needs).
  using GradsFinal = std::function<void(long first_final_offset)>;

  // Accumulates parameter gradients from dlogits (N, num_classes). Returns the gradient
  // w.r.t. the input images when asked (image models only), else nullptr.
  const T* backward(const T* dlogits, bool want_input_grad = false, const GradsFinal& grads_final = {});
  // Where each parameter starts in the flat buffers, ascending.
  std::vector<long> param_offsets() const;
  // Tokens models: the rows of embed.weight (the first parameter, docs/model.md) that the last
  // backward gave gradient; every other row's gradient is zero. Null for image models.
  const std::vector<int>* embedding_grad_rows() const { return embed_ ? &embed_->grad_rows() : nullptr; }

  // Told after each layer's forward (backward = false) and backward, with its index in
  // layer_names() (for timelines); off when empty.
  using LayerDone = std::function<void(std::size_t layer, bool backward)>;
  void set_layer_observer(LayerDone observer) { layer_done_ = std::move(observer); }
  const std::vector<std::string>& layer_names() const { return layer_names_; }

 private:
  ModelSpec spec_;
  ParamTable table_;
  std::vector<T> values_, grads_;
  std::unique_ptr<EmbeddingLayer<T>> embed_;
  std::vector<std::unique_ptr<Layer<T>>> layers_;
  std::vector<MapShape> block_shapes_;
  std::vector<long> layer_offset_;  // first flat offset of layers_[i]'s parameters (or the next layer's)
  std::vector<std::string> layer_names_;  // "blocks.1.attn", "head.0.relu", ...
  LayerDone layer_done_;
};

}  // namespace manet
