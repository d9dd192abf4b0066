#include "layers/activation_layer.hpp"

#include "kernels/cpu/kernel_table.hpp"

namespace manet {

template <class T>
Activations<T> ActivationLayer<T>::forward(const Activations<T>& in, const StepContext&) {
  N_ = in.N;
  const long n = long(in.N) * shape_.size();
  ensure_size(y_, n);
  cpu::kernels<T>().activation_forward(y_.data(), in.data, n, kind_);
  return {y_.data(), in.N, shape_, in.mask};
}

template <class T>
const T* ActivationLayer<T>::backward(const T* dy, bool want_dx) {
  if (!want_dx) return nullptr;
  const long n = long(N_) * shape_.size();
  ensure_size(dx_, n);
  cpu::kernels<T>().activation_backward(dx_.data(), dy, y_.data(), n, kind_);
  return dx_.data();
}

template class ActivationLayer<float>;
template class ActivationLayer<double>;

}  // namespace manet
