// Resizing and channel conversion against independent computations: area averages by
// numerical integration of the piecewise-constant picture, bilinear upsampling of a ramp
// in closed form, BT.601 luma.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

#include "media/image_transform.hpp"

namespace manet::media {
namespace {

Image random_image(int h, int w, int c, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(0, 1);
  Image im{h, w, c, {}};
  im.pixels.resize(std::size_t(h) * w * c);
  for (float& v : im.pixels) v = d(rng);
  return im;
}

// The mean of the picture (pixel (y, x) covers [y, y+1) x [x, x+1)) over the output
// pixel's footprint in input coordinates, by a midpoint rule: with 4 x (input size)
// steps per footprint every pixel boundary falls on a step boundary, so the sum is the
// exact integral of the piecewise-constant picture.
double integrated(const Image& in, int c, double y0, double y1, double x0, double x1) {
  const int ny = 4 * in.height, nx = 4 * in.width;
  double sum = 0;
  for (int i = 0; i < ny; ++i)
    for (int j = 0; j < nx; ++j) {
      const double y = y0 + (y1 - y0) * (i + 0.5) / ny, x = x0 + (x1 - x0) * (j + 0.5) / nx;
      sum += in.pixels[(std::size_t(y) * in.width + std::size_t(x)) * in.channels + c];
    }
  return sum / (double(ny) * nx);
}

TEST(ImageResize, ShrinkingIsTheAreaAverage) {
  // Integer and fractional ratios.
  for (const auto [h, w, oh, ow] : {std::array{8, 8, 4, 4}, std::array{6, 9, 4, 6}, std::array{10, 7, 4, 3},
                                     std::array{28, 28, 12, 10}}) {
    SCOPED_TRACE(std::to_string(h) + "x" + std::to_string(w) + " -> " + std::to_string(oh) + "x" + std::to_string(ow));
    const Image in = random_image(h, w, 2, unsigned(h * 100 + w));
    const Image out = resize(in, oh, ow);
    ASSERT_EQ(out.height, oh);
    ASSERT_EQ(out.width, ow);
    const double sy = double(h) / oh, sx = double(w) / ow;
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x)
        for (int c = 0; c < 2; ++c)
          ASSERT_NEAR(out.pixels[(std::size_t(y) * ow + x) * 2 + c], integrated(in, c, y * sy, (y + 1) * sy, x * sx, (x + 1) * sx),
                      2e-5)
              << "output (" << y << ", " << x << ")";
  }
}

// Enlarging a ramp v(y, x) = a*y + b*x samples it at the half-pixel-aligned positions,
// clamped to the first and last pixel centres: exactly linear in between.
TEST(ImageResize, EnlargingIsBilinearBetweenPixelCentres) {
  const int h = 4, w = 5, oh = 10, ow = 13;
  Image in{h, w, 1, {}};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) in.pixels.push_back(float(0.1 * y + 0.03 * x));
  const Image out = resize(in, oh, ow);
  for (int y = 0; y < oh; ++y)
    for (int x = 0; x < ow; ++x) {
      const double sy = std::clamp((y + 0.5) * h / oh - 0.5, 0.0, double(h - 1));
      const double sx = std::clamp((x + 0.5) * w / ow - 0.5, 0.0, double(w - 1));
      EXPECT_NEAR(out.pixels[std::size_t(y) * ow + x], 0.1 * sy + 0.03 * sx, 1e-6) << y << ", " << x;
    }
}

TEST(ImageResize, SameSizeIsACopyAndMixedAxesWork) {
  const Image in = random_image(6, 9, 3, 5);
  EXPECT_EQ(resize(in, 6, 9).pixels, in.pixels);
  // Shrink one axis, enlarge the other: each as above (constant rows stay constant).
  Image rows{4, 6, 1, {}};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 6; ++x) rows.pixels.push_back(float(y));
  const Image out = resize(rows, 8, 3);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 3; ++x)
      EXPECT_NEAR(out.pixels[std::size_t(y) * 3 + x], std::clamp((y + 0.5) * 4 / 8 - 0.5, 0.0, 3.0), 1e-6);
}

TEST(ImageChannels, GreyToRgbCopiesAndRgbToGreyIsBt601Luma) {
  const Image rgb = random_image(3, 4, 3, 11);
  const Image grey = convert_channels(rgb, 1);
  ASSERT_EQ(grey.channels, 1);
  for (std::size_t p = 0; p < 12; ++p)
    EXPECT_NEAR(grey.pixels[p], 0.299 * rgb.pixels[3 * p] + 0.587 * rgb.pixels[3 * p + 1] + 0.114 * rgb.pixels[3 * p + 2],
                1e-6);
  const Image back = convert_channels(grey, 3);
  for (std::size_t p = 0; p < 12; ++p)
    for (int c = 0; c < 3; ++c) EXPECT_EQ(back.pixels[3 * p + c], grey.pixels[p]);
}

TEST(ImageChannels, ModelImageIsPlanarAndNormalisedPerChannel) {
  const Image in = random_image(2, 3, 3, 13);
  std::vector<float> x = to_model_image(in, 3, 2, 3);
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < 6; ++p) EXPECT_EQ(x[std::size_t(c) * 6 + p], in.pixels[std::size_t(p) * 3 + c]);
  const std::vector<double> mean = {0.1, 0.2, 0.3}, sd = {0.5, 0.25, 2.0};
  const std::vector<float> raw = x;
  normalise_planar(x.data(), 3, 6, mean, sd);
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < 6; ++p)
      EXPECT_FLOAT_EQ(x[std::size_t(c) * 6 + p], float((raw[std::size_t(c) * 6 + p] - mean[c]) / sd[c]));
}

}  // namespace
}  // namespace manet::media
