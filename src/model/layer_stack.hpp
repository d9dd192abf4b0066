#pragma once
// The layers of a ModelGraph on one backend, in order, with the forward and backward walks
// both backends share: Model<T> (CPU) and CudaModel (GPU) own one each, built by their own
// factory from the same nodes, and bound to their flat buffers at the nodes' offsets.
#include <functional>
#include <memory>
#include <vector>

#include "layers/layer.hpp"
#include "model/model_graph.hpp"

namespace manet {

// Told during backward, after each layer: every parameter gradient at flat offsets >= the
// argument is final for this step (what gradient all-reduce overlap needs).
using GradsFinal = std::function<void(long first_final_offset)>;
// Told after each layer's forward (backward = false) and backward, with its index in the
// graph (for timelines).
using LayerDone = std::function<void(std::size_t layer, bool backward)>;

template <class T>
class LayerStack {
 public:
  // `make(node)` builds the backend's layer for each node; parameterised layers are bound
  // to values/grads at node.first_param.
  template <class Factory>
  LayerStack(const ModelGraph& graph, T* values, T* grads, Factory&& make) {
    for (const LayerNode& node : graph.layers) {
      std::unique_ptr<Layer<T>> layer = make(node);
      if (!node.params.empty()) layer->bind(values + node.first_param, grads + node.first_param);
      first_param_.push_back(node.first_param);
      layers_.push_back(std::move(layer));
    }
  }

  void set_observer(LayerDone observer) { done_ = std::move(observer); }

  // Returns the last layer's output (the logits), valid until the next forward.
  const T* forward(Activations<T> x, const StepContext& ctx) {
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      x = layers_[i]->forward(x, ctx);
      if (done_) done_(i, false);
    }
    return x.data;
  }

  // Accumulates parameter gradients from dy (the logits' gradient). Returns the gradient
  // w.r.t. the first layer's input when `want_input_grad`, else nullptr.
  const T* backward(const T* dy, bool want_input_grad, const GradsFinal& grads_final) {
    for (std::size_t i = layers_.size(); i-- > 0;) {
      dy = layers_[i]->backward(dy, i > 0 || want_input_grad);
      if (done_) done_(i, true);
      if (grads_final) grads_final(first_param_[i]);
    }
    return want_input_grad ? dy : nullptr;
  }

 private:
  std::vector<std::unique_ptr<Layer<T>>> layers_;
  std::vector<long> first_param_;
  LayerDone done_;
};

}  // namespace manet
