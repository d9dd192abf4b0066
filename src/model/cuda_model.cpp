#include "model/cuda_model.hpp"

#include <string>

#include "core/error.hpp"

namespace manet {

namespace {

// The CUDA backend's layer for each kind of node.
std::unique_ptr<Layer<float>> make_cuda_layer(const LayerNode& n, const cuda::CudaContext& cx) {
  switch (n.kind) {
    case LayerKind::conv: return std::make_unique<CudaConvLayer>(cx, n.in, n.out.C, n.kernel_h, n.kernel_w);
    case LayerKind::pool: return std::make_unique<CudaPoolLayer>(cx, n.block, n.in, n.pool, n.pool_h, n.pool_w);
    case LayerKind::attention: return std::make_unique<CudaAttentionLayer>(cx, n.in, n.heads);
    case LayerKind::attention_pool: return std::make_unique<CudaAttentionPoolLayer>(cx, n.in);
    case LayerKind::linear: return std::make_unique<CudaLinearLayer>(cx, n.in.C, n.out.C);
    case LayerKind::activation: return std::make_unique<CudaActivationLayer>(cx, n.out, n.activation);
    case LayerKind::dropout: return std::make_unique<CudaDropoutLayer>(cx, n.out, n.dropout, n.dropout_id);
  }
  throw Error("make_cuda_layer: unknown layer kind of " + n.name);
}

}  // namespace

CudaModel::CudaModel(const Model<float>& host, const cuda::CudaContext& cx)
    : cx_(cx), spec_(host.spec()), n_(host.num_params()) {
  values_.ensure(std::size_t(n_));
  grads_.ensure(std::size_t(n_));
  if (spec_.input == InputKind::tokens) {
    embed_ = std::make_unique<CudaEmbeddingLayer>(cx_, spec_.vocab_size, spec_.embed_dim, spec_.seq_len);
    embed_->bind(values_.data(), grads_.data());  // embed.weight is first
  }
  layers_ = std::make_unique<LayerStack<float>>(host.graph(), values_.data(), grads_.data(),
                                                [&](const LayerNode& node) { return make_cuda_layer(node, cx_); });
  upload_values(host.values());
  zero_grad();
}

void CudaModel::upload_values(const float* host) {
  values_.upload(host, std::size_t(n_), cx_.stream);
  cuda::cuda_check(cudaStreamSynchronize(cx_.stream), "upload of the parameters");  // `host` may change next
}

void CudaModel::download_values(float* host) const { values_.download(host, std::size_t(n_), cx_.stream); }

void CudaModel::zero_grad() {
  cuda::cuda_check(cudaMemsetAsync(grads_.data(), 0, std::size_t(n_) * sizeof(float), cx_.stream), "zero_grad");
}

const float* CudaModel::forward(const ModelInput<float>& input, const StepContext& ctx) {
  if (spec_.input == InputKind::tokens) {
    check(input.tokens != nullptr, "a tokens model needs token ids as input");
    return layers_->forward(embed_->forward(input.tokens, input.N), ctx);
  }
  check(input.images != nullptr, "an image model needs images as input");
  const float* images = images_.upload(input.images, std::size_t(input.N) * spec_.input_shape().size(), cx_.stream);
  return layers_->forward({images, input.N, spec_.input_shape(), nullptr}, ctx);
}

void CudaModel::backward(const float* dlogits, const GradsFinal& grads_final) {
  const float* dx = layers_->backward(dlogits, embed_ != nullptr, grads_final);
  if (embed_) {
    embed_->backward(dx);
    if (grads_final) grads_final(0);
  }
}

}  // namespace manet
