#include "layers/embedding_layer.hpp"

#include "core/error.hpp"
#include "kernels/cpu/embedding.hpp"
#include "layers/param_specs.hpp"

namespace manet {

template <class T>
std::vector<ParamSpec> EmbeddingLayer<T>::param_specs() const {
  return embedding_param_specs(vocab_, dim_);
}

void check_token_ids(const int64_t* ids, int N, int T, int vocab) {
  for (int n = 0; n < N; ++n) {
    bool any_valid = false;
    for (int t = 0; t < T; ++t) {
      const int64_t id = ids[long(n) * T + t];
      if (id < 0 || id >= vocab)
        throw Error("token id " + std::to_string(id) + " at sample " + std::to_string(n) + ", position " +
                    std::to_string(t) + " is outside [0, model.vocab_size = " + std::to_string(vocab) + ")");
      any_valid |= id != 0;
    }
    if (!any_valid)
      throw Error("sample " + std::to_string(n) + " of the batch has no valid token (all " + std::to_string(T) +
                  " ids are padding 0): an empty sequence cannot be classified");
  }
}

template <class T>
Activations<T> EmbeddingLayer<T>::forward(const int64_t* ids, int N) {
  check_token_ids(ids, N, len_, vocab_);
  ids_ = ids, N_ = N;
  ensure_size(y_, long(N) * dim_ * len_);
  ensure_size(mask_, long(N) * len_);
  cpu::embedding_forward(y_.data(), mask_.data(), ids, w_, N, len_, dim_);
  return {y_.data(), N, output_shape(), mask_.data()};
}

template <class T>
void EmbeddingLayer<T>::backward(const T* dy) {
  cpu::embedding_backward(dw_, dy, ids_, N_, len_, dim_);
  ensure_size(seen_, long(vocab_));
  grad_rows_.clear();
  for (long i = 0; i < long(N_) * len_; ++i)
    if (const int64_t id = ids_[i]; id != 0 && !seen_[id]) seen_[id] = 1, grad_rows_.push_back(int(id));
  for (int r : grad_rows_) seen_[r] = 0;
}

template class EmbeddingLayer<float>;
template class EmbeddingLayer<double>;

}  // namespace manet
