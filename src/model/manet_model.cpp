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

namespace {

// The CPU backend's layer for each kind of node.
template <class T>
std::unique_ptr<Layer<T>> make_cpu_layer(const LayerNode& n) {
  switch (n.kind) {
    case LayerKind::conv: return std::make_unique<ConvLayer<T>>(n.name, n.in, n.out.C, n.kernel_h, n.kernel_w);
    case LayerKind::pool: return std::make_unique<PoolLayer<T>>(n.block, n.in, n.pool, n.pool_h, n.pool_w);
    case LayerKind::attention: return std::make_unique<AttentionLayer<T>>(n.name, n.in, n.heads);
    case LayerKind::attention_pool: return std::make_unique<AttentionPoolLayer<T>>(n.in);
    case LayerKind::linear: return std::make_unique<LinearLayer<T>>(n.name, n.in.C, n.out.C);
    case LayerKind::activation: return std::make_unique<ActivationLayer<T>>(n.out, n.activation);
    case LayerKind::dropout: return std::make_unique<DropoutLayer<T>>(n.out, n.dropout, n.dropout_id);
  }
  throw Error("make_cpu_layer: unknown layer kind of " + n.name);
}

}  // namespace

template <class T>
Model<T>::Model(const ModelSpec& spec) : graph_(build_graph(spec)) {
  values_.assign(graph_.table.total(), T(0));
  grads_.assign(graph_.table.total(), T(0));
  if (spec.input == InputKind::tokens) {
    embed_ = std::make_unique<EmbeddingLayer<T>>(spec.vocab_size, spec.embed_dim, spec.seq_len);
    embed_->bind(values_.data(), grads_.data());  // embed.weight is first
  }
  layers_ = std::make_unique<LayerStack<T>>(graph_, values_.data(), grads_.data(), make_cpu_layer<T>);
}

template <class T>
Model<T>::~Model() = default;

template <class T>
void Model<T>::init(uint64_t seed) {
  const auto& entries = graph_.table.entries();
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
  if (spec().input == InputKind::tokens) {
    check(input.tokens != nullptr, "a tokens model needs token ids as input");
    return layers_->forward(embed_->forward(input.tokens, input.N), ctx);
  }
  check(input.images != nullptr, "an image model needs images as input");
  return layers_->forward({input.images, input.N, spec().input_shape(), nullptr}, ctx);
}

template <class T>
const T* Model<T>::backward(const T* dlogits, bool want_input_grad, const GradsFinal& grads_final) {
  const T* dx = layers_->backward(dlogits, embed_ || want_input_grad, grads_final);
  if (!embed_) return dx;
  embed_->backward(dx);
  if (grads_final) grads_final(0);
  return nullptr;
}

template class Model<float>;
template class Model<double>;

}  // namespace manet
