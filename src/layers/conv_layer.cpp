#include "layers/conv_layer.hpp"

#include <algorithm>

#include "kernels/cpu/conv_direct.hpp"
#include "kernels/cpu/kernel_table.hpp"
#include "kernels/cpu/winograd.hpp"
#include "layers/param_specs.hpp"

namespace manet {

namespace {
// Samples whose tiles make one GEMM of the Winograd weight gradient (K = 4 x 49 tiles for
// a 14 x 14 map).
constexpr int kWinogradGradSamples = 4;
}  // namespace

template <class T>
ConvLayer<T>::ConvLayer(std::string prefix, MapShape in, int out_channels, int kernel_h, int kernel_w)
    : prefix_(std::move(prefix)), in_(in), out_channels_(out_channels), kh_(kernel_h), kw_(kernel_w) {}

template <class T>
std::vector<ParamSpec> ConvLayer<T>::param_specs() const {
  return conv_param_specs(prefix_, in_.C, out_channels_, kh_, kw_);
}

template <class T>
void ConvLayer<T>::bind(T* values, T* grads) {
  const long weight_count = long(out_channels_) * in_.C * kh_ * kw_;
  weight_ = values, bias_ = values + weight_count;
  dweight_ = grads, dbias_ = grads + weight_count;
}

// Samples per im2col chunk: the chunk's columns stay near 2 MB (in cache, and the memory
// of a whole batch's im2col is never needed) while each GEMM still has >= ~1,500 columns.
template <class T>
int ConvLayer<T>::chunk_samples(int N) const {
  const long per_sample = long(in_.C) * kh_ * kw_ * in_.positions();
  return int(std::clamp<long>((1L << 19) / per_sample, 1, N));
}

// Sized for both directions (C_in -> C_out forward, C_out -> C_in for dx). The product
// buffer starts zeroed and winograd_conv leaves it so.
template <class T>
void ConvLayer<T>::ensure_winograd_buffers() {
  const int wide = std::max(in_.C, out_channels_);
  ensure_size(winograd_u_, 16L * in_.C * out_channels_);
  ensure_size(winograd_wt_, long(out_channels_) * in_.C * 9);
  ensure_size(winograd_ws_, cpu::winograd_workspace(wide, wide, in_.H, in_.W));
  ensure_size(winograd_m_, cpu::winograd_products(wide, in_.H, in_.W));
}

template <class T>
Activations<T> ConvLayer<T>::forward(const Activations<T>& in, const StepContext&) {
  input_ = in;
  const cpu::Kernels<T>& k = cpu::kernels<T>();
  const long P = in_.positions(), chunk = chunk_samples(in.N);
  ensure_size(y_, long(in.N) * P * out_channels_);
  if (cpu::direct_conv_applies(in_.C, kh_, kw_, in.mask)) {  // a first layer: no GEMM worth having
    ensure_size(col_, k.direct_conv_workspace(in.N, in_.H, in_.W, kh_, kw_));
    k.direct_conv_relu_forward(y_.data(), col_.data(), in.data, weight_, bias_, in.N, in_.H, in_.W, out_channels_,
                                  kh_, kw_);
    return {y_.data(), in.N, output_shape(), in.mask};
  }
  if (cpu::winograd_applies(in_.C, out_channels_, kh_, kw_, in.mask)) {  // 3x3: 16 multiplies a tile, not 36
    ensure_winograd_buffers();
    cpu::winograd_weights(winograd_u_.data(), weight_, out_channels_, in_.C);
    k.winograd_conv(y_.data(), in.data, nullptr, winograd_u_.data(), bias_, true, in.N, in_.C, out_channels_, in_.H,
                    in_.W, winograd_ws_.data(), winograd_m_.data());
    return {y_.data(), in.N, output_shape(), in.mask};
  }
  ensure_size(col_, chunk * P * in_.C * kh_ * kw_);
  ensure_size(scratch_, chunk * P * out_channels_);
  for (long n0 = 0; n0 < in.N; n0 += chunk)
    k.conv_relu_forward(y_.data() + n0 * P * out_channels_, col_.data(), scratch_.data(), in.data + n0 * P * in_.C,
                        in.mask ? in.mask + n0 * P : nullptr, weight_, bias_, int(std::min<long>(chunk, in.N - n0)),
                        in_.C, in_.H, in_.W, out_channels_, kh_, kw_);
  return {y_.data(), in.N, output_shape(), in.mask};
}

template <class T>
const T* ConvLayer<T>::backward(const T* dy, bool want_dx) {
  const cpu::Kernels<T>& k = cpu::kernels<T>();
  const int N = input_.N;
  const long P = in_.positions(), chunk = chunk_samples(N);
  if (!want_dx && cpu::direct_conv_applies(in_.C, kh_, kw_, input_.mask)) {
    k.direct_conv_relu_backward(dweight_, dbias_, col_.data(), dy, y_.data(), input_.data, N, in_.H, in_.W,
                                out_channels_, kh_, kw_);
    return nullptr;
  }
  if (want_dx) ensure_size(dx_, long(N) * P * in_.C);
  if (!cpu::winograd_applies(in_.C, out_channels_, kh_, kw_, input_.mask)) {
    ensure_size(col_, chunk * P * in_.C * kh_ * kw_);  // forward may have taken another path
    ensure_size(scratch_, chunk * P * out_channels_);
    for (long n0 = 0; n0 < N; n0 += chunk)
      k.conv_relu_backward(want_dx ? dx_.data() + n0 * P * in_.C : nullptr, dweight_, dbias_, col_.data(),
                           scratch_.data(), dy + n0 * P * out_channels_, y_.data() + n0 * P * out_channels_,
                           input_.data + n0 * P * in_.C, input_.mask ? input_.mask + n0 * P : nullptr, weight_,
                           int(std::min<long>(chunk, N - n0)), in_.C, in_.H, in_.W, out_channels_, kh_, kw_);
    return want_dx ? dx_.data() : nullptr;
  }
  // Winograd: the weight and bias gradients in the transformed domain, then (wanted) dx =
  // conv(ReLU'(y) dy, w rotated by 180 degrees, in and out swapped).
  ensure_size(winograd_gw_,
              cpu::winograd_weight_grad_workspace(kWinogradGradSamples, in_.C, out_channels_, in_.H, in_.W));
  k.winograd_weight_grad(dweight_, dbias_, input_.data, dy, y_.data(), N, in_.C, out_channels_, in_.H, in_.W,
                         kWinogradGradSamples, winograd_gw_.data());
  if (want_dx) {
    ensure_winograd_buffers();
    cpu::adjoint_weights(winograd_wt_.data(), weight_, out_channels_, in_.C);
    cpu::winograd_weights(winograd_u_.data(), winograd_wt_.data(), in_.C, out_channels_);
    k.winograd_conv(dx_.data(), dy, y_.data(), winograd_u_.data(), nullptr, false, N, out_channels_, in_.C, in_.H,
                    in_.W, winograd_ws_.data(), winograd_m_.data());
  }
  return want_dx ? dx_.data() : nullptr;
}

template class ConvLayer<float>;
template class ConvLayer<double>;

}  // namespace manet
