#pragma once
// Spatial multi-head self-attention with the learned residual gate gamma.
#include <string>
#include <vector>

#include "layers/layer.hpp"

namespace manet {

template <class T>
class AttentionLayer : public Layer<T> {
 public:
  AttentionLayer(std::string prefix, MapShape in, int heads);
  std::vector<ParamSpec> param_specs() const override;
  void bind(T* values, T* grads) override;
  MapShape output_shape() const override { return in_; }
  Activations<T> forward(const Activations<T>& in, const StepContext& ctx) override;
  const T* backward(const T* dy, bool want_dx) override;

 private:
  std::string prefix_;
  MapShape in_;
  int heads_;
  T *wqkv_ = nullptr, *bqkv_ = nullptr, *wproj_ = nullptr, *bproj_ = nullptr, *gamma_ = nullptr;
  T *dwqkv_ = nullptr, *dbqkv_ = nullptr, *dwproj_ = nullptr, *dbproj_ = nullptr, *dgamma_ = nullptr;
  Activations<T> input_;
  std::vector<T> y_, qkv_, o_, z_;  // (N, C, P), (N, 3C, P), (N, C, P), (N, C, P)
  std::vector<T> lse_;              // (N, heads, P): each attention row's log-sum-exp
  std::vector<T> scratch_;          // one head's panels + 5 (C, P): one sample's workspaces
  std::vector<T> dx_;
};

}  // namespace manet
