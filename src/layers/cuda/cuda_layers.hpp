#pragma once
// The GPU twins of src/layers (CUDA builds only): the same Layer<float> interface, with
// every pointer (activations, masks, parameters, gradients) in GPU memory. Each layer is
// a thin object over kernels/cuda; its parameters and gradients are views into the
// CudaModel's flat device buffers (bind), its outputs and workspaces are grow-only device
// buffers reused every step. Shapes as in the CPU layers: activations (N, C, H, W),
// masks (N, H*W) or null. All work is queued on the context's stream; nothing here
// synchronises except the pooling check for emptied sequences (masked inputs only).
#include <cstdint>
#include <string>

#include "kernels/cpu/kernel_types.hpp"
#include "kernels/cuda/cuda_context.hpp"
#include "kernels/cuda/device_buffer.hpp"
#include "layers/layer.hpp"

namespace manet {

using cuda::DeviceBuffer;

// ReLU(conv(X)), stride 1, same padding: weight (Co, Ci, kh, kw), bias (Co).
class CudaConvLayer final : public Layer<float> {
 public:
  CudaConvLayer(const cuda::CudaContext& cx, MapShape in, int out_channels, int kernel_h, int kernel_w)
      : cx_(cx), in_(in), co_(out_channels), kh_(kernel_h), kw_(kernel_w) {}
  MapShape output_shape() const override { return {co_, in_.H, in_.W}; }
  void bind(float* values, float* grads) override;
  Activations<float> forward(const Activations<float>& in, const StepContext& ctx) override;
  const float* backward(const float* dy, bool want_dx) override;

 private:
  cuda::CudaContext cx_;
  MapShape in_;
  int co_, kh_, kw_;
  const float *weight_ = nullptr, *bias_ = nullptr;
  float *dweight_ = nullptr, *dbias_ = nullptr;
  Activations<float> input_;
  DeviceBuffer<float> y_, col_, scratch_, dx_;  // col (Ci*kh*kw, N*P), scratch (Co, N*P)
};

// Max or average pooling, window = stride, masked positions skipped.
class CudaPoolLayer final : public Layer<float> {
 public:
  CudaPoolLayer(const cuda::CudaContext& cx, std::string where, MapShape in, cpu::PoolKind kind, int size_h,
                int size_w)
      : cx_(cx), where_(std::move(where)), in_(in), kind_(kind), sh_(size_h), sw_(size_w) {}
  MapShape output_shape() const override { return {in_.C, in_.H / sh_, in_.W / sw_}; }
  Activations<float> forward(const Activations<float>& in, const StepContext& ctx) override;
  const float* backward(const float* dy, bool want_dx) override;

 private:
  cuda::CudaContext cx_;
  std::string where_;  // "blocks.1", for error messages
  MapShape in_;
  cpu::PoolKind kind_;
  int sh_, sw_;
  Activations<float> input_;
  DeviceBuffer<float> y_, dx_;
  DeviceBuffer<uint8_t> ymask_;
  DeviceBuffer<int32_t> argmax_;  // (N, C, Ho*Wo)
  DeviceBuffer<int> emptied_;     // one counter
};

// Y = X + gamma (Wproj O + bproj), O the multi-head attention of X over its positions.
class CudaAttentionLayer final : public Layer<float> {
 public:
  CudaAttentionLayer(const cuda::CudaContext& cx, MapShape in, int heads) : cx_(cx), in_(in), heads_(heads) {}
  MapShape output_shape() const override { return in_; }
  void bind(float* values, float* grads) override;
  Activations<float> forward(const Activations<float>& in, const StepContext& ctx) override;
  const float* backward(const float* dy, bool want_dx) override;

 private:
  cuda::CudaContext cx_;
  MapShape in_;
  int heads_;
  // qkv.weight (3C, C), qkv.bias (3C), proj.weight (C, C), proj.bias (C), gamma (1), contiguous.
  const float *wqkv_ = nullptr, *bqkv_ = nullptr, *wproj_ = nullptr, *bproj_ = nullptr, *gamma_ = nullptr;
  float *dwqkv_ = nullptr, *dbqkv_ = nullptr, *dwproj_ = nullptr, *dbproj_ = nullptr, *dgamma_ = nullptr;
  Activations<float> input_;
  DeviceBuffer<float> y_, qkv_, att_, o_, z_;  // (N,C,P), (3,N,C,P), (N,heads,P,P), (N,C,P), (N,C,P)
  DeviceBuffer<float> dz_, dO_, dqkv_, datt_, rows_, rows_x_, partials_, dx_;  // kernels/cuda/attention.hpp
};

// Attention pooling: (N, C, P) -> v (N, C); score.weight (1, C), score.bias (1).
class CudaAttentionPoolLayer final : public Layer<float> {
 public:
  CudaAttentionPoolLayer(const cuda::CudaContext& cx, MapShape in) : cx_(cx), in_(in) {}
  MapShape output_shape() const override { return {in_.C, 1, 1}; }
  void bind(float* values, float* grads) override;
  Activations<float> forward(const Activations<float>& in, const StepContext& ctx) override;
  const float* backward(const float* dy, bool want_dx) override;

 private:
  cuda::CudaContext cx_;
  MapShape in_;
  const float *w_ = nullptr, *b_ = nullptr;
  float *dw_ = nullptr, *db_ = nullptr;
  Activations<float> input_;
  DeviceBuffer<float> v_, alpha_, dx_;  // (N, C), (N, P), (N, C, P)
};

// y (N, out) = x (N, in) Wᵀ + b: weight (out, in), bias (out).
class CudaLinearLayer final : public Layer<float> {
 public:
  CudaLinearLayer(const cuda::CudaContext& cx, int in, int out) : cx_(cx), in_(in), out_(out) {}
  MapShape output_shape() const override { return {out_, 1, 1}; }
  void bind(float* values, float* grads) override;
  Activations<float> forward(const Activations<float>& in, const StepContext& ctx) override;
  const float* backward(const float* dy, bool want_dx) override;

 private:
  cuda::CudaContext cx_;
  int in_, out_;
  const float *w_ = nullptr, *b_ = nullptr;
  float *dw_ = nullptr, *db_ = nullptr;
  Activations<float> input_;
  DeviceBuffer<float> y_, dx_;
};

// relu | sigmoid | tanh, elementwise.
class CudaActivationLayer final : public Layer<float> {
 public:
  CudaActivationLayer(const cuda::CudaContext& cx, MapShape shape, cpu::ActivationKind kind)
      : cx_(cx), shape_(shape), kind_(kind) {}
  MapShape output_shape() const override { return shape_; }
  Activations<float> forward(const Activations<float>& in, const StepContext& ctx) override;
  const float* backward(const float* dy, bool want_dx) override;

 private:
  cuda::CudaContext cx_;
  MapShape shape_;
  cpu::ActivationKind kind_;
  int N_ = 0;
  DeviceBuffer<float> y_, dx_;
};

// Inverted dropout in training, keyed like the CPU's (seed, step, layer, global sample),
// so the same units drop on either device.
class CudaDropoutLayer final : public Layer<float> {
 public:
  CudaDropoutLayer(const cuda::CudaContext& cx, MapShape shape, double p, int layer_id)
      : cx_(cx), shape_(shape), p_(p), layer_id_(layer_id) {}
  MapShape output_shape() const override { return shape_; }
  Activations<float> forward(const Activations<float>& in, const StepContext& ctx) override;
  const float* backward(const float* dy, bool want_dx) override;

 private:
  cuda::CudaContext cx_;
  MapShape shape_;
  double p_;
  int layer_id_;
  int N_ = 0;
  bool active_ = false;
  DeviceBuffer<float> y_, keep_, dx_;
};

// Token ids (N, T) -> embeddings (N, E, 1, T) and the padding mask (N, T); weight (V, E).
class CudaEmbeddingLayer {
 public:
  CudaEmbeddingLayer(const cuda::CudaContext& cx, int vocab_size, int embed_dim, int seq_len)
      : cx_(cx), vocab_(vocab_size), dim_(embed_dim), len_(seq_len) {}
  void bind(float* values, float* grads) { w_ = values, dw_ = grads; }
  // `ids` on the host: checked there (check_token_ids), then copied to the device.
  Activations<float> forward(const int64_t* ids, int N);
  void backward(const float* dy);

 private:
  cuda::CudaContext cx_;
  int vocab_, dim_, len_;
  const float* w_ = nullptr;
  float* dw_ = nullptr;
  int N_ = 0;
  cuda::StagedUpload<int64_t> ids_;
  DeviceBuffer<float> y_;
  DeviceBuffer<uint8_t> mask_;
};

}  // namespace manet
