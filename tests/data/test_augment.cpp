// Augmentation (data/augment.hpp) against a reference written here: every crop/flip the
// spec allows is built the plain way (pad the image into a larger array, cut the window,
// mirror), and each augmented sample must equal exactly one of them; which one, over many
// samples, must be uniform within 4 standard deviations. Erasing and masks are checked on
// what they may change; every draw repeats for the same (seed, step, sample) and changes
// with any of them.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "core/error.hpp"
#include "data/augment.hpp"
#include "data/dataset.hpp"

namespace manet {
namespace {

Dataset image_data(int C, int H, int W) {
  Dataset d;
  d.sample_shape = {C, H, W};
  d.labels = {0};
  d.images.resize(std::size_t(C * H * W));
  // Distinct values, none of them 0 or the black value, so every pixel is traceable.
  std::iota(d.images.begin(), d.images.end(), 1.0f);
  return d;
}

// The reference: pad by p (black or mirrored), take the window at (p + dy, p + dx), mirror.
std::vector<float> reference_crop(const std::vector<float>& x, const MapShape& s, int p, bool reflect, float black,
                                  int dy, int dx, bool flip) {
  const int PH = s.H + 2 * p, PW = s.W + 2 * p;
  std::vector<float> padded(std::size_t(s.C * PH * PW), black);
  for (int c = 0; c < s.C; ++c)
    for (int y = 0; y < PH; ++y)
      for (int xx = 0; xx < PW; ++xx) {
        int sy = y - p, sx = xx - p;
        if (reflect) {
          sy = sy < 0 ? -sy : sy >= s.H ? 2 * s.H - 2 - sy : sy;
          sx = sx < 0 ? -sx : sx >= s.W ? 2 * s.W - 2 - sx : sx;
        }
        if (sy >= 0 && sy < s.H && sx >= 0 && sx < s.W)
          padded[(std::size_t(c) * PH + y) * PW + xx] = x[(std::size_t(c) * s.H + sy) * s.W + sx];
      }
  std::vector<float> out(x.size());
  for (int c = 0; c < s.C; ++c)
    for (int y = 0; y < s.H; ++y)
      for (int xx = 0; xx < s.W; ++xx) {
        const float v = padded[(std::size_t(c) * PH + (y + p + dy)) * PW + (xx + p + dx)];
        out[(std::size_t(c) * s.H + y) * s.W + (flip ? s.W - 1 - xx : xx)] = v;
      }
  return out;
}

// For each sample key: which (dy, dx, flip) the augmenter's output equals (exactly one).
std::map<std::tuple<int, int, bool>, int> crop_counts(const AugmentSpec& spec, const Dataset& d, float black, int n) {
  Augmenter augmenter(spec, d);
  std::map<std::tuple<int, int, bool>, std::vector<float>> candidates;
  const int p = spec.crop_pad;
  for (int dy = -p; dy <= p; ++dy)
    for (int dx = -p; dx <= p; ++dx)
      for (bool flip : {false, true})
        if (flip ? spec.hflip : true)
          candidates[{dy, dx, flip}] = reference_crop(d.images, d.sample_shape, p, spec.reflect, black, dy, dx, flip);
  std::map<std::tuple<int, int, bool>, int> counts;
  for (int key = 0; key < n; ++key) {
    std::vector<float> x = d.images;
    augmenter.apply_one(x.data(), 11, 3, uint64_t(key));
    int matches = 0;
    for (const auto& [which, image] : candidates)
      if (image == x) ++matches, ++counts[which];
    EXPECT_EQ(matches, 1) << "sample " << key << " is not one crop/flip of the image";
    if (matches != 1) break;
  }
  return counts;
}

// |observed - n q| within 4 binomial standard deviations.
void expect_within_4_sigma(int observed, int n, double q, const std::string& what) {
  const double sigma = std::sqrt(n * q * (1 - q));
  EXPECT_LE(std::abs(observed - n * q), 4 * sigma) << what << ": " << observed << " of " << n << ", expected " << n * q;
}

TEST(Augment, CropsAndFlipsAreTheReferencesAndUniform) {
  for (bool reflect : {false, true}) {
    SCOPED_TRACE(reflect ? "reflect" : "zero");
    Dataset d = image_data(2, 6, 7);  // wider than 2 p + 1: no mirrored window is symmetric
    AugmentSpec spec;
    spec.crop_pad = 2, spec.reflect = reflect, spec.hflip = true;
    const int n = 5000;
    const auto counts = crop_counts(spec, d, 0.0f, n);
    ASSERT_EQ(counts.size(), 50u) << "every one of the 5 x 5 offsets x 2 flips occurs";
    for (const auto& [which, count] : counts) expect_within_4_sigma(count, n, 1.0 / 50, "one crop/flip");
    int flipped = 0;
    for (const auto& [which, count] : counts) flipped += std::get<2>(which) ? count : 0;
    expect_within_4_sigma(flipped, n, 0.5, "flips");
  }
}

TEST(Augment, ZeroPaddingIsABlackPixel) {
  // 8-bit images: value = byte * scale - shift, so a black pixel is -shift.
  Dataset d = image_data(1, 4, 4);
  d.image_bytes.assign(d.images.begin(), d.images.end());  // bytes 1..16: what matters is that it has bytes
  d.byte_scale = 1.0f, d.byte_shift = 0.81f;
  AugmentSpec spec;
  spec.crop_pad = 1;
  const auto counts = crop_counts(spec, d, -0.81f, 400);
  EXPECT_EQ(counts.size(), 9u);
  // Per-channel mean/std from `manet prepare`: black is -mean/std per channel.
  Dataset rgb = image_data(3, 4, 4);
  rgb.preprocess.image.mean = {0.5, 0.25, 0.2};
  rgb.preprocess.image.std = {0.25, 0.5, 0.1};
  Augmenter a(spec, rgb);
  bool saw_border = false;
  for (int key = 0; key < 50 && !saw_border; ++key) {
    std::vector<float> x = rgb.images;
    a.apply_one(x.data(), 1, 0, uint64_t(key));
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 16; ++i)
        if (x[std::size_t(c * 16 + i)] < 0.5f) {  // not one of the image's values (1..48)
          saw_border = true;
          EXPECT_FLOAT_EQ(x[std::size_t(c * 16 + i)], float(-rgb.preprocess.image.mean[c] / rgb.preprocess.image.std[c]));
        }
  }
  EXPECT_TRUE(saw_border);
}

TEST(Augment, EraseSetsOneRectangleOfTheAllowedSizeToZero) {
  Dataset d = image_data(1, 20, 20);
  AugmentSpec spec;
  spec.erase = 0.4;
  Augmenter a(spec, d);
  const int n = 3000;
  int erased = 0;
  for (int key = 0; key < n; ++key) {
    std::vector<float> x = d.images;
    a.apply_one(x.data(), 5, 9, uint64_t(key));
    int y0 = 99, y1 = -1, x0 = 99, x1 = -1, zeros = 0;
    for (int y = 0; y < 20; ++y)
      for (int xx = 0; xx < 20; ++xx) {
        const float v = x[std::size_t(y * 20 + xx)];
        if (v == 0) {
          ++zeros, y0 = std::min(y0, y), y1 = std::max(y1, y), x0 = std::min(x0, xx), x1 = std::max(x1, xx);
        } else {
          EXPECT_EQ(v, d.images[std::size_t(y * 20 + xx)]) << "a pixel outside the rectangle changed";
        }
      }
    if (zeros == 0) continue;
    ++erased;
    const int h = y1 - y0 + 1, w = x1 - x0 + 1;
    EXPECT_EQ(zeros, h * w) << "the zeros form one rectangle";
    EXPECT_GE(h * w, 0.02 * 400 * 0.5) << h << "x" << w;  // rounding of the sides allows some slack
    EXPECT_LE(h * w, 0.33 * 400 * 1.5) << h << "x" << w;
  }
  expect_within_4_sigma(erased, n, 0.4, "erased samples");
}

TEST(Augment, MasksAndTimeShiftOnLogMelMaps) {
  Dataset d = image_data(1, 8, 30);  // 8 bands x 30 frames
  AugmentSpec spec;
  spec.time_masks = 2, spec.time_mask_width = 4, spec.freq_masks = 1, spec.freq_mask_width = 3;
  Augmenter a(spec, d);
  std::set<int> widths;
  for (int key = 0; key < 500; ++key) {
    std::vector<float> x = d.images;
    a.apply_one(x.data(), 2, 1, uint64_t(key));
    int zero_rows = 0, zero_cols = 0;
    for (int y = 0; y < 8; ++y) {
      bool all = true;
      for (int t = 0; t < 30; ++t) all = all && x[std::size_t(y * 30 + t)] == 0;
      zero_rows += all;
    }
    for (int t = 0; t < 30; ++t) {
      bool all = true;
      for (int y = 0; y < 8; ++y) all = all && x[std::size_t(y * 30 + t)] == 0;
      zero_cols += all;
    }
    EXPECT_LE(zero_rows, 3);
    EXPECT_LE(zero_cols, 8);  // two masks of at most 4 frames
    widths.insert(zero_rows);
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (x[i] != 0) {
        EXPECT_EQ(x[i], d.images[i]) << "masks only zero values";
      }
    }
  }
  EXPECT_EQ(widths, (std::set<int>{0, 1, 2, 3})) << "frequency mask widths 0..3 all occur";

  AugmentSpec shift;
  shift.time_shift = 3;
  Augmenter s(shift, d);
  std::map<int, int> by_shift;
  for (int key = 0; key < 3500; ++key) {
    std::vector<float> x = d.images;
    s.apply_one(x.data(), 2, 1, uint64_t(key));
    // The frame now at t = 10 came from frame 10 + k: its first band's value says which.
    const int k = int(x[10] - d.images[10]);
    by_shift[k]++;
    for (int y = 0; y < 8; ++y)
      for (int t = 0; t < 30; ++t) {
        const int from = t + k;
        EXPECT_EQ(x[std::size_t(y * 30 + t)], from >= 0 && from < 30 ? d.images[std::size_t(y * 30 + from)] : 0.0f);
      }
  }
  ASSERT_EQ(by_shift.size(), 7u);
  for (const auto& [k, count] : by_shift) expect_within_4_sigma(count, 3500, 1.0 / 7, "shift " + std::to_string(k));
}

TEST(Augment, DrawsArePureFunctionsOfSeedStepAndSample) {
  Dataset d = image_data(1, 8, 8);
  AugmentSpec spec;
  spec.crop_pad = 2, spec.hflip = true, spec.erase = 0.5;
  Augmenter a(spec, d), b(spec, d);
  auto run = [&](Augmenter& aug, uint64_t seed, long step, uint64_t key) {
    std::vector<float> x = d.images;
    aug.apply_one(x.data(), seed, step, key);
    return x;
  };
  int differ_seed = 0, differ_step = 0, differ_key = 0;
  for (uint64_t k = 0; k < 40; ++k) {
    EXPECT_EQ(run(a, 1, 4, k), run(b, 1, 4, k)) << "another augmenter, the same draws";
    differ_seed += run(a, 1, 4, k) != run(a, 2, 4, k);
    differ_step += run(a, 1, 4, k) != run(a, 1, 5, k);
    differ_key += run(a, 1, 4, k) != run(a, 1, 4, k + 1000);
  }
  EXPECT_GT(differ_seed, 30);
  EXPECT_GT(differ_step, 30);
  EXPECT_GT(differ_key, 30);
  // A batch is its samples one by one, at their positions in the global batch.
  std::vector<float> batch;
  for (int i = 0; i < 3; ++i) batch.insert(batch.end(), d.images.begin(), d.images.end());
  a.apply(batch.data(), 3, 1, 4, 10);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(std::vector<float>(batch.begin() + i * 64, batch.begin() + (i + 1) * 64), run(b, 1, 4, 10 + uint64_t(i)));
}

TEST(Augment, SpecsThatDoNotFitTheSamplesAreRefused) {
  AugmentSpec crop;
  crop.crop_pad = 28;
  EXPECT_THROW(check_augment_fits(crop, {1, 28, 28}, "run.yaml"), Error);
  try {
    check_augment_fits(crop, {1, 28, 28}, "run.yaml");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("run.yaml: train.augment.crop_pad: 28 must be smaller"), std::string::npos)
        << e.what();
  }
  crop.crop_pad = 27;
  EXPECT_NO_THROW(check_augment_fits(crop, {1, 28, 28}, "run.yaml"));
  AugmentSpec mask;
  mask.freq_masks = 1, mask.freq_mask_width = 41;
  EXPECT_THROW(check_augment_fits(mask, {1, 40, 98}, "run.yaml"), Error);
}

}  // namespace
}  // namespace manet
