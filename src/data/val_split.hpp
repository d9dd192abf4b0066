#pragma once
// A validation set carved from the training set (data.val: {fraction: F}): stratified
// (each class gives the same share, at least one sample of every class with two or more)
// and a pure function of (seed, the labels, F) - the same on every rank, for every world
// size, and again on resume.
#include <cstdint>
#include <vector>

#include "data/dataset.hpp"

namespace manet {

struct TrainValSplit {
  std::vector<long> train, val;  // sample indices, ascending (file order)
};

// Per class with n samples: round(n * fraction) to validation, at least 1 when n >= 2 and
// at most n - 1 (a class with one sample stays in training). Which ones: a Fisher-Yates
// shuffle of the class's samples keyed by (seed, class).
TrainValSplit split_off_validation(const std::vector<int64_t>& labels, double fraction, uint64_t seed);

// Samples `indices` of `data`, in that order (its name, shape, preprocess carried over).
Dataset subset(const Dataset& data, const std::vector<long>& indices);

// The validation share `split.val` of `data`, named "NAME (validation share F)".
Dataset validation_share(const Dataset& data, const TrainValSplit& split, double fraction);

}  // namespace manet
