#pragma once
// Reading PNG and JPEG files with libpng and libjpeg-turbo. The format is told by the
// file's first bytes, not its name. PNG: every colour type (grey, grey+alpha, RGB, RGBA,
// palette) at every bit depth (1-16), interlaced or not; JPEG: greyscale and colour
// (YCbCr/RGB), baseline and progressive. Alpha is dropped (as Keras and torchvision's
// ImageFolder do), gamma and colour profiles are not applied: samples are taken as stored.
#include <string>
#include <vector>

namespace manet::media {

// What the header says, without decoding the pixels.
struct ImageHeader {
  int height = 0, width = 0;
  int channels = 0;   // 1: grey (PNG grey or grey+alpha, greyscale JPEG); 3: colour (RGB, RGBA, palette, colour JPEG)
  int bit_depth = 8;  // of the stored samples: 16 for 16-bit PNGs, else 8 (palette and 1-4 bit files expand to 8)
  std::string format;  // "PNG", "JPEG"
};

// A decoded image: (H, W, C) interleaved floats in [0, 1], sample / (2^bit_depth - 1).
struct Image {
  int height = 0, width = 0, channels = 0;  // channels 1 or 3
  std::vector<float> pixels;                // (H, W, C)
};

// The largest picture accepted (a guard against decompression bombs): 100 megapixels.
constexpr long kMaxImagePixels = 100L * 1000 * 1000;

// Both throw a usage Error "PATH: reason" for a file that is missing, not a PNG or JPEG,
// damaged or truncated, larger than kMaxImagePixels, or in a colour space libjpeg cannot
// turn into RGB (CMYK).
ImageHeader read_image_header(const std::string& path);
Image read_image(const std::string& path);

// The same from bytes in memory; `name` is for messages.
ImageHeader image_header_from_bytes(const std::vector<unsigned char>& bytes, const std::string& name);
Image image_from_bytes(const std::vector<unsigned char>& bytes, const std::string& name);

}  // namespace manet::media
