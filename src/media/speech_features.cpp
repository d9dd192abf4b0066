#include "media/speech_features.hpp"

#include <algorithm>
#include <cstdio>
#include <cmath>

#include "core/error.hpp"

namespace manet::media {

long SpeechFeatureConfig::window_samples() const { return std::lround(seconds * mel.sample_rate); }

int SpeechFeatureConfig::frames() const {
  const long n = window_samples();
  return n < mel.window ? 0 : int(1 + (n - mel.window) / mel.hop);
}

Audio centre_in_window(const Audio& clip, long length) {
  return place_in_window(clip, length, std::max(0L, length - long(clip.size())) / 2);
}

std::vector<float> clip_features(const LogMel& mel, const Audio& window, double dynamic_range) {
  std::vector<float> f = mel.compute(window.data(), long(window.size()));
  // Digital silence (log 1e-6) would sit far below any noise floor: limit the range to
  // dynamic_range below the loudest value, so clean and noisy clips look alike there.
  const float top = *std::max_element(f.begin(), f.end());
  for (float& v : f) v = std::max(v, top - float(dynamic_range));
  double mean = 0, sq = 0;
  for (const float v : f) mean += v;
  mean /= double(f.size());
  for (const float v : f) sq += (v - mean) * (v - mean);
  const double sd = std::sqrt(sq / double(f.size())) + 1e-6;
  for (float& v : f) v = float((v - mean) / sd);
  return f;
}

std::vector<float> speech_features(const LogMel& mel, const SpeechFeatureConfig& config, const Audio& mono,
                                   int sample_rate) {
  const int rate = config.mel.sample_rate;
  const double least = double(config.mel.window) / rate;  // seconds
  if (double(mono.size()) < least * sample_rate) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "too short: %zu samples at %d Hz (%.1f ms), less than one %.0f ms analysis window",
                  mono.size(), sample_rate, 1000.0 * double(mono.size()) / sample_rate, 1000 * least);
    throw Error(buf, ErrorKind::usage);
  }
  const Audio at_rate = sample_rate == rate ? mono : resample(mono, double(rate) / sample_rate);
  return clip_features(mel, centre_in_window(at_rate, config.window_samples()), config.dynamic_range);
}

std::vector<float> file_speech_features(const std::string& path, const LogMel& mel, const SpeechFeatureConfig& config,
                                        AudioClip* clip) {
  AudioClip read = read_audio(path);
  try {
    std::vector<float> features = speech_features(mel, config, read.mono, read.sample_rate);
    if (clip) *clip = std::move(read);
    return features;
  } catch (const Error& e) {
    throw Error(path + ": " + e.what(), e.kind());
  }
}

}  // namespace manet::media
