#pragma once
// From a decoded image to what an image model reads: the channel count it was trained
// with, its size, planar (C, H, W), normalised per channel. `manet prepare images` and
// `manet predict` both go through to_model_image(), so a picture becomes the same numbers
// in training and in use.
#include <vector>

#include "media/image_file.hpp"

namespace manet::media {

// 1 -> 3 copies the grey value; 3 -> 1 is the luma of ITU-R BT.601,
// 0.299 R + 0.587 G + 0.114 B (what PIL's convert("L") computes).
Image convert_channels(const Image& in, int channels);

// Each axis on its own (separable): an axis that shrinks takes, for each output pixel, the
// mean of the input over its footprint with fractional pixels weighted by how much of them
// it covers ("area", as OpenCV's INTER_AREA and PIL's BOX); an axis that grows
// interpolates linearly between pixel centres, half-pixel aligned, clamped at the edges
// (bilinear, as torch's interpolate(align_corners=False)); an axis of the same size is
// copied.
Image resize(const Image& in, int height, int width);

// (C, H, W) in [0, 1]: channels converted, resized, made planar.
std::vector<float> to_model_image(const Image& in, int channels, int height, int width);

// In place, channel c of one planar image (C, plane): (x - mean[c]) / std[c], in double.
void normalise_planar(float* planar, int channels, long plane, const std::vector<double>& mean,
                      const std::vector<double>& std);

}  // namespace manet::media
