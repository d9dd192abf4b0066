#include "layers/linear_layer.hpp"

#include "kernels/cpu/kernel_table.hpp"
#include "layers/param_specs.hpp"

namespace manet {

template <class T>
std::vector<ParamSpec> LinearLayer<T>::param_specs() const {
  return linear_param_specs(prefix_, in_, out_);
}

template <class T>
void LinearLayer<T>::bind(T* values, T* grads) {
  w_ = values, b_ = values + long(out_) * in_;
  dw_ = grads, db_ = grads + long(out_) * in_;
}

template <class T>
Activations<T> LinearLayer<T>::forward(const Activations<T>& in, const StepContext&) {
  input_ = in;
  ensure_size(y_, long(in.N) * out_);
  cpu::kernels<T>().linear_forward(y_.data(), in.data, w_, b_, in.N, in_, out_);
  return {y_.data(), in.N, output_shape(), nullptr};
}

template <class T>
const T* LinearLayer<T>::backward(const T* dy, bool want_dx) {
  if (want_dx) ensure_size(dx_, long(input_.N) * in_);
  cpu::kernels<T>().linear_backward(want_dx ? dx_.data() : nullptr, dw_, db_, dy, input_.data, w_, input_.N, in_,
                                    out_);
  return want_dx ? dx_.data() : nullptr;
}

template class LinearLayer<float>;
template class LinearLayer<double>;

}  // namespace manet
