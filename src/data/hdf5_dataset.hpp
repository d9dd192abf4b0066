#pragma once
// The HDF5 data set format of docs/data.md: /x float32 [N, C, H, W] (images, already
// normalised) or int64 [N, T] (token ids, 0 = padding); /y int64 [N] labels; optionally
// /preprocess (data/preprocess.hpp), read into Dataset::preprocess and written from it.
#include <string>

#include "data/dataset.hpp"
#include "io/hdf5_file.hpp"

namespace manet {

// Anything else is refused with a message naming the file, the dataset and what was expected.
Dataset load_hdf5_dataset(const std::string& path);

// The preprocess record (data/preprocess.hpp) of a data set file or a checkpoint, without
// reading the samples: /preprocess, or for files of `manet prepare wn26|fort14|digits`
// what their /classes, /vocab and /features say. A checkpoint without /preprocess is a
// usage Error.
Preprocess read_preprocess_of(const std::string& path);

// Writes a data set in that format (tests, `manet prepare`).
void save_hdf5_dataset(const std::string& path, const Dataset& data);
// Writes /x and /y into an open file (for files that carry more, like `manet prepare`'s).
void write_hdf5_dataset(h5::File& file, const Dataset& data);

}  // namespace manet
