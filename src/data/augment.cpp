#include "data/augment.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "data/dataset.hpp"

namespace manet {

namespace {

// What each draw of a sample's stream is for (element indices of the stream).
enum Draw : uint64_t {
  kCropY = 0, kCropX = 1, kFlip = 2, kErase = 3,
  kEraseAttempts = 10,  // 4 draws per attempt: area, log aspect ratio, top, left
  kTimeShift = 60,
  kTimeMasks = 100,     // 2 per mask: width, start
  kFreqMasks = 200,
};
constexpr int kEraseTries = 10;

// An integer uniform in [lo, hi].
int uniform_int(const RandomStream& r, uint64_t draw, int lo, int hi) {
  return lo + std::min(hi - lo, int(r.uniform(draw) * double(hi - lo + 1)));
}

// Row/column i of a padded image mapped into [0, n): mirrored without repeating the edge
// (PyTorch's "reflect"), or -1 for zero padding.
int source_index(int i, int n, bool reflect) {
  if (i >= 0 && i < n) return i;
  if (!reflect) return -1;
  return i < 0 ? -i : 2 * (n - 1) - i;
}

void fill_rect(float* x, const MapShape& s, int y0, int h, int x0, int w, float value) {
  for (int c = 0; c < s.C; ++c)
    for (int y = y0; y < y0 + h; ++y) std::fill_n(x + (long(c) * s.H + y) * s.W + x0, w, value);
}

}  // namespace

std::string AugmentSpec::describe() const {
  std::string s;
  auto add = [&](const std::string& part) { s += (s.empty() ? "" : ", ") + part; };
  if (crop_pad > 0) add("crop_pad " + std::to_string(crop_pad) + (reflect ? " (reflect)" : " (zero)"));
  if (hflip) add("hflip");
  if (erase > 0) add("erase " + std::to_string(erase).substr(0, 4));
  if (time_shift > 0) add("time_shift " + std::to_string(time_shift));
  if (time_masks > 0) add(std::to_string(time_masks) + " time mask(s) <= " + std::to_string(time_mask_width));
  if (freq_masks > 0) add(std::to_string(freq_masks) + " freq mask(s) <= " + std::to_string(freq_mask_width));
  return s.empty() ? "none" : s;
}

Augmenter::Augmenter(const AugmentSpec& spec, const Dataset& data) : spec_(spec), shape_(data.sample_shape) {
  // A black pixel (raw 0) after normalisation: -mean/std per channel where the data says
  // how it was normalised, -byte_shift for 8-bit images, else 0.
  black_.assign(std::size_t(std::max(1, shape_.C)), 0.0f);
  const ImagePreprocess& p = data.preprocess.image;
  if (p.mean.size() == black_.size() && p.std.size() == black_.size()) {
    for (std::size_t c = 0; c < black_.size(); ++c) black_[c] = float(-p.mean[c] / p.std[c]);
  } else if (!data.image_bytes.empty()) {
    std::fill(black_.begin(), black_.end(), -data.byte_shift);
  }
}

void Augmenter::apply(float* samples, long n, uint64_t seed, long step, long first_sample) {
  if (!active()) return;
  const long width = shape_.size();
  for (long i = 0; i < n; ++i) apply_one(samples + i * width, seed, step, uint64_t(first_sample + i));
}

void Augmenter::apply_one(float* x, uint64_t seed, long step, uint64_t key) {
  const RandomStream r(seed, RandomPurpose::augment, uint64_t(step), key);
  const int C = shape_.C, H = shape_.H, W = shape_.W;
  const long plane = long(H) * W;
  // The crop (and the time shift, a crop along the frames) and the flip read the sample
  // through one index map into a copy.
  const int p = spec_.crop_pad;
  const int dy = p > 0 ? uniform_int(r, kCropY, -p, p) : 0;
  int dx = p > 0 ? uniform_int(r, kCropX, -p, p) : 0;
  if (spec_.time_shift > 0) dx += uniform_int(r, kTimeShift, -spec_.time_shift, spec_.time_shift);
  const bool flip = spec_.hflip && r.uniform(kFlip) < 0.5;
  if (dy != 0 || dx != 0 || flip) {
    scratch_.assign(x, x + long(C) * plane);
    for (int c = 0; c < C; ++c)
      for (int y = 0; y < H; ++y) {
        const int sy = source_index(y + dy, H, spec_.reflect);
        for (int xo = 0; xo < W; ++xo) {
          const int sx = source_index((flip ? W - 1 - xo : xo) + dx, W, spec_.reflect);
          x[c * plane + long(y) * W + xo] = sy < 0 || sx < 0 ? black_[c] : scratch_[c * plane + long(sy) * W + sx];
        }
      }
  }
  if (spec_.erase > 0 && r.uniform(kErase) < spec_.erase) {
    for (int attempt = 0; attempt < kEraseTries; ++attempt) {
      const uint64_t d = kEraseAttempts + 4 * uint64_t(attempt);
      const double area = double(plane) * (0.02 + 0.31 * r.uniform(d));
      const double ratio = std::exp(std::log(0.3) + (std::log(3.3) - std::log(0.3)) * r.uniform(d + 1));
      const int h = int(std::lround(std::sqrt(area * ratio))), w = int(std::lround(std::sqrt(area / ratio)));
      if (h < 1 || w < 1 || h >= H || w >= W) continue;
      fill_rect(x, shape_, uniform_int(r, d + 2, 0, H - h), h, uniform_int(r, d + 3, 0, W - w), w, 0.0f);
      break;
    }
  }
  for (int m = 0; m < spec_.time_masks; ++m) {
    const int w = uniform_int(r, kTimeMasks + 2 * m, 0, spec_.time_mask_width);
    fill_rect(x, shape_, 0, H, uniform_int(r, kTimeMasks + 2 * m + 1, 0, W - w), w, 0.0f);
  }
  for (int m = 0; m < spec_.freq_masks; ++m) {
    const int h = uniform_int(r, kFreqMasks + 2 * m, 0, spec_.freq_mask_width);
    fill_rect(x, shape_, uniform_int(r, kFreqMasks + 2 * m + 1, 0, H - h), h, 0, W, 0.0f);
  }
}

void check_augment_fits(const AugmentSpec& spec, const MapShape& shape, const std::string& source) {
  auto fail = [&](const std::string& key, const std::string& why) {
    throw Error(source + ": train.augment." + key + ": " + why + " (samples are " + shape.str() + ")",
                ErrorKind::usage);
  };
  if (spec.crop_pad > 0 && (spec.crop_pad >= shape.H || spec.crop_pad >= shape.W))
    fail("crop_pad", std::to_string(spec.crop_pad) + " must be smaller than the image's height and width");
  if (spec.time_shift >= shape.W) fail("time_shift", "must be smaller than the number of frames (the width)");
  if (spec.time_mask_width > shape.W) fail("time_mask_width", "must not exceed the number of frames (the width)");
  if (spec.freq_mask_width > shape.H) fail("freq_mask_width", "must not exceed the number of bands (the height)");
}

}  // namespace manet
