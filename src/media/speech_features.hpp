#pragma once
// The speech features of every audio input (docs/text-and-speech.md): a clip at 16 kHz
// mono, cut or padded to a fixed window around its middle, then log-mel (log_mel.hpp),
// floored `dynamic_range` below its largest value, minus its mean, over its standard
// deviation. `manet prepare digits`, `manet prepare audio` and `manet predict` all call
// these functions, so a model sees the same numbers in training and in use.
#include <string>
#include <vector>

#include "media/audio.hpp"
#include "media/audio_file.hpp"
#include "media/log_mel.hpp"

namespace manet::media {

constexpr int kSpeechRate = 16000;

struct SpeechFeatureConfig {
  LogMelConfig mel;             // sample_rate 16000: every clip is resampled to it
  double seconds = 1.0;         // the window: 1 s -> 98 frames
  double dynamic_range = 10.0;  // natural-log units below the clip's maximum (~43 dB)

  long window_samples() const;
  int frames() const;  // of the window: 1 + (window_samples - mel.window) / mel.hop
  bool operator==(const SpeechFeatureConfig&) const = default;
};

// A `length`-sample window with the clip in its middle: a shorter clip is padded with
// zeros on both sides (the extra zero after it), a longer one keeps its middle samples.
Audio centre_in_window(const Audio& clip, long length);

// (bands, frames) of one window, floored at dynamic_range below its largest value, minus
// its mean, over its standard deviation (gain and level drop out: the model sees shape,
// not loudness).
std::vector<float> clip_features(const LogMel& mel, const Audio& window, double dynamic_range = 10.0);

// The whole path for a decoded clip of any rate: resampled to the config's rate (when it
// differs), centred in the window, features. (bands, frames) values. A clip shorter than
// one analysis window (25 ms by default) is a usage Error ("too short: ...").
std::vector<float> speech_features(const LogMel& mel, const SpeechFeatureConfig& config, const Audio& mono,
                                   int sample_rate);

// read_audio(path) then speech_features; every error names the file. `clip`, when given,
// receives what was read (rate, channels, samples) for reports.
std::vector<float> file_speech_features(const std::string& path, const LogMel& mel, const SpeechFeatureConfig& config,
                                        AudioClip* clip = nullptr);

}  // namespace manet::media
