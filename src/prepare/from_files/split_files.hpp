#pragma once
// The split of your own data into train / val / test, stratified (every class split in
// the same proportions) and seeded, and writing the three files with their counts.
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "data/val_split.hpp"  // subset
#include "prepare/prepare.hpp"
#include "prepare/prepared_file.hpp"

namespace manet::prepare {

struct SplitIndices {
  std::vector<long> train, val, test;  // sample indices, ascending (file order)
};

// Per class c with n samples: test takes max(1, round(n * test_fraction)) of them when
// test_fraction > 0 (else none), val likewise, train the rest, which must be at least one;
// a class too small for that is a usage Error naming it. Which samples go where is a
// Fisher-Yates shuffle of the class's samples keyed by (seed, FNV-1a of the class name):
// the same files and seed give the same split, whatever the other classes hold.
SplitIndices stratified_split(const std::vector<int64_t>& labels, const std::vector<std::string>& classes,
                              double val_fraction, double test_fraction, uint64_t seed);

// OUT/train.h5, OUT/val.h5, OUT/test.h5 for the fractions asked (train always).
std::vector<std::string> split_paths(const PrepareOptions& options);

// Writes the non-empty splits of `all` (train.h5 always, val.h5 and test.h5 when their
// fraction is above 0) through write_prepared, removes a val.h5 or test.h5 left by an
// earlier run that asked for it, and prints the counts per class.
void write_splits(const PrepareOptions& options, const Dataset& all, const SplitIndices& split,
                  const std::string& recipe, const NamedStrings& strings);

// The recipe's common part: kind, options that shape the split, and the source listing.
std::string split_recipe(const PrepareOptions& options);

}  // namespace manet::prepare
