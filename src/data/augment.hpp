#pragma once
// Random changes to training samples (never to evaluated ones): for images, a random crop
// of the image padded on every side, a horizontal flip and random erasing (Zhong et al.,
// 2020); for log-mel maps (bands x frames), a shift in time and SpecAugment's time and
// frequency masks (Park et al., 2019). Each draw is a pure function of (seed, step, the
// sample's position in the step's global batch, what is drawn), as dropout's are: the same
// samples change the same way whatever the number of ranks, and again on resume.
#include <cstdint>
#include <string>
#include <vector>

#include "core/shape.hpp"

namespace manet {

struct Dataset;

struct AugmentSpec {
  // Images: pad by crop_pad on each side (with the value of a black pixel, or the
  // image mirrored), then take an H x W window at a random offset in [-crop_pad, crop_pad].
  int crop_pad = 0;
  bool reflect = false;  // pad: reflect (else zero: black)
  bool hflip = false;    // mirror left-right with probability 1/2
  // Random erasing: with this probability a rectangle of 2-33 % of the image, aspect
  // ratio 0.3-3.3, is set to 0 (the data's mean after normalisation).
  double erase = 0;
  // Log-mel maps (H = bands, W = frames): a shift by up to time_shift frames either way
  // (frames shifted in are 0), then time_masks masks of up to time_mask_width frames and
  // freq_masks masks of up to freq_mask_width bands, each set to 0.
  int time_shift = 0;
  int time_masks = 0, time_mask_width = 0;
  int freq_masks = 0, freq_mask_width = 0;

  bool any() const { return crop_pad > 0 || hflip || erase > 0 || time_shift > 0 || time_masks > 0 || freq_masks > 0; }
  // "crop_pad 2 (zero), hflip" - for the log.
  std::string describe() const;
};

// The augmentation of one data set's samples: the spec, the sample shape, and the value
// a black pixel has after normalisation, per channel (what zero padding fills with).
class Augmenter {
 public:
  Augmenter(const AugmentSpec& spec, const Dataset& data);
  bool active() const { return spec_.any(); }
  // Changes samples[0, n) (n x C x H x W) in place; sample i is at position
  // first_sample + i of step `step`'s global batch.
  void apply(float* samples, long n, uint64_t seed, long step, long first_sample);
  // One sample (the above, for sample index `key`).
  void apply_one(float* x, uint64_t seed, long step, uint64_t key);

 private:
  AugmentSpec spec_;
  MapShape shape_;
  std::vector<float> black_;  // per channel
  std::vector<float> scratch_;
};

// Errors (naming the config key) when the spec does not fit samples of `shape`.
void check_augment_fits(const AugmentSpec& spec, const MapShape& shape, const std::string& source);

}  // namespace manet
