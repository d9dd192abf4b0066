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

// What the file says about its preprocessing and classes: its /preprocess group, else what
// the files of `manet prepare wn26|fort14|digits` carry (/classes, /vocab, /features).
// `num_classes` 0: not checked against the labels.
Preprocess preprocess_of(const h5::File& file, bool tokens, const MapShape& s, int num_classes) {
  const std::string& path = file.path();
  Preprocess p;
  if (file.exists(kPreprocessGroup)) {
    p = read_preprocess(file, kPreprocessGroup);
    const bool fits = p.input == "image"   ? !tokens && s == MapShape{p.image.channels, p.image.height, p.image.width}
                      : p.input == "audio" ? !tokens && s == MapShape{1, p.audio.mel.bands, p.audio.frames()}
                      : p.input == "text"  ? tokens && s.W == p.text.seq_len
                                           : true;
    if (!fits)
      throw Error(path + ": /preprocess describes " + p.describe() + ", but /x holds " +
                      (tokens ? "token ids [N, " + std::to_string(s.W) + "]"
                              : "images [N, " + std::to_string(s.C) + ", " + std::to_string(s.H) + ", " +
                                    std::to_string(s.W) + "]"),
                  ErrorKind::usage);
  } else {
    if (file.exists("/classes")) p.classes = split_lines(file.read_string("/classes"));
    if (tokens && file.exists("/vocab")) {
      p.input = "text";
      p.text.vocab = file.read_string("/vocab");
      p.text.seq_len = s.W;
      p.text.oov_suffix = Vocabulary::deserialize(p.text.vocab).suffix_len();
    } else if (!tokens && file.exists("/features") && s == MapShape{1, p.audio.mel.bands, p.audio.frames()}) {
      p.input = "audio";  // `prepare digits`: the default features of media/speech_features.hpp
    }
  }
  if (!p.classes.empty() && num_classes > int(p.classes.size()))
    throw Error(path + ": the file names " + std::to_string(p.classes.size()) + " classes but /y has label " +
                    std::to_string(num_classes - 1),
                ErrorKind::usage);
  p.source = path;
  return p;
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
  d.preprocess = preprocess_of(file, d.tokens, d.sample_shape, d.num_classes);
  return d;
}

Preprocess read_preprocess_of(const std::string& path) {
  const h5::File file = open_dataset_file(path);
  if (file.has_attr("/", "format")) {  // a checkpoint (docs/checkpoint.md)
    if (!file.exists(kPreprocessGroup))
      throw Error(path + " is a checkpoint without /preprocess (written before manet stored its training data's "
                         "preprocessing): name the data set it was trained on instead",
                  ErrorKind::usage);
    Preprocess p = read_preprocess(file, kPreprocessGroup);
    p.source = path;
    return p;
  }
  if (!file.exists("/x"))
    throw Error(path + ": neither a checkpoint nor a data set file (no /x, no format attribute)", ErrorKind::usage);
  const auto dims = file.shape("/x");
  const bool tokens = file.type_name("/x") == "int64" && dims.size() == 2;
  const MapShape shape = tokens ? MapShape{1, 1, int(dims[1])}
                         : dims.size() == 4 ? MapShape{int(dims[1]), int(dims[2]), int(dims[3])}
                                            : MapShape{};
  return preprocess_of(file, tokens, shape, 0);
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
  if (!data.preprocess.input.empty()) write_preprocess(file, kPreprocessGroup, data.preprocess);
}

}  // namespace manet
