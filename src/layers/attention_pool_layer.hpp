#pragma once
// Attention pooling: (N, C, H, W) -> (N, C) by a learned score per position.
#include <vector>

#include "layers/layer.hpp"

namespace manet {

template <class T>
class AttentionPoolLayer : public Layer<T> {
 public:
  explicit AttentionPoolLayer(MapShape in) : in_(in) {}
  std::vector<ParamSpec> param_specs() const override;
  void bind(T* values, T* grads) override;
  MapShape output_shape() const override { return {in_.C, 1, 1}; }
  Activations<T> forward(const Activations<T>& in, const StepContext& ctx) override;
  const T* backward(const T* dy, bool want_dx) override;

 private:
  MapShape in_;
  T *w_ = nullptr, *b_ = nullptr, *dw_ = nullptr, *db_ = nullptr;
  Activations<T> input_;
  std::vector<T> v_, alpha_, dscore_, dx_;  // (N, C), (N, P), (P), (N, C, P)
};

}  // namespace manet
