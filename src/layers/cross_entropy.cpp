#include "layers/cross_entropy.hpp"

#include "core/error.hpp"
#include "core/shape.hpp"
#include "kernels/cpu/kernel_table.hpp"

namespace manet {

void check_labels(const int64_t* labels, int N, int num_classes) {
  for (int n = 0; n < N; ++n)
    check(labels[n] >= 0 && labels[n] < num_classes, "label " + std::to_string(labels[n]) + " of sample " +
                                                          std::to_string(n) + " is outside [0, model.num_classes = " +
                                                          std::to_string(num_classes) + ")");
}

template <class T>
T CrossEntropy<T>::forward(const T* logits, const int64_t* labels, int N, T smoothing) {
  check_labels(labels, N, classes_);
  N_ = N, labels_ = labels, smoothing_ = smoothing;
  ensure_size(probs_, long(N) * classes_);
  ensure_size(losses_, N);
  return cpu::kernels<T>().cross_entropy_forward(probs_.data(), losses_.data(), logits, labels, N, classes_, smoothing);
}

template <class T>
const T* CrossEntropy<T>::backward(T scale) {
  ensure_size(dlogits_, long(N_) * classes_);
  cpu::kernels<T>().cross_entropy_backward(dlogits_.data(), probs_.data(), labels_, N_, classes_, smoothing_, scale);
  return dlogits_.data();
}

template class CrossEntropy<float>;
template class CrossEntropy<double>;

}  // namespace manet
