#pragma once
// Fashion-MNIST from Debian's dataset-fashion-mnist: gzipped IDX files, big-endian
// headers (images magic 0x00000803, labels 0x00000801).
#include <string>

#include "data/dataset.hpp"

namespace manet {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
inline constexpr double kFashionMnistMean = 0.2860, kFashionMnistStd = 0.3530;
inline constexpr const char* kFashionMnistClasses[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// Where `format: fashion_mnist` reads from: $MANET_FASHION_MNIST_DIR when set (a copy of
// the IDX files on a machine without the Debian package, e.g. the GPU bundle's fixture),
// else kFashionMnistDir.
std::string fashion_mnist_dir();

// split: "train" (60,000) or "test" (10,000). Pixels become (x/255 - mean) / std.
// `limit` > 0 reads only the first `limit` samples. The data set's preprocess record names
// the classes and says 28x28, 1 channel, normalised with `mean` and `std`. Throws Error naming the file and the
// package to install when it is missing.
Dataset load_fashion_mnist(const std::string& split, const std::string& dir = kFashionMnistDir,
                           double mean = kFashionMnistMean, double std = kFashionMnistStd, long limit = 0);

}  // namespace manet
