#include "layers/attention_pool_layer.hpp"

#include "kernels/cpu/kernel_table.hpp"
#include "layers/param_specs.hpp"

namespace manet {

template <class T>
std::vector<ParamSpec> AttentionPoolLayer<T>::param_specs() const {
  return attention_pool_param_specs(in_.C);
}

template <class T>
void AttentionPoolLayer<T>::bind(T* values, T* grads) {
  w_ = values, b_ = values + in_.C;
  dw_ = grads, db_ = grads + in_.C;
}

template <class T>
Activations<T> AttentionPoolLayer<T>::forward(const Activations<T>& in, const StepContext&) {
  input_ = in;
  ensure_size(v_, long(in.N) * in_.C);
  ensure_size(alpha_, long(in.N) * in_.positions());
  cpu::kernels<T>().attention_pool_forward(v_.data(), alpha_.data(), in.data, in.mask, w_, *b_, in.N, in_.C,
                                           in_.positions());
  return {v_.data(), in.N, output_shape(), nullptr};
}

template <class T>
const T* AttentionPoolLayer<T>::backward(const T* dy, bool want_dx) {
  ensure_size(dscore_, in_.positions());
  if (want_dx) ensure_size(dx_, long(input_.N) * in_.size());
  cpu::kernels<T>().attention_pool_backward(want_dx ? dx_.data() : nullptr, dw_, db_, dscore_.data(), dy, input_.data,
                                            alpha_.data(), w_, input_.N, in_.C, in_.positions());
  return want_dx ? dx_.data() : nullptr;
}

template class AttentionPoolLayer<float>;
template class AttentionPoolLayer<double>;

}  // namespace manet
