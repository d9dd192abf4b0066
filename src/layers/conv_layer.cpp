#include "layers/conv_layer.hpp"

#include "kernels/cpu/conv.hpp"

namespace manet {

template <class T>
ConvLayer<T>::ConvLayer(std::string prefix, MapShape in, int out_channels, int kernel_h, int kernel_w)
    : prefix_(std::move(prefix)), in_(in), out_channels_(out_channels), kh_(kernel_h), kw_(kernel_w) {}

template <class T>
std::vector<ParamSpec> ConvLayer<T>::param_specs() const {
  const int fan_in = in_.C * kh_ * kw_;
  return {{prefix_ + ".weight", {out_channels_, in_.C, kh_, kw_}, InitKind::uniform_fan_in, fan_in},
          {prefix_ + ".bias", {out_channels_}, InitKind::uniform_fan_in, fan_in}};
}

template <class T>
void ConvLayer<T>::bind(T* values, T* grads) {
  const long weight_count = long(out_channels_) * in_.C * kh_ * kw_;
  weight_ = values, bias_ = values + weight_count;
  dweight_ = grads, dbias_ = grads + weight_count;
}

template <class T>
Activations<T> ConvLayer<T>::forward(const Activations<T>& in, const StepContext&) {
  input_ = in;
  const long NP = long(in.N) * in_.positions();
  ensure_size(y_, NP * out_channels_);
  ensure_size(col_, NP * in_.C * kh_ * kw_);
  ensure_size(scratch_, NP * out_channels_);
  cpu::conv_relu_forward(y_.data(), col_.data(), scratch_.data(), in.data, in.mask, weight_, bias_, in.N, in_.C,
                         in_.H, in_.W, out_channels_, kh_, kw_);
  return {y_.data(), in.N, output_shape(), in.mask};
}

template <class T>
const T* ConvLayer<T>::backward(const T* dy, bool want_dx) {
  const int N = input_.N;
  const long NP = long(N) * in_.positions();
  if (want_dx) {
    ensure_size(dcol_, NP * in_.C * kh_ * kw_);
    ensure_size(dx_, NP * in_.C);
  }
  cpu::conv_relu_backward(want_dx ? dx_.data() : nullptr, dweight_, dbias_, dcol_.data(), scratch_.data(), dy,
                          y_.data(), col_.data(), input_.mask, weight_, N, in_.C, in_.H, in_.W, out_channels_, kh_,
                          kw_);
  return want_dx ? dx_.data() : nullptr;
}

template class ConvLayer<float>;
template class ConvLayer<double>;

}  // namespace manet
