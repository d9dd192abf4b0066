#include "media/image_transform.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace manet::media {

namespace {

// One output pixel along an axis: the input pixels it reads and their weights (sum 1).
struct Taps {
  std::vector<int> first;        // (out) index of the first input pixel
  std::vector<int> count;        // (out) how many
  std::vector<double> weights;   // (out, max_taps)
  int max_taps = 0;
};

Taps axis_taps(int in, int out) {
  Taps t;
  t.first.resize(out), t.count.resize(out);
  if (out < in) {  // area: the footprint [o*s, (o+1)*s) in input pixels
    const double s = double(in) / out;
    t.max_taps = int(std::ceil(s)) + 1;
    t.weights.assign(std::size_t(out) * t.max_taps, 0.0);
    for (int o = 0; o < out; ++o) {
      const double a = o * s, b = std::min(double(in), (o + 1) * s);
      const int i0 = int(std::floor(a)), i1 = std::min(in, int(std::ceil(b)));
      t.first[o] = i0, t.count[o] = i1 - i0;
      for (int i = i0; i < i1; ++i)
        t.weights[std::size_t(o) * t.max_taps + (i - i0)] = (std::min(b, i + 1.0) - std::max(a, double(i))) / s;
    }
  } else {  // bilinear between centres; out == in gives x = o exactly
    t.max_taps = 2;
    t.weights.assign(std::size_t(out) * 2, 0.0);
    for (int o = 0; o < out; ++o) {
      const double x = std::clamp((o + 0.5) * in / out - 0.5, 0.0, double(in - 1));
      const int i0 = std::min(int(std::floor(x)), in - 1);
      const double frac = x - i0;
      t.first[o] = i0;
      t.count[o] = i0 + 1 < in ? 2 : 1;
      t.weights[std::size_t(o) * 2] = t.count[o] == 2 ? 1.0 - frac : 1.0;
      if (t.count[o] == 2) t.weights[std::size_t(o) * 2 + 1] = frac;
    }
  }
  return t;
}

}  // namespace

Image convert_channels(const Image& in, int channels) {
  check(channels == 1 || channels == 3, "images have 1 or 3 channels", ErrorKind::usage);
  if (in.channels == channels) return in;
  Image out;
  out.height = in.height, out.width = in.width, out.channels = channels;
  const std::size_t n = std::size_t(in.height) * in.width;
  out.pixels.resize(n * channels);
  for (std::size_t p = 0; p < n; ++p) {
    if (channels == 3) {
      std::fill_n(out.pixels.begin() + long(3 * p), 3, in.pixels[p]);
    } else {
      const float* rgb = in.pixels.data() + 3 * p;
      out.pixels[p] = float(0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]);
    }
  }
  return out;
}

Image resize(const Image& in, int height, int width) {
  check(height > 0 && width > 0, "an image size is positive", ErrorKind::usage);
  if (in.height == height && in.width == width) return in;
  const int C = in.channels;
  const Taps across = axis_taps(in.width, width), down = axis_taps(in.height, height);
  // Rows first: (H_in, W_out, C), then columns: (H_out, W_out, C); sums in double.
  std::vector<double> wide(std::size_t(in.height) * width * C, 0.0);
  for (int y = 0; y < in.height; ++y)
    for (int o = 0; o < width; ++o)
      for (int k = 0; k < across.count[o]; ++k) {
        const double w = across.weights[std::size_t(o) * across.max_taps + k];
        const float* src = in.pixels.data() + (std::size_t(y) * in.width + across.first[o] + k) * C;
        double* dst = wide.data() + (std::size_t(y) * width + o) * C;
        for (int c = 0; c < C; ++c) dst[c] += w * src[c];
      }
  Image out;
  out.height = height, out.width = width, out.channels = C;
  out.pixels.assign(std::size_t(height) * width * C, 0.0f);
  std::vector<double> acc(std::size_t(width) * C);
  for (int o = 0; o < height; ++o) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int k = 0; k < down.count[o]; ++k) {
      const double w = down.weights[std::size_t(o) * down.max_taps + k];
      const double* src = wide.data() + std::size_t(down.first[o] + k) * width * C;
      for (std::size_t i = 0; i < acc.size(); ++i) acc[i] += w * src[i];
    }
    for (std::size_t i = 0; i < acc.size(); ++i) out.pixels[std::size_t(o) * width * C + i] = float(acc[i]);
  }
  return out;
}

std::vector<float> to_model_image(const Image& in, int channels, int height, int width) {
  const Image sized = resize(convert_channels(in, channels), height, width);
  const std::size_t plane = std::size_t(height) * width;
  std::vector<float> planar(plane * channels);
  for (std::size_t p = 0; p < plane; ++p)
    for (int c = 0; c < channels; ++c) planar[c * plane + p] = sized.pixels[p * channels + c];
  return planar;
}

void normalise_planar(float* planar, int channels, long plane, const std::vector<double>& mean,
                      const std::vector<double>& std) {
  for (int c = 0; c < channels; ++c)
    for (long p = 0; p < plane; ++p) {
      float& x = planar[c * plane + p];
      x = float((double(x) - mean[std::size_t(c)]) / std[std::size_t(c)]);
    }
}

}  // namespace manet::media
