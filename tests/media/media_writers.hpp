#pragma once
// Test-side writers of PNG (libpng), JPEG (libjpeg-turbo) and sound files (libsndfile):
// the files the tests feed to manet are made here from known sample values, so what
// manet decodes can be checked against them.
#include <jpeglib.h>
#include <png.h>
#include <sndfile.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace manet::testing {

// PNG of `colour_type` (PNG_COLOR_TYPE_GRAY, _GRAY_ALPHA, _RGB, _RGB_ALPHA, _PALETTE) at
// `depth` bits. `samples` holds H*W*channels values in [0, 2^depth - 1], channels as the
// colour type says (palette: one index per pixel, with `palette` of RGB triples).
inline void write_png(const std::string& path, int height, int width, int colour_type, int depth,
                      const std::vector<int>& samples, const std::vector<png_color>& palette = {},
                      bool interlaced = false) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + path);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(f);
    throw std::runtime_error("libpng failed writing " + path);
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, png_uint_32(width), png_uint_32(height), depth, colour_type,
               interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (colour_type == PNG_COLOR_TYPE_PALETTE)
    png_set_PLTE(png, info, const_cast<png_color*>(palette.data()), int(palette.size()));
  png_write_info(png, info);
  const int channels = colour_type == PNG_COLOR_TYPE_GRAY         ? 1
                       : colour_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                       : colour_type == PNG_COLOR_TYPE_RGB        ? 3
                       : colour_type == PNG_COLOR_TYPE_RGB_ALPHA  ? 4
                                                                  : 1;
  const std::size_t row_bytes = (std::size_t(width) * channels * depth + 7) / 8;
  std::vector<std::vector<png_byte>> rows(std::size_t(height), std::vector<png_byte>(row_bytes, 0));
  for (int y = 0; y < height; ++y)
    for (int i = 0; i < width * channels; ++i) {
      const int v = samples[std::size_t(y) * width * channels + i];
      png_byte* row = rows[std::size_t(y)].data();
      if (depth == 16) {
        row[2 * i] = png_byte(v >> 8), row[2 * i + 1] = png_byte(v & 0xFF);
      } else if (depth == 8) {
        row[i] = png_byte(v);
      } else {  // 1, 2, 4 bits, most significant first
        const int per_byte = 8 / depth, shift = 8 - depth * (i % per_byte + 1);
        row[i / per_byte] = png_byte(row[i / per_byte] | (v << shift));
      }
    }
  std::vector<png_bytep> pointers;
  for (auto& r : rows) pointers.push_back(r.data());
  png_write_image(png, pointers.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(f);
}

// JPEG, grey (channels 1) or RGB (3), 8-bit samples H*W*channels, at `quality`.
inline void write_jpeg(const std::string& path, int height, int width, int channels, const std::vector<int>& samples,
                       int quality = 95) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + path);
  jpeg_compress_struct c;
  jpeg_error_mgr errors;
  c.err = jpeg_std_error(&errors);
  jpeg_create_compress(&c);
  jpeg_stdio_dest(&c, f);
  c.image_width = JDIMENSION(width), c.image_height = JDIMENSION(height);
  c.input_components = channels;
  c.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  jpeg_start_compress(&c, TRUE);
  std::vector<JSAMPLE> row(std::size_t(width) * channels);
  while (c.next_scanline < c.image_height) {
    for (int i = 0; i < width * channels; ++i)
      row[std::size_t(i)] = JSAMPLE(samples[std::size_t(c.next_scanline) * width * channels + i]);
    JSAMPROW p = row.data();
    jpeg_write_scanlines(&c, &p, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::fclose(f);
}

// A sound file of `format` (SF_FORMAT_WAV | SF_FORMAT_PCM_16, ...) with interleaved
// float samples in [-1, 1] (frames * channels).
inline void write_sound(const std::string& path, int format, int rate, int channels, const std::vector<float>& samples) {
  SF_INFO info{};
  info.samplerate = rate, info.channels = channels, info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!f) throw std::runtime_error("libsndfile cannot write " + path + ": " + sf_strerror(nullptr));
  sf_writef_float(f, samples.data(), sf_count_t(samples.size() / std::size_t(channels)));
  sf_close(f);
}

// `seconds` of a sine at `hz`, amplitude `amplitude`, `channels` copies (interleaved);
// channel c is scaled by (1 - 0.5 c) so a mix-down is not just one channel.
inline std::vector<float> sine(double hz, int rate, double seconds, int channels = 1, double amplitude = 0.5) {
  const long n = std::lround(seconds * rate);
  std::vector<float> x(std::size_t(n) * channels);
  for (long i = 0; i < n; ++i)
    for (int c = 0; c < channels; ++c)
      x[std::size_t(i) * channels + c] = float(amplitude * (1 - 0.5 * c) * std::sin(2 * M_PI * hz * double(i) / rate));
  return x;
}

}  // namespace manet::testing
