#pragma once
// Inverted dropout, active in training only. Its random stream is keyed by
// (seed, step, layer id) and indexed by (global sample index, unit).
#include <vector>

#include "layers/layer.hpp"

namespace manet {

template <class T>
class DropoutLayer : public Layer<T> {
 public:
  DropoutLayer(MapShape shape, double p, int layer_id) : shape_(shape), p_(p), layer_id_(layer_id) {}
  MapShape output_shape() const override { return shape_; }
  Activations<T> forward(const Activations<T>& in, const StepContext& ctx) override;
  const T* backward(const T* dy, bool want_dx) override;

 private:
  MapShape shape_;
  double p_;
  int layer_id_;
  bool active_ = false;
  int N_ = 0;
  std::vector<T> y_, keep_, dx_;
};

}  // namespace manet
