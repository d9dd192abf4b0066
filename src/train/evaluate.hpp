#pragma once
// Loss and accuracy of a model on a data set: plain cross-entropy (no label smoothing,
// no dropout), per-class accuracy and the confusion matrix.
#include <functional>
#include <vector>

#include "data/dataset.hpp"
#include "comm/comm.hpp"
#include "core/shape.hpp"
#include "model/manet_model.hpp"

namespace manet {

struct EvalResult {
  double loss_sum = 0;  // sum of per-sample losses
  long correct = 0, samples = 0;
  int classes = 0;
  std::vector<long> confusion;  // (classes, classes): row = true label, column = prediction

  double loss() const { return samples ? loss_sum / double(samples) : 0.0; }
  double accuracy() const { return samples ? double(correct) / double(samples) : 0.0; }
  // Mean over classes of F1 = 2 TP / (2 TP + FP + FN), over the classes that occur as a
  // true label or a prediction (scikit-learn's f1_score(average="macro")).
  double macro_f1() const;
};

// What evaluation runs the model through, wherever it computes: the logits (N, classes)
// of a batch on the host, in inference mode (no dropout), valid until the next call. The
// host model's forward, or a GPU model's (TrainingModel::eval_logits).
using BatchLogits = std::function<const float*(const ModelInput<float>& batch)>;

// The host model's forward in evaluation mode (no dropout).
BatchLogits host_forward(Model<float>& model);

// Test-time mirroring (train.eval_hflip; `manet eval|predict --hflip`): each image of
// shape `shape` (C x H x W) goes through `forward` as it is and mirrored left-right; the
// result is the log of the mean of the two softmax distributions. Log-probabilities are
// logits like any others: their softmax is that mean, their cross-entropy its -log.
BatchLogits mirror_averaged(BatchLogits forward, int classes, const MapShape& shape);

// Evaluates samples [first, first + count) (all when count < 0) in batches of `batch`.
// With `logits` (N, classes) for the whole data set, their rows are written there too.
EvalResult evaluate(const BatchLogits& forward, int classes, const Dataset& data, long batch, long first = 0,
                    long count = -1, float* logits = nullptr);
// The same through the host model.
EvalResult evaluate(Model<float>& model, const Dataset& data, long batch, long first = 0, long count = -1,
                    float* logits = nullptr);

// The whole data set, sharded: rank r evaluates the r-th contiguous part and the sums
// are all-reduced, so every rank returns the same result (and, when asked, every
// sample's logits (N, classes) in data-set order).
EvalResult evaluate_sharded(comm::Comm& comm, const BatchLogits& forward, int classes, const Dataset& data, long batch,
                            std::vector<float>* logits = nullptr);
EvalResult evaluate_sharded(comm::Comm& comm, Model<float>& model, const Dataset& data, long batch,
                            std::vector<float>* logits = nullptr);

}  // namespace manet
