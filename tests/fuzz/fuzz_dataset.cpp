// libFuzzer target: the HDF5 data set reader. The input is written as a file and
// loaded; it must either load or be refused with a manet::Error naming the file. A
// crash or sanitizer report - ours or inside HDF5 - is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/error.hpp"
#include "data/hdf5_dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/dev/shm/manet-fuzz-" + std::to_string(::getpid()) + ".h5";
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  try {
    (void)manet::load_hdf5_dataset(path);
  } catch (const manet::Error&) {
  }
  return 0;
}
