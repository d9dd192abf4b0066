#include "layers/dropout_layer.hpp"

#include "kernels/cpu/kernel_table.hpp"

namespace manet {

template <class T>
Activations<T> DropoutLayer<T>::forward(const Activations<T>& in, const StepContext& ctx) {
  N_ = in.N;
  active_ = ctx.training && p_ > 0;
  if (!active_) return in;
  const long n = long(in.N) * shape_.size();
  ensure_size(y_, n);
  ensure_size(keep_, n);
  const RandomStream stream(ctx.seed, RandomPurpose::dropout, uint64_t(ctx.step), uint64_t(layer_id_));
  cpu::kernels<T>().dropout_forward(y_.data(), keep_.data(), in.data, in.N, shape_.size(), p_, stream,
                                    ctx.first_sample);
  return {y_.data(), in.N, shape_, in.mask};
}

template <class T>
const T* DropoutLayer<T>::backward(const T* dy, bool want_dx) {
  if (!want_dx) return nullptr;
  if (!active_) return dy;
  const long n = long(N_) * shape_.size();
  ensure_size(dx_, n);
  cpu::kernels<T>().dropout_backward(dx_.data(), dy, keep_.data(), n);
  return dx_.data();
}

template class DropoutLayer<float>;
template class DropoutLayer<double>;

}  // namespace manet
