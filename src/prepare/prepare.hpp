#pragma once
// `manet prepare NAME --out DIR`: builds the data sets of the text and speech
// applications from Debian packages, and data sets from your own files (`images`,
// `audio`, `text` --from PATH), deterministically, in the HDF5 data set format of
// docs/data.md. Re-running with the same options finds the files up to date and does
// nothing.
#include <cstdint>
#include <string>
#include <vector>

namespace manet::prepare {

struct PrepareOptions {
  std::string dataset;   // wn26 | fort14 | digits | images | audio | text
  std::string out_dir;
  bool force = false;    // rebuild even when up to date
  // Text (0: the corpus's default).
  int seq_len = 0, min_count = 0;
  int oov_suffix = -1;  // bytes of a rare word's end kept as its stand-in (tokenizer.hpp); -1: default
  // Speech.
  uint64_t seed = 1;
  long clips_per_class = 0;  // augmented training clips per digit (0: default)
  // Your own data (images, audio, text). `seed` above also seeds the split.
  std::string from;        // a folder of class sub-folders; text also a .tsv / .csv file
  std::string like;        // a checkpoint or prepared file whose preprocessing and classes to use
  int height = 0, width = 0;       // images: --size HxW (0: the images' own, which must agree)
  int channels = 0;                // images: 1 or 3 (0: 1 when every image is grey, else 3)
  std::vector<double> mean, std;   // images: fixed normalisation (empty: computed on train)
  double seconds = 0;              // audio: the window (0: 1 s)
  double val_fraction = 0, test_fraction = 0;
  bool strict = false;             // refuse unreadable files instead of skipping them
};

// Prints what it does and the counts to stdout; throws Error on bad input or a missing
// package (naming the apt package).
void run_prepare(const PrepareOptions& options);

// The known data set names, for --help.
constexpr const char* kPreparableDatasets = "wn26, fort14, digits, images, audio, text";

}  // namespace manet::prepare
