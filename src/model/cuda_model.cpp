#include "model/cuda_model.hpp"

#include <string>

#include "core/error.hpp"

namespace manet {

// The same walk over the spec as Model's constructor (docs/model.md's layer order); each
// layer's parameters are found in the host's ParamTable by name, so both models share
// one canonical layout without restating it.
CudaModel::CudaModel(const Model<float>& host, const cuda::CudaContext& cx)
    : cx_(cx), spec_(host.spec()), n_(host.num_params()) {
  values_.ensure(std::size_t(n_));
  grads_.ensure(std::size_t(n_));
  const ParamTable& table = host.params();
  std::vector<long> first_param;  // per layer: its first parameter's offset, or -1
  auto offset_of = [&](const std::string& name) { return table.find(name).offset; };
  auto add = [&](std::unique_ptr<Layer<float>> layer, const std::string& first_param_name) {
    long offset = -1;
    if (!first_param_name.empty()) {
      offset = offset_of(first_param_name);
      layer->bind(values_.data() + offset, grads_.data() + offset);
    }
    first_param.push_back(offset);
    layers_.push_back(std::move(layer));
  };
  const std::vector<MapShape>& shapes = host.block_shapes();  // input, after each block, pooled
  if (spec_.input == InputKind::tokens) {
    embed_ = std::make_unique<CudaEmbeddingLayer>(cx_, spec_.vocab_size, spec_.embed_dim, spec_.seq_len);
    const long offset = offset_of("embed.weight");
    embed_->bind(values_.data() + offset, grads_.data() + offset);
  }
  for (std::size_t i = 0; i < spec_.blocks.size(); ++i) {
    const BlockSpec& b = spec_.blocks[i];
    const std::string prefix = "blocks." + std::to_string(i);
    MapShape shape = shapes[i];
    if (b.kind == BlockKind::pool_attention) {
      add(std::make_unique<CudaPoolLayer>(cx_, prefix, shape, b.pool, b.pool_h, b.pool_w), "");
    } else {
      add(std::make_unique<CudaConvLayer>(cx_, shape, b.channels, b.kernel_h, b.kernel_w), prefix + ".conv.weight");
    }
    shape = layers_.back()->output_shape();
    if (b.kind != BlockKind::conv)
      add(std::make_unique<CudaAttentionLayer>(cx_, shape, b.heads), prefix + ".attn.qkv.weight");
    check(layers_.back()->output_shape() == shapes[i + 1], "CudaModel: block " + prefix + " disagrees with the host");
  }
  add(std::make_unique<CudaAttentionPoolLayer>(cx_, shapes[spec_.blocks.size()]), "pool.score.weight");
  int width = shapes[spec_.blocks.size()].C;
  for (std::size_t j = 0; j < spec_.head.hidden.size(); ++j) {
    const std::string head = "head." + std::to_string(j);
    const int out = spec_.head.hidden[j];
    add(std::make_unique<CudaLinearLayer>(cx_, width, out), head + ".weight");
    add(std::make_unique<CudaActivationLayer>(cx_, MapShape{out, 1, 1}, spec_.head.activation), "");
    if (spec_.head.dropout > 0)
      add(std::make_unique<CudaDropoutLayer>(cx_, MapShape{out, 1, 1}, spec_.head.dropout, int(j)), "");
    width = out;
  }
  add(std::make_unique<CudaLinearLayer>(cx_, width, spec_.num_classes), "classifier.weight");
  // A layer without parameters reports where the next layer's begin (as Model does).
  layer_offset_.assign(layers_.size(), n_);
  for (std::size_t i = layers_.size(); i-- > 0;)
    layer_offset_[i] = first_param[i] >= 0 ? first_param[i] : (i + 1 < layers_.size() ? layer_offset_[i + 1] : n_);
  check(host.layer_names().size() == layers_.size(), "CudaModel: the layers disagree with the host model's");
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
  Activations<float> x;
  if (spec_.input == InputKind::tokens) {
    check(input.tokens != nullptr, "a tokens model needs token ids as input");
    x = embed_->forward(input.tokens, input.N);
  } else {
    check(input.images != nullptr, "an image model needs images as input");
    images_.upload(input.images, std::size_t(input.N) * spec_.input_shape().size(), cx_.stream);
    x = {images_.data(), input.N, spec_.input_shape(), nullptr};
  }
  for (auto& layer : layers_) x = layer->forward(x, ctx);
  return x.data;
}

void CudaModel::backward(const float* dlogits, const Model<float>::GradsFinal& grads_final) {
  const float* dy = dlogits;
  for (std::size_t i = layers_.size(); i-- > 0;) {
    dy = layers_[i]->backward(dy, i > 0 || embed_ != nullptr);
    if (grads_final) grads_final(layer_offset_[i]);
  }
  if (embed_) {
    embed_->backward(dy);
    if (grads_final) grads_final(0);
  }
}

}  // namespace manet
