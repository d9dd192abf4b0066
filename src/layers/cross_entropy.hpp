#pragma once
// Softmax cross-entropy with label smoothing, the training loss of MANet.
#include <cstdint>
#include <vector>

namespace manet {

// Throws Error naming the sample when a label is outside [0, num_classes) (CPU and GPU paths).
void check_labels(const int64_t* labels, int N, int num_classes);

template <class T>
class CrossEntropy {
 public:
  explicit CrossEntropy(int num_classes) : classes_(num_classes) {}
  // Returns the *sum* of per-sample losses (callers divide by the global batch).
  T forward(const T* logits, const int64_t* labels, int N, T smoothing);
  // dlogits = scale * (softmax - target); scale = 1 / global batch for the mean loss.
  const T* backward(T scale);
  const T* probabilities() const { return probs_.data(); }
  const T* losses() const { return losses_.data(); }

 private:
  int classes_;
  int N_ = 0;
  T smoothing_ = 0;
  const int64_t* labels_ = nullptr;
  std::vector<T> probs_, losses_, dlogits_;
};

}  // namespace manet
