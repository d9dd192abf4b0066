// PNG and JPEG decoding against the sample values the test wrote itself (libpng and
// libjpeg-turbo writers in media_writers.hpp): every PNG colour type and bit depth
// exactly, JPEG within its compression error, and damaged files refused by name.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "core/error.hpp"
#include "media/image_file.hpp"
#include "media/media_writers.hpp"

namespace manet::media {
namespace {

namespace fs = std::filesystem;
using testing::write_jpeg;
using testing::write_png;

std::string temp_dir() {
  const fs::path dir = fs::temp_directory_path() / ("manet_media_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir.string();
}

std::vector<int> random_samples(std::size_t n, int max, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(0, max);
  std::vector<int> v(n);
  for (int& x : v) x = d(rng);
  return v;
}

struct PngCase {
  int colour_type, depth, stored_channels, channels;
};

TEST(ImageFile, EveryPngColourTypeAndDepthDecodesExactly) {
  const int H = 5, W = 7;
  const PngCase cases[] = {
      {PNG_COLOR_TYPE_GRAY, 1, 1, 1},       {PNG_COLOR_TYPE_GRAY, 2, 1, 1},       {PNG_COLOR_TYPE_GRAY, 4, 1, 1},
      {PNG_COLOR_TYPE_GRAY, 8, 1, 1},       {PNG_COLOR_TYPE_GRAY, 16, 1, 1},      {PNG_COLOR_TYPE_GRAY_ALPHA, 8, 2, 1},
      {PNG_COLOR_TYPE_GRAY_ALPHA, 16, 2, 1}, {PNG_COLOR_TYPE_RGB, 8, 3, 3},        {PNG_COLOR_TYPE_RGB, 16, 3, 3},
      {PNG_COLOR_TYPE_RGB_ALPHA, 8, 4, 3},  {PNG_COLOR_TYPE_RGB_ALPHA, 16, 4, 3},
  };
  for (const PngCase& c : cases) {
    SCOPED_TRACE("colour type " + std::to_string(c.colour_type) + ", " + std::to_string(c.depth) + " bits");
    const int max = (1 << c.depth) - 1;
    const std::vector<int> s = random_samples(std::size_t(H) * W * c.stored_channels, max, unsigned(c.depth * 10 + c.colour_type));
    const std::string path = temp_dir() + "/case.png";
    write_png(path, H, W, c.colour_type, c.depth, s);
    const ImageHeader h = read_image_header(path);
    EXPECT_EQ(h.height, H);
    EXPECT_EQ(h.width, W);
    EXPECT_EQ(h.channels, c.channels);
    EXPECT_EQ(h.bit_depth, c.depth == 16 ? 16 : 8);
    EXPECT_EQ(h.format, "PNG");
    const Image im = read_image(path);
    ASSERT_EQ(im.height, H);
    ASSERT_EQ(im.width, W);
    ASSERT_EQ(im.channels, c.channels);
    // Low bit depths are expanded to 8 bits by repeating the bits (libpng; PNG spec 13.12):
    // v / (2^d - 1) is exactly representable after that as (v * 255 / max) / 255.
    for (int p = 0; p < H * W; ++p)
      for (int k = 0; k < c.channels; ++k) {
        const int v = s[std::size_t(p) * c.stored_channels + k];
        const double expected = c.depth == 16 ? v / 65535.0 : (c.depth == 8 ? v : v * 255 / max) / 255.0;
        ASSERT_FLOAT_EQ(im.pixels[std::size_t(p) * c.channels + k], float(expected)) << "pixel " << p << " channel " << k;
      }
  }
}

TEST(ImageFile, PalettePngBecomesItsColours) {
  const int H = 4, W = 6;
  std::vector<png_color> palette = {{255, 0, 0}, {0, 128, 0}, {10, 20, 30}, {255, 255, 255}};
  for (const int depth : {2, 4, 8}) {
    const std::vector<int> idx = random_samples(std::size_t(H) * W, 3, unsigned(depth));
    const std::string path = temp_dir() + "/palette.png";
    write_png(path, H, W, PNG_COLOR_TYPE_PALETTE, depth, idx, palette);
    EXPECT_EQ(read_image_header(path).channels, 3);
    const Image im = read_image(path);
    ASSERT_EQ(im.channels, 3);
    for (int p = 0; p < H * W; ++p) {
      const png_color& c = palette[std::size_t(idx[std::size_t(p)])];
      EXPECT_FLOAT_EQ(im.pixels[std::size_t(p) * 3 + 0], float(c.red / 255.0));
      EXPECT_FLOAT_EQ(im.pixels[std::size_t(p) * 3 + 1], float(c.green / 255.0));
      EXPECT_FLOAT_EQ(im.pixels[std::size_t(p) * 3 + 2], float(c.blue / 255.0));
    }
  }
}

TEST(ImageFile, InterlacedPngEqualsPlain) {
  const int H = 9, W = 11;
  const std::vector<int> s = random_samples(std::size_t(H) * W * 3, 255, 7);
  const std::string a = temp_dir() + "/plain.png", b = temp_dir() + "/adam7.png";
  write_png(a, H, W, PNG_COLOR_TYPE_RGB, 8, s);
  write_png(b, H, W, PNG_COLOR_TYPE_RGB, 8, s, {}, true);
  EXPECT_EQ(read_image(a).pixels, read_image(b).pixels);
}

// A smooth picture survives JPEG at quality 95 within a few levels.
TEST(ImageFile, JpegGreyAndColourDecodeWithinCompressionError) {
  const int H = 32, W = 48;
  for (const int channels : {1, 3}) {
    std::vector<int> s(std::size_t(H) * W * channels);
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x)
        for (int c = 0; c < channels; ++c) s[(std::size_t(y) * W + x) * channels + c] = 20 + 2 * x + 2 * y + 30 * c;
    const std::string path = temp_dir() + "/smooth.jpg";
    write_jpeg(path, H, W, channels, s);
    const ImageHeader h = read_image_header(path);
    EXPECT_EQ(h.format, "JPEG");
    EXPECT_EQ(h.channels, channels);
    const Image im = read_image(path);
    ASSERT_EQ(im.channels, channels);
    ASSERT_EQ(im.pixels.size(), s.size());
    double sum = 0, worst = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const double e = std::abs(im.pixels[i] * 255.0 - s[i]);
      sum += e, worst = std::max(worst, e);
    }
    EXPECT_LT(sum / double(s.size()), 2.0) << channels << " channel(s)";
    EXPECT_LT(worst, 12.0);
  }
}

TEST(ImageFile, FormatIsToldByContentNotName) {
  const std::string path = temp_dir() + "/really_a_png.jpg";
  write_png(path, 2, 2, PNG_COLOR_TYPE_GRAY, 8, {0, 64, 128, 255});
  EXPECT_EQ(read_image_header(path).format, "PNG");
  EXPECT_FLOAT_EQ(read_image(path).pixels[3], 1.0f);
}

// Each damaged file is a usage Error that starts with its path.
void expect_refused(const std::string& path, const std::string& words) {
  try {
    read_image(path);
    ADD_FAILURE() << path << " was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_EQ(std::string(e.what()).rfind(path + ": ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

std::vector<char> bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<char>& b) {
  std::ofstream(path, std::ios::binary).write(b.data(), std::streamsize(b.size()));
}

TEST(ImageFile, DamagedFilesAreRefusedByName) {
  const std::string dir = temp_dir();
  write_bytes(dir + "/empty.png", {});
  expect_refused(dir + "/empty.png", "empty file");
  write_bytes(dir + "/text.png", {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'});
  expect_refused(dir + "/text.png", "not a PNG or JPEG");
  expect_refused(dir + "/missing.png", "cannot open");

  const std::vector<int> s = random_samples(64 * 64 * 3, 255, 3);
  write_png(dir + "/whole.png", 64, 64, PNG_COLOR_TYPE_RGB, 8, s);
  std::vector<char> png = bytes_of(dir + "/whole.png");
  write_bytes(dir + "/half.png", std::vector<char>(png.begin(), png.begin() + long(png.size() / 2)));
  expect_refused(dir + "/half.png", "PNG");
  png[png.size() / 2] = char(png[png.size() / 2] ^ 0x5A);  // inside IDAT: its CRC no longer matches
  write_bytes(dir + "/flipped.png", png);
  expect_refused(dir + "/flipped.png", "PNG");

  write_jpeg(dir + "/whole.jpg", 64, 64, 3, s);
  const std::vector<char> jpg = bytes_of(dir + "/whole.jpg");
  write_bytes(dir + "/half.jpg", std::vector<char>(jpg.begin(), jpg.begin() + long(jpg.size() / 2)));
  expect_refused(dir + "/half.jpg", "Premature end of JPEG file");
}

}  // namespace
}  // namespace manet::media
