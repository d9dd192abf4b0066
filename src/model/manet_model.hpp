#pragma once
// MANet on the CPU: the layers of its ModelGraph (model/model_graph.hpp) over one flat
// parameter buffer and one flat gradient buffer in canonical order, so "all gradients" is
// one pointer and one length. Templated on the scalar: double serves the gradient checks.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "layers/embedding_layer.hpp"
#include "layers/layer.hpp"
#include "model/layer_stack.hpp"
#include "model/model_graph.hpp"

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

  const ModelGraph& graph() const { return graph_; }
  const ModelSpec& spec() const { return graph_.spec; }
  const ParamTable& params() const { return graph_.table; }
  long num_params() const { return graph_.table.total(); }
  T* values() { return values_.data(); }
  const T* values() const { return values_.data(); }
  T* grads() { return grads_.data(); }
  const T* grads() const { return grads_.data(); }
  // Map shapes after the input and after each block (C×H×W), then the pooled vector.
  const std::vector<MapShape>& block_shapes() const { return graph_.block_shapes; }

  // Seeded initialisation (docs/model.md): the same seed gives the same parameters everywhere.
  void init(uint64_t seed);
  void zero_grad();

  // Returns the logits (N, num_classes), valid until the next forward.
  const T* forward(const ModelInput<T>& input, const StepContext& ctx);
  // Accumulates parameter gradients from dlogits (N, num_classes). Returns the gradient
  // w.r.t. the input images when asked (image models only), else nullptr.
  const T* backward(const T* dlogits, bool want_input_grad = false, const GradsFinal& grads_final = {});
  // Where each parameter starts in the flat buffers, ascending.
  std::vector<long> param_offsets() const { return graph_.param_offsets(); }
  // Tokens models: the rows of embed.weight (the first parameter, docs/model.md) that the last
  // backward gave gradient; every other row's gradient is zero. Null for image models.
  const std::vector<int>* embedding_grad_rows() const { return embed_ ? &embed_->grad_rows() : nullptr; }

  // Told after each layer's forward and backward with its index in the graph (timelines).
  void set_layer_observer(LayerDone observer) { layers_->set_observer(std::move(observer)); }

 private:
  ModelGraph graph_;
  std::vector<T> values_, grads_;
  std::unique_ptr<EmbeddingLayer<T>> embed_;
  std::unique_ptr<LayerStack<T>> layers_;
};

}  // namespace manet
