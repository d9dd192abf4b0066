#pragma once
// Which data set a config or a command line names, and loading it.
#include <string>

#include "data/dataset.hpp"

namespace manet {

struct DatasetSpec {
  std::string format;  // "fashion_mnist" or "hdf5"
  std::string split;   // fashion_mnist: train | test
  std::string path;    // hdf5
  bool defined() const { return !format.empty(); }
  std::string describe() const { return format == "hdf5" ? path : format + ":" + split; }
};

struct Normalization {
  double mean = 0.2860, std = 0.3530;  // Fashion-MNIST pixels (of x/255)
};

// "fashion_mnist:test", "fashion_mnist:train", or a path to an HDF5 data set file.
DatasetSpec parse_dataset_argument(const std::string& text);

Dataset load_dataset(const DatasetSpec& spec, const Normalization& norm);

}  // namespace manet
