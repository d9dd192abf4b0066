#include "data/hdf5_dataset.hpp"
#include <cmath>

#include "core/error.hpp"
#include "data/tokenizer.hpp"
#include "io/crash_note.hpp"
#include "io/hdf5_file.hpp"

namespace manet {

namespace {

constexpr int64_t kMaxClasses = 1 << 24;

std::string dims_str(const std::vector<hsize_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

}  // namespace

namespace {

// A data set file that cannot be opened is bad input (exit 2), like any other bad file.
h5::File open_dataset_file(const std::string& path) {
  try {
    return h5::File::open_read(path);
  } catch (const Error& e) {
    throw Error(e.what(), ErrorKind::usage);
  }
}

}  // namespace

Dataset load_hdf5_dataset(const std::string& path) {
  const h5::CrashNote note(path, h5::CrashNote::FileKind::data);
  const h5::File file = open_dataset_file(path);
  auto refuse = [&](const std::string& dataset, const std::string& why) -> Error {
    return Error(path + ": " + dataset + ": " + why, ErrorKind::usage);
  };
  for (const char* name : {"/x", "/y"})
    if (!file.exists(name))
      throw refuse(name, "missing (a data set file has /x: float32 [N, C, H, W] or int64 [N, T], and /y: int64 [N])");
  const auto xdims = file.shape("/x"), ydims = file.shape("/y");
  const std::string xtype = file.type_name("/x"), ytype = file.type_name("/y");
  const bool images = xtype == "float32" && xdims.size() == 4;
  const bool tokens = xtype == "int64" && xdims.size() == 2;
  if (!images && !tokens)
    throw refuse("/x", "expected float32 [N, C, H, W] (images) or int64 [N, T] (token ids), got " + xtype + " " +
                           dims_str(xdims));
  if (ytype != "int64" || ydims.size() != 1)
    throw refuse("/y", "expected int64 [N] labels, got " + ytype + " " + dims_str(ydims));
  if (ydims[0] != xdims[0])
    throw refuse("/y", "has " + std::to_string(ydims[0]) + " labels for " + std::to_string(xdims[0]) + " samples in /x");
  if (xdims[0] == 0) throw refuse("/x", "holds no samples");
  for (std::size_t i = 1; i < xdims.size(); ++i)
    if (xdims[i] == 0) throw refuse("/x", "has an empty dimension: " + dims_str(xdims));

  Dataset d;
  d.name = path;
  d.tokens = tokens;
  d.sample_shape = images ? MapShape{int(xdims[1]), int(xdims[2]), int(xdims[3])} : MapShape{1, 1, int(xdims[1])};
  try {
    d.labels = file.read_int64("/y");
    if (images)
      d.images = file.read_float("/x");
    else
      d.ids = file.read_int64("/x");
  } catch (const Error& e) {
    throw Error(std::string(e.what()), ErrorKind::usage);
  }
  if (tokens && file.exists("/vocab")) {  // written by `manet prepare`; optional
    const Vocabulary vocab = [&] {
      try {
        return Vocabulary::deserialize(file.read_string("/vocab"));
      } catch (const Error& e) {
        throw refuse("/vocab", e.what());
      }
    }();
    d.unseen_ids.resize(std::size_t(vocab.size()));
    for (long i = 0; i < vocab.size(); ++i) d.unseen_ids[std::size_t(i)] = vocab.unseen_id(i);
  }
  int64_t top = -1;
  for (std::size_t i = 0; i < d.labels.size(); ++i) {
    if (d.labels[i] < 0) throw refuse("/y", "label " + std::to_string(d.labels[i]) + " of sample " + std::to_string(i) + " is negative");
    if (d.labels[i] >= kMaxClasses)  // found by tests/fuzz: INT64_MAX + 1 overflowed below
      throw refuse("/y", "label " + std::to_string(d.labels[i]) + " of sample " + std::to_string(i) +
                             " is not below " + std::to_string(kMaxClasses) + " (labels are class indices)");
    top = std::max(top, d.labels[i]);
  }
  d.num_classes = int(top + 1);
  for (std::size_t i = 0; i < d.ids.size(); ++i)
    if (d.ids[i] < 0)
      throw refuse("/x", "token id " + std::to_string(d.ids[i]) + " of sample " + std::to_string(i / xdims[1]) +
                             " is negative (ids are in [0, vocab_size), 0 = padding)");
  for (std::size_t i = 0; i < d.images.size(); ++i)
    if (!std::isfinite(d.images[i]))
      throw refuse("/x", "value of sample " + std::to_string(i / d.sample_values()) + " is not finite");
  return d;
}

void save_hdf5_dataset(const std::string& path, const Dataset& data) {
  h5::File file = h5::File::create(path);
  write_hdf5_dataset(file, data);
  file.flush();
}

void write_hdf5_dataset(h5::File& file, const Dataset& data) {
  const hsize_t n = hsize_t(data.size());
  if (data.tokens)
    file.write("/x", data.ids.data(), {n, hsize_t(data.sample_shape.W)}, false);
  else
    file.write("/x", data.image_bytes.empty() ? data.images.data() : data.image_values().data(),
               {n, hsize_t(data.sample_shape.C), hsize_t(data.sample_shape.H), hsize_t(data.sample_shape.W)}, false);
  file.write("/y", data.labels.data(), {n}, false);
}

}  // namespace manet
