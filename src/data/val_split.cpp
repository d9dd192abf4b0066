#include "data/val_split.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/rng.hpp"

namespace manet {

TrainValSplit split_off_validation(const std::vector<int64_t>& labels, double fraction, uint64_t seed) {
  int64_t classes = 0;
  for (const int64_t y : labels) classes = std::max(classes, y + 1);
  std::vector<std::vector<long>> by_class(static_cast<std::size_t>(classes));
  for (std::size_t i = 0; i < labels.size(); ++i) by_class[std::size_t(labels[i])].push_back(long(i));
  TrainValSplit out;
  for (std::size_t c = 0; c < by_class.size(); ++c) {
    std::vector<long>& idx = by_class[c];
    const long n = long(idx.size());
    const long n_val = n < 2 ? 0 : std::clamp(std::lround(double(n) * fraction), 1L, n - 1);
    const RandomStream stream(seed, RandomPurpose::val_split, uint64_t(c));
    for (long i = n - 1; i > 0; --i) {  // Fisher-Yates; j uniform in [0, i] (Lemire's multiply-shift)
      const long j = long((uint64_t(stream.bits(uint64_t(i))) * uint64_t(i + 1)) >> 32);
      std::swap(idx[std::size_t(i)], idx[std::size_t(j)]);
    }
    out.val.insert(out.val.end(), idx.begin(), idx.begin() + n_val);
    out.train.insert(out.train.end(), idx.begin() + n_val, idx.end());
  }
  std::sort(out.train.begin(), out.train.end());
  std::sort(out.val.begin(), out.val.end());
  return out;
}

Dataset subset(const Dataset& data, const std::vector<long>& indices) {
  Dataset d;
  d.name = data.name;
  d.tokens = data.tokens;
  d.sample_shape = data.sample_shape;
  d.num_classes = data.num_classes;
  d.byte_scale = data.byte_scale, d.byte_shift = data.byte_shift;
  d.unseen_ids = data.unseen_ids;
  d.preprocess = data.preprocess;
  const long w = data.sample_values();
  auto take = [&](const auto& from, auto& to) {
    if (from.empty()) return;
    to.reserve(indices.size() * std::size_t(w));
    for (const long i : indices) to.insert(to.end(), from.begin() + i * w, from.begin() + (i + 1) * w);
  };
  take(data.ids, d.ids);
  take(data.images, d.images);
  take(data.image_bytes, d.image_bytes);
  d.labels.reserve(indices.size());
  for (const long i : indices) d.labels.push_back(data.labels[std::size_t(i)]);
  return d;
}

Dataset validation_share(const Dataset& data, const TrainValSplit& split, double fraction) {
  Dataset val = subset(data, split.val);
  char share[64];
  std::snprintf(share, sizeof share, "%g", fraction);
  val.name = data.name + " (validation share " + share + ")";
  return val;
}

}  // namespace manet
