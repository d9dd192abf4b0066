#pragma once
// Token ids (N, T) -> embeddings (N, E, 1, T) with the padding mask (N, T).
#include <vector>

#include "layers/layer.hpp"

namespace manet {

// Throws Error for an id of ids (N, T) outside [0, vocab) or a sequence with no valid
// token (CPU and GPU paths check the host ids the same way).
void check_token_ids(const int64_t* ids, int N, int T, int vocab);

template <class T>
class EmbeddingLayer : public Parameterized<T> {
 public:
  EmbeddingLayer(int vocab_size, int embed_dim, int seq_len) : vocab_(vocab_size), dim_(embed_dim), len_(seq_len) {}
  std::vector<ParamSpec> param_specs() const override;
  void bind(T* values, T* grads) override { w_ = values, dw_ = grads; }
  MapShape output_shape() const { return {dim_, 1, len_}; }
  // Throws Error for an id outside [0, vocab) or a sequence with no valid token.
  Activations<T> forward(const int64_t* ids, int N);
  void backward(const T* dy);
  // The rows the last backward wrote (each once, in first-seen order): the gradient is
  // zero in every other row.
  const std::vector<int>& grad_rows() const { return grad_rows_; }

 private:
  int vocab_, dim_, len_;
  T *w_ = nullptr, *dw_ = nullptr;
  const int64_t* ids_ = nullptr;
  int N_ = 0;
  std::vector<T> y_;
  std::vector<uint8_t> mask_;
  std::vector<int> grad_rows_;
  std::vector<uint8_t> seen_;  // (vocab): all zero between calls
};

}  // namespace manet
