#pragma once
// ReLU, sigmoid or tanh, elementwise.
#include <vector>

#include "kernels/cpu/kernel_types.hpp"
#include "layers/layer.hpp"

namespace manet {

template <class T>
class ActivationLayer : public Layer<T> {
 public:
  ActivationLayer(MapShape shape, cpu::ActivationKind kind) : shape_(shape), kind_(kind) {}
  MapShape output_shape() const override { return shape_; }
  Activations<T> forward(const Activations<T>& in, const StepContext& ctx) override;
  const T* backward(const T* dy, bool want_dx) override;

 private:
  MapShape shape_;
  cpu::ActivationKind kind_;
  int N_ = 0;
  std::vector<T> y_, dx_;
};

}  // namespace manet
