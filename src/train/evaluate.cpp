#include "train/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "layers/cross_entropy.hpp"
#include "train/batch.hpp"

namespace manet {

double EvalResult::macro_f1() const {
  double sum = 0;
  int present = 0;
  for (int k = 0; k < classes; ++k) {
    long tp = confusion[std::size_t(k) * classes + k], fp = 0, fn = 0;
    for (int j = 0; j < classes; ++j)
      if (j != k) fn += confusion[std::size_t(k) * classes + j], fp += confusion[std::size_t(j) * classes + k];
    if (tp + fp + fn == 0) continue;
    sum += 2.0 * double(tp) / double(2 * tp + fp + fn);
    ++present;
  }
  return present ? sum / present : 0.0;
}

BatchLogits host_forward(Model<float>& model) {
  return [&model](const ModelInput<float>& batch) { return model.forward(batch, StepContext{}); };
}

BatchLogits mirror_averaged(BatchLogits forward, int K, const MapShape& shape) {
  struct Buffers {
    std::vector<float> mirrored, first, out;
  };
  auto b = std::make_shared<Buffers>();  // the function is copied; its buffers are shared
  return [forward = std::move(forward), K, shape, b](const ModelInput<float>& batch) -> const float* {
    const long n = batch.N, rows = long(batch.N) * shape.C * shape.H, W = shape.W;
    b->mirrored.resize(std::size_t(rows * W));
    for (long r = 0; r < rows; ++r)
      std::reverse_copy(batch.images + r * W, batch.images + (r + 1) * W, b->mirrored.data() + r * W);
    const float* plain = forward(batch);  // valid until the next call: kept
    b->first.assign(plain, plain + n * K);
    ModelInput<float> mirrored = batch;
    mirrored.images = b->mirrored.data();
    const float* other = forward(mirrored);
    b->out.resize(std::size_t(n * K));
    // log((p + q) / 2) from log p = a - lse(a) and log q = c - lse(c), in double.
    auto log_softmax = [K](const float* z, double* out) {
      const double m = *std::max_element(z, z + K);
      double sum = 0;
      for (int k = 0; k < K; ++k) sum += std::exp(double(z[k]) - m);
      const double lse = m + std::log(sum);
      for (int k = 0; k < K; ++k) out[k] = double(z[k]) - lse;
    };
    std::vector<double> lp(static_cast<std::size_t>(K)), lq(static_cast<std::size_t>(K));
    for (long i = 0; i < n; ++i) {
      log_softmax(b->first.data() + i * K, lp.data());
      log_softmax(other + i * K, lq.data());
      for (int k = 0; k < K; ++k) {
        const double hi = std::max(lp[k], lq[k]), lo = std::min(lp[k], lq[k]);
        b->out[std::size_t(i * K + k)] = float(hi + std::log1p(std::exp(lo - hi)) - std::log(2.0));
      }
    }
    return b->out.data();
  };
}

EvalResult evaluate(Model<float>& model, const Dataset& data, long batch, long first, long count, float* logits_out) {
  return evaluate(host_forward(model), model.spec().num_classes, data, batch, first, count, logits_out);
}

EvalResult evaluate_sharded(comm::Comm& comm, Model<float>& model, const Dataset& data, long batch,
                            std::vector<float>* logits) {
  return evaluate_sharded(comm, host_forward(model), model.spec().num_classes, data, batch, logits);
}

EvalResult evaluate(const BatchLogits& forward, int K, const Dataset& data, long batch, long first, long count,
                    float* logits_out) {
  if (count < 0) count = data.size() - first;
  EvalResult r;
  r.classes = K;
  r.confusion.assign(long(K) * K, 0);
  CrossEntropy<float> loss(K);
  BatchBuffer buffer;
  for (long start = first; start < first + count; start += batch) {
    const long n = std::min(batch, first + count - start);
    buffer.gather_range(data, start, n);
    const float* logits = forward(buffer.input());
    if (logits_out) std::copy_n(logits, n * K, logits_out + start * K);
    loss.forward(logits, buffer.labels(), int(n), 0.0f);
    for (long i = 0; i < n; ++i) {
      const float* row = logits + i * K;
      const int predicted = int(std::max_element(row, row + K) - row);
      const int64_t truth = buffer.labels()[i];
      r.loss_sum += loss.losses()[i];
      r.correct += predicted == truth;
      r.confusion[truth * K + predicted]++;
    }
    r.samples += n;
  }
  return r;
}

EvalResult evaluate_sharded(comm::Comm& comm, const BatchLogits& forward, int classes, const Dataset& data, long batch,
                            std::vector<float>* logits) {
  const long n = data.size(), r = comm.rank(), size = comm.size();
  const long first = n * r / size, last = n * (r + 1) / size;
  if (logits) logits->assign(std::size_t(n) * classes, 0.0f);
  EvalResult result = evaluate(forward, classes, data, batch, first, last - first, logits ? logits->data() : nullptr);
  if (size == 1) return result;
  // Each rank wrote its own rows and left the others zero: the sum is every row, exactly.
  if (logits) comm.all_reduce(logits->data(), long(logits->size()), comm::ReduceOp::sum, "all-reduce of the logits");
  std::vector<int64_t> counts = {result.correct, result.samples};
  counts.insert(counts.end(), result.confusion.begin(), result.confusion.end());
  comm.all_reduce(counts.data(), long(counts.size()), comm::ReduceOp::sum, "all-reduce of evaluation counts");
  comm.all_reduce(&result.loss_sum, 1, comm::ReduceOp::sum, "all-reduce of the evaluation loss");
  result.correct = counts[0], result.samples = counts[1];
  std::copy(counts.begin() + 2, counts.end(), result.confusion.begin());
  return result;
}

}  // namespace manet
