#include "model/manet_model.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "layers/activation_layer.hpp"
#include "layers/attention_layer.hpp"
#include "layers/attention_pool_layer.hpp"
#include "layers/conv_layer.hpp"
#include "layers/dropout_layer.hpp"
#include "layers/linear_layer.hpp"
#include "layers/pool_layer.hpp"

namespace manet {

template <class T>
Model<T>::Model(const ModelSpec& spec) : spec_(spec) {
  validate(spec_);
  std::vector<Parameterized<T>*> owners;  // in canonical parameter order
  MapShape shape = spec_.input_shape();
  block_shapes_.push_back(shape);
  if (spec_.input == InputKind::tokens) {
    embed_ = std::make_unique<EmbeddingLayer<T>>(spec_.vocab_size, spec_.embed_dim, spec_.seq_len);
    owners.push_back(embed_.get());
  }
  auto add = [&](std::unique_ptr<Layer<T>> layer, std::string name) {
    layer_names_.push_back(std::move(name));
    shape = layer->output_shape();
    owners.push_back(layer.get());
    layers_.push_back(std::move(layer));
  };
  for (std::size_t i = 0; i < spec_.blocks.size(); ++i) {
    const BlockSpec& b = spec_.blocks[i];
    const std::string prefix = "blocks." + std::to_string(i);
    if (b.kind == BlockKind::pool_attention)
      add(std::make_unique<PoolLayer<T>>(prefix, shape, b.pool, b.pool_h, b.pool_w), prefix + ".pool");
    else
      add(std::make_unique<ConvLayer<T>>(prefix + ".conv", shape, b.channels, b.kernel_h, b.kernel_w), prefix + ".conv");
    if (b.kind != BlockKind::conv)
      add(std::make_unique<AttentionLayer<T>>(prefix + ".attn", shape, b.heads), prefix + ".attn");
    block_shapes_.push_back(shape);
  }
  add(std::make_unique<AttentionPoolLayer<T>>(shape), "pool.score");
  block_shapes_.push_back(shape);
  for (std::size_t j = 0; j < spec_.head.hidden.size(); ++j) {
    const std::string head = "head." + std::to_string(j);
    add(std::make_unique<LinearLayer<T>>(head, shape.C, spec_.head.hidden[j]), head);
    add(std::make_unique<ActivationLayer<T>>(shape, spec_.head.activation), head + ".activation");
    if (spec_.head.dropout > 0)
      add(std::make_unique<DropoutLayer<T>>(shape, spec_.head.dropout, int(j)), head + ".dropout");
  }
  add(std::make_unique<LinearLayer<T>>("classifier", shape.C, spec_.num_classes), "classifier");

  std::vector<long> first_offset;
  for (Parameterized<T>* owner : owners) {
    first_offset.push_back(table_.total());
    for (const ParamSpec& p : owner->param_specs()) table_.add(p);
  }
  values_.assign(table_.total(), T(0));
  grads_.assign(table_.total(), T(0));
  for (std::size_t k = 0; k < owners.size(); ++k)
    owners[k]->bind(values_.data() + first_offset[k], grads_.data() + first_offset[k]);
  layer_offset_.assign(first_offset.end() - long(layers_.size()), first_offset.end());
}

template <class T>
std::vector<long> Model<T>::param_offsets() const {
  std::vector<long> out;
  for (const ParamEntry& e : table_.entries()) out.push_back(e.offset);
  return out;
}

template <class T>
Model<T>::~Model() = default;

template <class T>
void Model<T>::init(uint64_t seed) {
  const auto& entries = table_.entries();
  for (std::size_t k = 0; k < entries.size(); ++k) {
    const ParamEntry& e = entries[k];
    const RandomStream stream(seed, RandomPurpose::init, k);
    T* out = values_.data() + e.offset;
    switch (e.spec.init) {
      case InitKind::uniform_fan_in: {
        const double bound = 1.0 / std::sqrt(double(e.spec.fan_in));
        for (long i = 0; i < e.count(); ++i) out[i] = T((2.0 * stream.uniform(i) - 1.0) * bound);
        break;
      }
      case InitKind::normal_row0_zero: {
        const long row = e.spec.shape[1];
        for (long i = 0; i < e.count(); ++i) out[i] = i < row ? T(0) : T(stream.normal(i));
        break;
      }
      case InitKind::zero:
        std::fill(out, out + e.count(), T(0));
        break;
    }
  }
}

template <class T>
void Model<T>::zero_grad() {
  std::fill(grads_.begin(), grads_.end(), T(0));
}

template <class T>
const T* Model<T>::forward(const ModelInput<T>& input, const StepContext& ctx) {
  Activations<T> x;
  if (spec_.input == InputKind::tokens) {
    check(input.tokens != nullptr, "a tokens model needs token ids as input");
    x = embed_->forward(input.tokens, input.N);
  } else {
    check(input.images != nullptr, "an image model needs images as input");
    x = {input.images, input.N, spec_.input_shape(), nullptr};
  }
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    x = layers_[i]->forward(x, ctx);
    if (layer_done_) layer_done_(i, false);
  }
  return x.data;
}

template <class T>
const T* Model<T>::backward(const T* dlogits, bool want_input_grad, const GradsFinal& grads_final) {
  const T* dy = dlogits;
  for (std::size_t i = layers_.size(); i-- > 0;) {
    const bool want_dx = i > 0 || embed_ || want_input_grad;
    dy = layers_[i]->backward(dy, want_dx);
    if (layer_done_) layer_done_(i, true);
    if (grads_final) grads_final(layer_offset_[i]);
  }
  if (embed_) {
    embed_->backward(dy);
    if (grads_final) grads_final(0);
    return nullptr;
  }
  return want_input_grad ? dy : nullptr;
}

template class Model<float>;
template class Model<double>;

}  // namespace manet
