#pragma once
// `manet prepare NAME --out DIR`: builds the data sets of the text and speech
// applications from Debian packages, deterministically, in the HDF5 data set format of
// docs/data.md. Re-running with the same options finds the files up to date and does
// nothing.
#include <cstdint>
#include <string>

namespace manet::prepare {

struct PrepareOptions {
  std::string dataset;   // wn26 | fort14 | digits
  std::string out_dir;
  bool force = false;    // rebuild even when up to date
  // Text (0: the corpus's default).
  int seq_len = 0, min_count = 0;
  int oov_suffix = -1;  // bytes of a rare word's end kept as its stand-in (tokenizer.hpp); -1: default
  // Speech.
  uint64_t seed = 1;
  long clips_per_class = 0;  // augmented training clips per digit (0: default)
};

// Prints what it does and the counts to stdout; throws Error on bad input or a missing
// package (naming the apt package).
void run_prepare(const PrepareOptions& options);

// The known data set names, for --help.
constexpr const char* kPreparableDatasets = "wn26, fort14, digits";

}  // namespace manet::prepare
