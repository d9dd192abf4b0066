#include "data/fashion_mnist.hpp"

#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"

namespace manet {

namespace {

// The uncompressed size a gzip file declares in its last 4 bytes (mod 2^32; a hint).
std::size_t gzip_size_hint(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in || in.tellg() < 4) return 0;
  in.seekg(-4, std::ios::end);
  unsigned char b[4] = {};
  in.read(reinterpret_cast<char*>(b), 4);
  return std::size_t(b[0]) | std::size_t(b[1]) << 8 | std::size_t(b[2]) << 16 | std::size_t(b[3]) << 24;
}

// The whole decompressed content of a .gz file.
std::vector<uint8_t> read_gzip(const std::string& path) {
  if (!std::filesystem::exists(path))
    throw Error(path + ": not found. Fashion-MNIST comes from the Debian package dataset-fashion-mnist: "
                "apt-get install dataset-fashion-mnist (or run launch/install-deps.sh), or set "
                "MANET_FASHION_MNIST_DIR to a directory holding its IDX files");
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) throw Error(path + ": cannot open");
  std::vector<uint8_t> out;
  out.reserve(gzip_size_hint(path));  // one allocation: the peak memory is the data itself
  uint8_t chunk[1 << 16];
  int got;
  while ((got = gzread(file, chunk, sizeof chunk)) > 0) out.insert(out.end(), chunk, chunk + got);
  int err = 0;
  const char* msg = gzerror(file, &err);
  const std::string message = msg ? msg : "";
  gzclose(file);
  if (got < 0 || (err != Z_OK && err != Z_STREAM_END)) throw Error(path + ": corrupt gzip data: " + message);
  return out;
}

uint32_t be32(const std::vector<uint8_t>& b, std::size_t at) {
  return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
}

}  // namespace

std::string fashion_mnist_dir() {
  const char* dir = std::getenv("MANET_FASHION_MNIST_DIR");
  return dir && *dir ? dir : kFashionMnistDir;
}

Dataset load_fashion_mnist(const std::string& split, const std::string& dir, double mean, double std, long limit) {
  if (split != "train" && split != "test")
    throw Error("fashion_mnist split must be train or test, got '" + split + "'", ErrorKind::usage);
  const std::string stem = dir + "/" + (split == "train" ? "train" : "t10k");
  const std::string image_path = stem + "-images-idx3-ubyte.gz", label_path = stem + "-labels-idx1-ubyte.gz";
  std::vector<uint8_t> img = read_gzip(image_path), lab = read_gzip(label_path);
  if (img.size() < 16 || be32(img, 0) != 0x00000803)
    throw Error(image_path + ": not an IDX image file (expected magic 0x00000803)");
  if (lab.size() < 8 || be32(lab, 0) != 0x00000801)
    throw Error(label_path + ": not an IDX label file (expected magic 0x00000801)");
  long count = be32(img, 4);
  const int rows = int(be32(img, 8)), cols = int(be32(img, 12));
  if (be32(lab, 4) != uint32_t(count))
    throw Error(image_path + " and " + label_path + " disagree on the sample count");
  if (img.size() != 16 + std::size_t(count) * rows * cols || lab.size() != 8 + std::size_t(count))
    throw Error(image_path + ": truncated (size does not match its header)");
  if (limit > 0) count = std::min(count, limit);

  Dataset d;
  d.name = "fashion_mnist:" + split;
  d.sample_shape = {1, rows, cols};
  d.num_classes = 10;
  img.erase(img.begin(), img.begin() + 16);  // in place: no second copy of the pixels
  img.resize(std::size_t(count) * rows * cols);
  if (limit > 0) img.shrink_to_fit();
  d.image_bytes = std::move(img);
  d.labels.resize(count);
  d.byte_scale = float(1.0 / (255.0 * std)), d.byte_shift = float(mean / std);
  for (long i = 0; i < count; ++i) d.labels[i] = lab[8 + i];
  d.preprocess.input = "image";
  d.preprocess.classes = {kFashionMnistClasses, kFashionMnistClasses + 10};
  d.preprocess.image = {rows, cols, 1, {mean}, {std}};
  d.preprocess.source = d.name;
  return d;
}

}  // namespace manet
