#pragma once
// One spoken-digit clip of SynthDigits-10, as a pure function of (seed, set, index):
// espeak-ng says the word with a voice drawn for it, then the clip is trimmed,
// resampled to 16 kHz (with speed perturbation), placed in a 1 s window, scaled and
// mixed with noise. Then the features: media::clip_features (40 x 98 log-mel, normalised
// per clip, the default dynamic range).
#include <cstdint>
#include <string>
#include <vector>

#include "media/speech_features.hpp"
#include "prepare/speech/espeak_voice.hpp"

namespace manet::prepare {

using media::LogMel;
using media::kSpeechRate;
constexpr long kWindowSamples = 16000;  // 1 s -> 98 frames

const char* digit_word(int digit);  // "zero".."nine"

enum class ClipStyle {
  augmented,  // speed x0.85-1.15, random offset, gain -12..+6 dB, white/pink noise at 0-30 dB SNR (80 %)
  clean,      // centred, as spoken
  snr10,      // centred, white noise at 10 dB SNR
};

struct ClipRecipe {
  int digit = 0;
  EspeakVoice voice;
  ClipStyle style = ClipStyle::augmented;
  uint64_t seed = 1, set = 0;
  long index = 0;
};

struct VoiceChoice {
  std::string accent, variant;
};

// Clip `index` of a set: digit index % 10; voice (index / 10) % voices.size() when
// `every_voice`, else drawn uniformly; rate 120-220 and pitch 20-80 drawn from the stream.
ClipRecipe clip_recipe(uint64_t seed, uint64_t set, long index, const std::vector<VoiceChoice>& voices,
                       bool every_voice, ClipStyle style);

// kWindowSamples of 16 kHz audio.
Audio render_clip(EspeakSynth& synth, const ClipRecipe& recipe);

// A clip from elsewhere (flite) in the middle of the 1 s window (media::centre_in_window).
Audio centred(const Audio& clip);

}  // namespace manet::prepare
