#include "prepare/from_files/split_files.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "io/hdf5_file.hpp"
#include "prepare/fnv1a.hpp"

namespace manet::prepare {

namespace {

long share(long n, double fraction) { return fraction > 0 ? std::max(1L, std::lround(double(n) * fraction)) : 0; }

std::string fraction_text(double f) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", f);
  return buf;
}

std::vector<long> count_classes(const std::vector<int64_t>& labels, const std::vector<long>& indices, int classes) {
  std::vector<long> counts(std::size_t(classes), 0);
  for (const long i : indices) ++counts.at(std::size_t(labels[std::size_t(i)]));
  return counts;
}

}  // namespace

SplitIndices stratified_split(const std::vector<int64_t>& labels, const std::vector<std::string>& classes,
                              double val_fraction, double test_fraction, uint64_t seed) {
  check(val_fraction >= 0 && test_fraction >= 0 && val_fraction + test_fraction < 1,
        "--val-fraction and --test-fraction must be >= 0 and leave some of the data for training", ErrorKind::usage);
  std::vector<std::vector<long>> by_class(classes.size());
  for (std::size_t i = 0; i < labels.size(); ++i) by_class.at(std::size_t(labels[i])).push_back(long(i));
  SplitIndices out;
  for (std::size_t c = 0; c < classes.size(); ++c) {
    std::vector<long>& idx = by_class[c];
    const long n = long(idx.size());
    if (n == 0) continue;
    const long n_test = share(n, test_fraction), n_val = share(n, val_fraction);
    if (n_test + n_val >= n)
      throw Error("class '" + classes[c] + "' has " + std::to_string(n) + " sample(s): too few for --val-fraction " +
                      fraction_text(val_fraction) + " and --test-fraction " + fraction_text(test_fraction) +
                      " (each split asked for gets at least one sample of every class, and train keeps at least "
                      "one): add samples or lower the fractions",
                  ErrorKind::usage);
    const RandomStream stream(seed, RandomPurpose::split, fnv1a32(classes[c]));
    for (long i = n - 1; i > 0; --i) {  // Fisher-Yates; j uniform in [0, i] (Lemire's multiply-shift)
      const long j = long((uint64_t(stream.bits(uint64_t(i))) * uint64_t(i + 1)) >> 32);
      std::swap(idx[std::size_t(i)], idx[std::size_t(j)]);
    }
    out.test.insert(out.test.end(), idx.begin(), idx.begin() + n_test);
    out.val.insert(out.val.end(), idx.begin() + n_test, idx.begin() + n_test + n_val);
    out.train.insert(out.train.end(), idx.begin() + n_test + n_val, idx.end());
  }
  for (auto* s : {&out.train, &out.val, &out.test}) std::sort(s->begin(), s->end());
  return out;
}

std::vector<std::string> split_paths(const PrepareOptions& o) {
  std::vector<std::string> paths = {o.out_dir + "/train.h5"};
  if (o.val_fraction > 0) paths.push_back(o.out_dir + "/val.h5");
  if (o.test_fraction > 0) paths.push_back(o.out_dir + "/test.h5");
  return paths;
}

std::string split_recipe(const PrepareOptions& o) {
  return " | val_fraction " + fraction_text(o.val_fraction) + " | test_fraction " + fraction_text(o.test_fraction) +
         " | seed " + std::to_string(o.seed);
}

void write_splits(const PrepareOptions& o, const Dataset& all, const SplitIndices& split, const std::string& recipe,
                  const NamedStrings& strings) {
  std::filesystem::create_directories(o.out_dir);
  const struct {
    const char* name;
    const std::vector<long>* indices;
    bool asked;
  } parts[] = {{"train", &split.train, true}, {"val", &split.val, o.val_fraction > 0}, {"test", &split.test, o.test_fraction > 0}};
  for (const auto& part : parts) {
    const std::string path = o.out_dir + "/" + part.name + ".h5";
    if (!part.asked) {
      // A split an earlier run made with other fractions would look current: remove it
      // when it is ours (it carries a `manet prepare` recipe).
      std::error_code ec;
      if (std::filesystem::exists(path, ec)) {
        bool ours = false;
        try {
          const h5::File f = h5::File::open_read(path);
          ours = f.has_attr("/", "recipe") && f.attr_string("/", "recipe").rfind("manet prepare ", 0) == 0;
        } catch (const Error&) {
        }
        if (ours) std::filesystem::remove(path, ec);
      }
      continue;
    }
    Dataset d = subset(all, *part.indices);
    d.name = path;
    write_prepared(path, d, recipe, strings);
  }
  const std::vector<std::string>& classes = all.preprocess.classes;
  const int K = int(classes.size());
  const std::vector<long> ntrain = count_classes(all.labels, split.train, K),
                          nval = count_classes(all.labels, split.val, K), ntest = count_classes(all.labels, split.test, K);
  std::size_t width = 5;
  for (const std::string& c : classes) width = std::max(width, c.size());
  std::printf("%-*s %8s %8s %8s\n", int(width), "class", "train", "val", "test");
  for (int k = 0; k < K; ++k)
    if (ntrain[k] + nval[k] + ntest[k] > 0)
      std::printf("%-*s %8ld %8ld %8ld\n", int(width), classes[k].c_str(), ntrain[k], nval[k], ntest[k]);
  std::printf("%-*s %8zu %8zu %8zu\n", int(width), "total", split.train.size(), split.val.size(), split.test.size());
  std::printf("wrote");
  for (const auto& part : parts)
    if (part.asked) std::printf(" %s/%s.h5", o.out_dir.c_str(), part.name);
  std::printf("\n");
}

}  // namespace manet::prepare
