#include "layers/pool_layer.hpp"

#include "core/error.hpp"
#include "kernels/cpu/kernel_table.hpp"

namespace manet {

Error pooling_emptied_error(int emptied, const std::string& where, MapShape in, int size_h, int size_w) {
  return Error(std::to_string(emptied) + " sequence(s) of the batch have no valid position left after the pooling of " +
               where + " (" + in.str() + " pooled by " + std::to_string(size_h) + "x" + std::to_string(size_w) +
               "): their tokens all fall in the dropped tail; use a shorter model.seq_len or smaller pooling");
}

template <class T>
PoolLayer<T>::PoolLayer(std::string where, MapShape in, cpu::PoolKind kind, int size_h, int size_w)
    : where_(std::move(where)), in_(in), kind_(kind), sh_(size_h), sw_(size_w) {}

template <class T>
Activations<T> PoolLayer<T>::forward(const Activations<T>& in, const StepContext&) {
  input_ = in;
  const MapShape out = output_shape();
  ensure_size(y_, long(in.N) * out.size());
  if (in.mask) ensure_size(ymask_, long(in.N) * out.positions());
  if (kind_ == cpu::PoolKind::max) ensure_size(argmax_, long(in.N) * out.size());
  const int emptied = cpu::kernels<T>().pool_forward(y_.data(), ymask_.data(), argmax_.data(), in.data, in.mask, kind_,
                                                     in.N, in_.C, in_.H, in_.W, sh_, sw_);
  if (emptied > 0) throw pooling_emptied_error(emptied, where_, in_, sh_, sw_);
  return {y_.data(), in.N, out, in.mask ? ymask_.data() : nullptr};
}

template <class T>
const T* PoolLayer<T>::backward(const T* dy, bool want_dx) {
  if (!want_dx) return nullptr;
  ensure_size(dx_, long(input_.N) * in_.size());
  cpu::kernels<T>().pool_backward(dx_.data(), dy, argmax_.data(), input_.mask, kind_, input_.N, in_.C, in_.H, in_.W,
                                  sh_, sw_);
  return dx_.data();
}

template class PoolLayer<float>;
template class PoolLayer<double>;

}  // namespace manet
