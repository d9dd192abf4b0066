#include "layers/attention_layer.hpp"

#include "kernels/cpu/kernel_table.hpp"
#include "layers/param_specs.hpp"

namespace manet {

template <class T>
AttentionLayer<T>::AttentionLayer(std::string prefix, MapShape in, int heads)
    : prefix_(std::move(prefix)), in_(in), heads_(heads) {}

template <class T>
std::vector<ParamSpec> AttentionLayer<T>::param_specs() const {
  return attention_param_specs(prefix_, in_.C);
}

template <class T>
void AttentionLayer<T>::bind(T* values, T* grads) {
  const long C = in_.C;
  T** params[] = {&wqkv_, &bqkv_, &wproj_, &bproj_, &gamma_};
  T** param_grads[] = {&dwqkv_, &dbqkv_, &dwproj_, &dbproj_, &dgamma_};
  const long counts[] = {3 * C * C, 3 * C, C * C, C, 1};
  long offset = 0;
  for (int i = 0; i < 5; ++i) {
    *params[i] = values + offset;
    *param_grads[i] = grads + offset;
    offset += counts[i];
  }
}

template <class T>
Activations<T> AttentionLayer<T>::forward(const Activations<T>& in, const StepContext&) {
  input_ = in;
  const long NCP = long(in.N) * in_.size();
  const long P = in_.positions();
  ensure_size(y_, NCP);
  ensure_size(qkv_, 3 * NCP);
  ensure_size(o_, NCP);
  ensure_size(z_, NCP);
  ensure_size(lse_, long(in.N) * heads_ * P);
  const cpu::Kernels<T>& k = cpu::kernels<T>();
  ensure_size(scratch_, k.attention_head_scratch(in_.C / heads_, int(P)) + 5 * long(in_.C) * P);
  k.attention_forward(y_.data(), qkv_.data(), o_.data(), z_.data(), lse_.data(), scratch_.data(), in.data, in.mask,
                      wqkv_, bqkv_, wproj_, bproj_, *gamma_, in.N, in_.C, int(P), heads_);
  return {y_.data(), in.N, in_, in.mask};
}

template <class T>
const T* AttentionLayer<T>::backward(const T* dy, bool want_dx) {
  const long P = in_.positions(), CP = long(in_.C) * P;
  if (want_dx) ensure_size(dx_, long(input_.N) * CP);
  T* ws = scratch_.data();
  const cpu::Kernels<T>& k = cpu::kernels<T>();
  const long head = k.attention_head_scratch(in_.C / heads_, int(P));
  const cpu::AttentionScratch<T> scratch{ws, ws + head, ws + head + CP, ws + head + 2 * CP};
  k.attention_backward(want_dx ? dx_.data() : nullptr, dwqkv_, dbqkv_, dwproj_, dbproj_, dgamma_, scratch, dy,
                       input_.data, input_.mask, qkv_.data(), lse_.data(), o_.data(), z_.data(), wqkv_, wproj_, *gamma_,
                       input_.N, in_.C, int(P), heads_);
  return want_dx ? dx_.data() : nullptr;
}

template class AttentionLayer<float>;
template class AttentionLayer<double>;

}  // namespace manet
