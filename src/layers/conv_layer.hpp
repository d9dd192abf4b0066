#pragma once
// Y = ReLU(conv(X)): the convolution of `conv` and `conv_attention` blocks.
#include <vector>

#include "layers/layer.hpp"

namespace manet {

template <class T>
class ConvLayer : public Layer<T> {
 public:
  ConvLayer(std::string prefix, MapShape in, int out_channels, int kernel_h, int kernel_w);
  std::vector<ParamSpec> param_specs() const override;
  void bind(T* values, T* grads) override;
  MapShape output_shape() const override { return {out_channels_, in_.H, in_.W}; }
  Activations<T> forward(const Activations<T>& in, const StepContext& ctx) override;
  const T* backward(const T* dy, bool want_dx) override;

 private:
  int chunk_samples(int N) const;
  void ensure_winograd_buffers();
  std::string prefix_;
  MapShape in_;
  int out_channels_, kh_, kw_;
  T *weight_ = nullptr, *bias_ = nullptr, *dweight_ = nullptr, *dbias_ = nullptr;
  Activations<T> input_;
  std::vector<T> y_;        // (N, Co, H, W)
  std::vector<T> col_;      // (Ci*kh*kw, chunk*H*W): im2col of one chunk of samples
  std::vector<T> scratch_;  // (Co, chunk*H*W)
  std::vector<T> dx_;       // (N, Ci, H, W)
  // Winograd F(2x2, 3x3) (winograd.hpp): transformed weights (16, Ci, Co), the adjoint's
  // weights (Ci, Co, 3, 3), one sample's workspace, the products (kept zero between uses),
  // and the weight gradient's workspace.
  std::vector<T> winograd_u_, winograd_wt_, winograd_ws_, winograd_m_, winograd_gw_;
};

}  // namespace manet
