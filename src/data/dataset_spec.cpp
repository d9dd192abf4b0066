#include "data/dataset_spec.hpp"

#include "core/error.hpp"
#include "data/fashion_mnist.hpp"
#include "data/hdf5_dataset.hpp"

namespace manet {

DatasetSpec parse_dataset_argument(const std::string& text) {
  const std::string prefix = "fashion_mnist:";
  if (text.rfind(prefix, 0) == 0) return {"fashion_mnist", text.substr(prefix.size()), ""};
  return {"hdf5", "", text};
}

Dataset load_dataset(const DatasetSpec& spec, const Normalization& norm) {
  if (spec.format == "fashion_mnist") return load_fashion_mnist(spec.split, fashion_mnist_dir(), norm.mean, norm.std);
  if (spec.format == "hdf5") return load_hdf5_dataset(spec.path);
  throw Error("unknown data set format '" + spec.format + "' (known: fashion_mnist, hdf5)", ErrorKind::usage);
}

}  // namespace manet
