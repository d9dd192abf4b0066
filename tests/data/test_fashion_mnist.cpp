#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "core/error.hpp"
#include "data/dataset_spec.hpp"
#include "data/fashion_mnist.hpp"

namespace manet {

TEST(FashionMnist, ReadsDebiansFilesWithTheDocumentedStatistics) {
  if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed (launch/install-deps.sh installs it)";
  const Dataset test = load_fashion_mnist("test");
  EXPECT_EQ(test.size(), 10000);
  EXPECT_EQ(test.sample_shape, (MapShape{1, 28, 28}));
  std::vector<int> per_class(10);
  for (int64_t y : test.labels) per_class.at(y)++;
  for (int c = 0; c < 10; ++c) EXPECT_EQ(per_class[c], 1000) << "balanced classes";
  // docs/data.md: pixel mean 0.2860, std 0.3530 of x/255 => normalised mean ~0, std ~1.
  const Dataset raw = load_fashion_mnist("test", kFashionMnistDir, 0.0, 1.0 / 255.0);
  double sum = 0;
  const std::vector<float> raw_values = raw.image_values(), values = test.image_values();
  for (float v : raw_values) sum += v;
  EXPECT_NEAR(sum / raw_values.size() / 255.0, 0.2860, 0.005);
  double s = 0, s2 = 0;
  for (float v : values) s += v, s2 += double(v) * v;
  const double mean = s / values.size();
  EXPECT_NEAR(mean, 0.0, 0.02);
  EXPECT_NEAR(std::sqrt(s2 / values.size() - mean * mean), 1.0, 0.02);
  EXPECT_EQ(test.image_bytes.size(), 10000u * 784) << "held as bytes, a quarter of the float size";
}

TEST(FashionMnist, MissingFilesNameTheDebianPackage) {
  try {
    load_fashion_mnist("train", "/nonexistent");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("apt-get install dataset-fashion-mnist"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("MANET_FASHION_MNIST_DIR"), std::string::npos) << e.what();
  }
}

// The GPU tests' fixture (tests/gpu/data/fashion-mnist-512) through MANET_FASHION_MNIST_DIR:
// what a machine without the Debian package reads (the GPU bundle's check does so too).
TEST(FashionMnist, TheDirectoryCanBeMovedWithAnEnvironmentVariable) {
  const std::string fixture = std::string(MANET_SOURCE_DIR) + "/tests/gpu/data/fashion-mnist-512";
  ASSERT_EQ(setenv("MANET_FASHION_MNIST_DIR", fixture.c_str(), 1), 0);
  const Dataset small = load_dataset({"fashion_mnist", "test", ""}, Normalization{});
  unsetenv("MANET_FASHION_MNIST_DIR");
  EXPECT_EQ(fashion_mnist_dir(), kFashionMnistDir);
  EXPECT_EQ(small.size(), 512);
  EXPECT_EQ(small.sample_shape, (MapShape{1, 28, 28}));
  if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "the fixture's content is compared with dataset-fashion-mnist, which is not installed";
  const Dataset full = load_fashion_mnist("test", kFashionMnistDir, 0.2860, 0.3530, 512);
  EXPECT_EQ(small.labels, full.labels) << "the fixture is the first 512 test samples";
  EXPECT_EQ(small.image_bytes, full.image_bytes);
}

}  // namespace manet
