#include "layers/cuda/cuda_layers.hpp"

#include "core/rng.hpp"
#include "kernels/cuda/attention.hpp"
#include "kernels/cuda/conv.hpp"
#include "kernels/cuda/elementwise.hpp"
#include "kernels/cuda/head.hpp"
#include "kernels/cuda/pool.hpp"
#include "layers/embedding_layer.hpp"
#include "layers/pool_layer.hpp"

namespace manet {

void CudaConvLayer::bind(float* values, float* grads) {
  const long weight_count = long(co_) * in_.C * kh_ * kw_;
  weight_ = values, bias_ = values + weight_count;
  dweight_ = grads, dbias_ = grads + weight_count;
}

// The whole batch in one im2col + GEMM: GPU memory is not the CPU's cache.
Activations<float> CudaConvLayer::forward(const Activations<float>& in, const StepContext&) {
  input_ = in;
  const long NP = long(in.N) * in_.positions();
  y_.ensure(NP * co_);
  col_.ensure(NP * in_.C * kh_ * kw_);
  scratch_.ensure(NP * co_);
  cuda::conv_relu_forward(cx_, y_.data(), col_.data(), scratch_.data(), in.data, in.mask, weight_, bias_, in.N, in_.C,
                          in_.H, in_.W, co_, kh_, kw_);
  return {y_.data(), in.N, output_shape(), in.mask};
}

const float* CudaConvLayer::backward(const float* dy, bool want_dx) {
  if (want_dx) dx_.ensure(long(input_.N) * in_.size());
  cuda::conv_relu_backward(cx_, want_dx ? dx_.data() : nullptr, dweight_, dbias_, col_.data(), scratch_.data(), dy,
                           y_.data(), input_.data, input_.mask, weight_, input_.N, in_.C, in_.H, in_.W, co_, kh_, kw_);
  return want_dx ? dx_.data() : nullptr;
}

Activations<float> CudaPoolLayer::forward(const Activations<float>& in, const StepContext&) {
  input_ = in;
  const MapShape out = output_shape();
  y_.ensure(long(in.N) * out.size());
  argmax_.ensure(long(in.N) * out.size());  // written for max pooling only
  if (in.mask) ymask_.ensure(long(in.N) * out.positions());
  emptied_.ensure(1);
  cuda::pool_forward(y_.data(), in.mask ? ymask_.data() : nullptr, argmax_.data(), emptied_.data(), in.data, in.mask,
                     kind_, in.N, in_.C, in_.H, in_.W, sh_, sw_, cx_.stream);
  if (in.mask) {  // only token models can empty a sequence: the one host round trip of a layer
    int emptied = 0;
    emptied_.download(&emptied, 1, cx_.stream);
    if (emptied > 0) throw pooling_emptied_error(emptied, where_, in_, sh_, sw_);
  }
  return {y_.data(), in.N, out, in.mask ? ymask_.data() : nullptr};
}

const float* CudaPoolLayer::backward(const float* dy, bool want_dx) {
  if (!want_dx) return nullptr;
  dx_.ensure(long(input_.N) * in_.size());
  cuda::pool_backward(dx_.data(), dy, argmax_.data(), input_.mask, kind_, input_.N, in_.C, in_.H, in_.W, sh_, sw_,
                      cx_.stream);
  return dx_.data();
}

void CudaAttentionLayer::bind(float* values, float* grads) {
  const long C = in_.C;
  // Offsets of qkv.bias, proj.weight, proj.bias and gamma after qkv.weight (3C, C).
  const long bqkv = 3 * C * C, wproj = bqkv + 3 * C, bproj = wproj + C * C, gamma = bproj + C;
  wqkv_ = values, bqkv_ = values + bqkv, wproj_ = values + wproj, bproj_ = values + bproj, gamma_ = values + gamma;
  dwqkv_ = grads, dbqkv_ = grads + bqkv, dwproj_ = grads + wproj, dbproj_ = grads + bproj, dgamma_ = grads + gamma;
}

Activations<float> CudaAttentionLayer::forward(const Activations<float>& in, const StepContext&) {
  input_ = in;
  const long NCP = long(in.N) * in_.size(), P = in_.positions();
  y_.ensure(NCP);
  qkv_.ensure(3 * NCP);
  att_.ensure(long(in.N) * heads_ * P * P);
  o_.ensure(NCP);
  z_.ensure(NCP);
  cuda::attention_forward(cx_, y_.data(), {qkv_.data(), att_.data(), o_.data(), z_.data()}, in.data, in.mask, wqkv_,
                          bqkv_, wproj_, bproj_, gamma_, in.N, in_.C, int(P), heads_);
  return {y_.data(), in.N, in_, in.mask};
}

const float* CudaAttentionLayer::backward(const float* dy, bool want_dx) {
  const long NCP = long(input_.N) * in_.size(), P = in_.positions();
  dz_.ensure(NCP);
  dO_.ensure(NCP);
  dqkv_.ensure(3 * NCP);
  datt_.ensure(long(input_.N) * heads_ * P * P);
  rows_.ensure(3 * NCP);
  rows_x_.ensure(NCP);
  partials_.ensure(cuda::kReduceBlocks);
  if (want_dx) dx_.ensure(NCP);
  cuda::attention_backward(cx_, want_dx ? dx_.data() : nullptr, dwqkv_, dbqkv_, dwproj_, dbproj_, dgamma_,
                           {dz_.data(), dO_.data(), dqkv_.data(), datt_.data(), rows_.data(), rows_x_.data(),
                            partials_.data()},
                           dy, input_.data, input_.mask,
                           {qkv_.data(), att_.data(), o_.data(), z_.data()}, wqkv_, wproj_, gamma_, input_.N, in_.C,
                           int(P), heads_);
  return want_dx ? dx_.data() : nullptr;
}

void CudaAttentionPoolLayer::bind(float* values, float* grads) {
  w_ = values, b_ = values + in_.C;
  dw_ = grads, db_ = grads + in_.C;
}

Activations<float> CudaAttentionPoolLayer::forward(const Activations<float>& in, const StepContext&) {
  input_ = in;
  v_.ensure(long(in.N) * in_.C);
  alpha_.ensure(long(in.N) * in_.positions());
  cuda::attention_pool_forward(v_.data(), alpha_.data(), in.data, in.mask, w_, b_, in.N, in_.C, in_.positions(),
                               cx_.stream);
  return {v_.data(), in.N, output_shape(), nullptr};
}

const float* CudaAttentionPoolLayer::backward(const float* dy, bool want_dx) {
  if (want_dx) dx_.ensure(long(input_.N) * in_.size());
  cuda::attention_pool_backward(want_dx ? dx_.data() : nullptr, dw_, db_, dy, input_.data, alpha_.data(), w_,
                                input_.N, in_.C, in_.positions(), cx_.stream);
  return want_dx ? dx_.data() : nullptr;
}

void CudaLinearLayer::bind(float* values, float* grads) {
  w_ = values, b_ = values + long(out_) * in_;
  dw_ = grads, db_ = grads + long(out_) * in_;
}

Activations<float> CudaLinearLayer::forward(const Activations<float>& in, const StepContext&) {
  input_ = in;
  y_.ensure(long(in.N) * out_);
  cuda::linear_forward(cx_, y_.data(), in.data, w_, b_, in.N, in_, out_);
  return {y_.data(), in.N, output_shape(), nullptr};
}

const float* CudaLinearLayer::backward(const float* dy, bool want_dx) {
  if (want_dx) dx_.ensure(long(input_.N) * in_);
  cuda::linear_backward(cx_, want_dx ? dx_.data() : nullptr, dw_, db_, dy, input_.data, w_, input_.N, in_, out_);
  return want_dx ? dx_.data() : nullptr;
}

Activations<float> CudaActivationLayer::forward(const Activations<float>& in, const StepContext&) {
  N_ = in.N;
  const long n = long(in.N) * shape_.size();
  cuda::activation_forward(y_.ensure(n), in.data, n, kind_, cx_.stream);
  return {y_.data(), in.N, shape_, in.mask};
}

const float* CudaActivationLayer::backward(const float* dy, bool want_dx) {
  if (!want_dx) return nullptr;
  const long n = long(N_) * shape_.size();
  cuda::activation_backward(dx_.ensure(n), dy, y_.data(), n, kind_, cx_.stream);
  return dx_.data();
}

Activations<float> CudaDropoutLayer::forward(const Activations<float>& in, const StepContext& ctx) {
  N_ = in.N;
  active_ = ctx.training && p_ > 0;
  if (!active_) return in;
  const long n = long(in.N) * shape_.size();
  y_.ensure(n);
  keep_.ensure(n);
  const RandomStream stream(ctx.seed, RandomPurpose::dropout, uint64_t(ctx.step), uint64_t(layer_id_));
  cuda::dropout_forward(y_.data(), keep_.data(), in.data, in.N, shape_.size(), p_, stream, ctx.first_sample,
                        cx_.stream);
  return {y_.data(), in.N, shape_, in.mask};
}

const float* CudaDropoutLayer::backward(const float* dy, bool want_dx) {
  if (!want_dx) return nullptr;
  if (!active_) return dy;
  const long n = long(N_) * shape_.size();
  cuda::dropout_backward(dx_.ensure(n), dy, keep_.data(), n, cx_.stream);
  return dx_.data();
}

Activations<float> CudaEmbeddingLayer::forward(const int64_t* ids, int N) {
  check_token_ids(ids, N, len_, vocab_);
  N_ = N;
  const int64_t* device_ids = ids_.upload(ids, std::size_t(N) * len_, cx_.stream);
  y_.ensure(long(N) * dim_ * len_);
  mask_.ensure(long(N) * len_);
  cuda::embedding_forward(y_.data(), mask_.data(), device_ids, w_, N, len_, dim_, cx_.stream);
  return {y_.data(), N, MapShape{dim_, 1, len_}, mask_.data()};
}

void CudaEmbeddingLayer::backward(const float* dy) {
  cuda::embedding_backward(dw_, dy, ids_.data(), N_, len_, dim_, cx_.stream);
}

}  // namespace manet
