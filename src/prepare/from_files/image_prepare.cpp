// `manet prepare images`: PNG and JPEG files in class folders -> an image data set.
#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "data/hdf5_dataset.hpp"
#include "media/image_transform.hpp"
#include "prepare/from_files/class_folders.hpp"
#include "prepare/from_files/prepare_from_files.hpp"
#include "prepare/from_files/split_files.hpp"

namespace manet::prepare {

namespace {

// Bump when decoding, resizing or normalising changes: old files are then rebuilt.
constexpr const char* kImagesRecipeVersion = "images-v1";

std::string numbers(const std::vector<double>& values) {
  std::string s;
  for (const double v : values) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.6g", s.empty() ? "" : ",", v);
    s += buf;
  }
  return s;
}

struct ImageTarget {
  int height = 0, width = 0, channels = 0;
};

// The size and channels every image becomes: --like's, else --size / --channels, else
// what the readable images agree on (size) and 1 when every one is grey, else 3.
ImageTarget choose_target(const PrepareOptions& o, const Preprocess& like,
                          const std::vector<std::pair<std::string, media::ImageHeader>>& headers) {
  if (!like.empty()) return {like.image.height, like.image.width, like.image.channels};
  ImageTarget t{o.height, o.width, o.channels};
  if (t.channels == 0) {
    t.channels = 1;
    for (const auto& [path, h] : headers) t.channels = std::max(t.channels, h.channels);
  }
  if (t.height == 0 && !headers.empty()) {
    const auto& [first_path, first] = headers.front();
    t.height = first.height, t.width = first.width;
    for (const auto& [path, h] : headers)
      if (h.height != first.height || h.width != first.width)
        throw Error("the images differ in size (" + first_path + " is " + std::to_string(first.height) + "x" +
                        std::to_string(first.width) + ", " + path + " is " + std::to_string(h.height) + "x" +
                        std::to_string(h.width) + "): give --size HxW to resize them all",
                    ErrorKind::usage);
  }
  return t;
}

// Per channel mean and standard deviation of samples `indices` (two passes, in double).
void channel_statistics(const Dataset& d, const std::vector<long>& indices, std::vector<double>& mean,
                        std::vector<double>& sd) {
  const int C = d.sample_shape.C;
  const long plane = long(d.sample_shape.H) * d.sample_shape.W;
  mean.assign(std::size_t(C), 0.0), sd.assign(std::size_t(C), 0.0);
  const double count = double(indices.size()) * double(plane);
  for (int c = 0; c < C; ++c) {
    double sum = 0;
    for (const long i : indices) {
      const float* x = d.images.data() + (i * C + c) * plane;
      for (long p = 0; p < plane; ++p) sum += x[p];
    }
    mean[std::size_t(c)] = sum / count;
    double sq = 0;
    for (const long i : indices) {
      const float* x = d.images.data() + (i * C + c) * plane;
      for (long p = 0; p < plane; ++p) sq += (x[p] - mean[std::size_t(c)]) * (x[p] - mean[std::size_t(c)]);
    }
    sd[std::size_t(c)] = std::sqrt(sq / count);
    if (sd[std::size_t(c)] < 1e-6) sd[std::size_t(c)] = 1.0;  // a constant channel: only centred
  }
}

std::vector<double> per_channel(const std::vector<double>& values, int channels, const char* flag) {
  if (int(values.size()) == channels) return values;
  if (values.size() == 1) return std::vector<double>(std::size_t(channels), values[0]);
  throw Error(std::string(flag) + " takes 1 or " + std::to_string(channels) + " values (one per channel), got " +
                  std::to_string(values.size()),
              ErrorKind::usage);
}

}  // namespace

void prepare_images(const PrepareOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  check(!o.from.empty(), "manet prepare images needs --from DIR (one sub-folder of images per class)", ErrorKind::usage);
  check(o.mean.size() == o.std.size(), "give --mean and --std together", ErrorKind::usage);
  for (const double s : o.std) check(s > 0, "--std values must be positive", ErrorKind::usage);
  Preprocess like;
  if (!o.like.empty()) {
    like = read_preprocess_of(o.like);
    check(like.input == "image", o.like + " is not an image model or data set (" + like.describe() + ")", ErrorKind::usage);
    check(o.height == 0 && o.channels == 0 && o.mean.empty(),
          "--like takes the size, channels and normalisation from " + o.like + ": leave out --size, --channels, --mean, --std",
          ErrorKind::usage);
  }
  const ClassFolders folders = list_class_folders(o.from, {".png", ".jpg", ".jpeg"}, "image");
  char listing[16];
  std::snprintf(listing, sizeof listing, "0x%08x", folders.listing_hash);
  const std::string recipe =
      std::string("manet prepare images ") + kImagesRecipeVersion + " | from " + o.from + ": " +
      std::to_string(folders.files.size()) + " files, listing " + listing + " | size " +
      (o.height ? std::to_string(o.height) + "x" + std::to_string(o.width) : "as stored") + " | channels " +
      (o.channels ? std::to_string(o.channels) : "auto") + " | mean " + (o.mean.empty() ? "train" : numbers(o.mean)) +
      " std " + (o.std.empty() ? "train" : numbers(o.std)) +
      (o.like.empty() ? "" : " | like " + o.like + " (" + like.describe() + ")") + split_recipe(o);
  if (!o.force && up_to_date(split_paths(o), recipe)) {
    std::printf("images: up to date in %s (--force rebuilds)\n", o.out_dir.c_str());
    return;
  }
  const std::vector<int> folder_label = like.empty() ? std::vector<int>{} : labels_in(folders.classes, like.classes, o.like);
  const std::vector<std::string>& classes = like.empty() ? folders.classes : like.classes;

  BadFiles bad(o.strict);
  std::vector<std::pair<std::string, media::ImageHeader>> headers;
  std::vector<LabelledFile> readable;
  for (const LabelledFile& f : folders.files) try {
      headers.emplace_back(f.path, media::read_image_header(f.path));
      readable.push_back(f);
    } catch (const Error& e) {
      bad.add(f.path, e.what());
    }
  const ImageTarget target = choose_target(o, like, headers);

  Dataset all;
  all.name = o.from;
  all.sample_shape = MapShape{target.channels, target.height, target.width};
  std::vector<long> per_folder(folders.classes.size(), 0);
  for (const LabelledFile& f : readable) try {
      const std::vector<float> x =
          media::to_model_image(media::read_image(f.path), target.channels, target.height, target.width);
      all.images.insert(all.images.end(), x.begin(), x.end());
      all.labels.push_back(like.empty() ? f.label : folder_label[std::size_t(f.label)]);
      ++per_folder[std::size_t(f.label)];
    } catch (const Error& e) {
      bad.add(f.path, e.what());
    }
  bad.finish();
  require_every_class_read(folders, per_folder, "image");
  const SplitIndices split = stratified_split(all.labels, classes, o.val_fraction, o.test_fraction, o.seed);

  Preprocess& p = all.preprocess;
  p.input = "image";
  p.source = o.from;
  p.classes = classes;
  p.image = {target.height, target.width, target.channels, {}, {}};
  const char* stats = "of the training split";
  if (!like.empty()) {
    p.image.mean = like.image.mean, p.image.std = like.image.std, stats = "of --like";
  } else if (!o.mean.empty()) {
    p.image.mean = per_channel(o.mean, target.channels, "--mean"), p.image.std = per_channel(o.std, target.channels, "--std");
    stats = "as given";
  } else {
    channel_statistics(all, split.train, p.image.mean, p.image.std);
  }
  for (long i = 0; i < all.size(); ++i)
    media::normalise_planar(all.images.data() + i * all.sample_values(), target.channels,
                            long(target.height) * target.width, p.image.mean, p.image.std);
  std::printf("images: %ld of %zu files in %zu classes from %s", all.size(), folders.files.size(),
              folders.classes.size(), o.from.c_str());
  if (bad.count()) std::printf(" (%ld skipped, named above)", bad.count());
  if (folders.ignored)
    std::printf("; %ld other files ignored (not .png/.jpg/.jpeg or outside class folders, e.g. %s)", folders.ignored,
                folders.first_ignored.c_str());
  std::printf("\n-> %dx%d, %d channel%s, mean %s std %s (%s)\n", target.height, target.width, target.channels,
              target.channels == 1 ? "" : "s", numbers(p.image.mean).c_str(), numbers(p.image.std).c_str(), stats);
  write_splits(o, all, split, recipe, {{"classes", join_lines(classes)}});
  std::printf("images: done in %.1fs\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace manet::prepare
