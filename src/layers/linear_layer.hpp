#pragma once
// y = W x + b on feature vectors (N, in) -> (N, out).
#include <string>
#include <vector>

#include "layers/layer.hpp"

namespace manet {

template <class T>
class LinearLayer : public Layer<T> {
 public:
  LinearLayer(std::string prefix, int in, int out) : prefix_(std::move(prefix)), in_(in), out_(out) {}
  std::vector<ParamSpec> param_specs() const override;
  void bind(T* values, T* grads) override;
  MapShape output_shape() const override { return {out_, 1, 1}; }
  Activations<T> forward(const Activations<T>& in, const StepContext& ctx) override;
  const T* backward(const T* dy, bool want_dx) override;

 private:
  std::string prefix_;
  int in_, out_;
  T *w_ = nullptr, *b_ = nullptr, *dw_ = nullptr, *db_ = nullptr;
  Activations<T> input_;
  std::vector<T> y_, dx_;
};

}  // namespace manet
