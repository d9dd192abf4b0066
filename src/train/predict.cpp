#include "train/predict.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace manet {

std::vector<TopClasses> top_classes(const float* logits, int N, int K, int k) {
  k = std::clamp(k, 1, K);
  std::vector<TopClasses> out(static_cast<std::size_t>(N));
  std::vector<double> p(static_cast<std::size_t>(K));
  std::vector<int> order(static_cast<std::size_t>(K));
  for (int n = 0; n < N; ++n) {
    const float* row = logits + std::size_t(n) * K;
    const double top = *std::max_element(row, row + K);
    double sum = 0;
    for (int j = 0; j < K; ++j) sum += p[j] = std::exp(double(row[j]) - top);
    for (double& v : p) v /= sum;
    std::iota(order.begin(), order.end(), 0);
    // By logit (the probabilities can tie after rounding where the logits do not), then index.
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int a, int b) { return row[a] != row[b] ? row[a] > row[b] : a < b; });
    for (int j = 0; j < k; ++j) {
      out[std::size_t(n)].classes.push_back(order[std::size_t(j)]);
      out[std::size_t(n)].probabilities.push_back(p[std::size_t(order[std::size_t(j)])]);
    }
  }
  return out;
}

std::vector<TopClasses> predict_batch(const BatchLogits& forward, int classes, const ModelInput<float>& input, int k) {
  return top_classes(forward(input), input.N, classes, k);
}

}  // namespace manet
