#include "prepare/speech/digit_clips.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace manet::prepare {

using media::add_noise;
using media::place_in_window;
using media::power;
using media::resample;
using media::trim_silence;

namespace {

// Draws of a clip's stream (sub-stream 0); the noise samples use sub-stream 1.
enum Draw : uint64_t { kVoice, kRate, kPitch, kNoiseSeed, kSpeed, kOffset, kGain, kNoisy, kPink, kSnr };


double uniform(const RandomStream& s, Draw d, double lo, double hi) { return lo + (hi - lo) * s.uniform(d); }

}  // namespace

const char* digit_word(int digit) {
  static const char* const words[] = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
  return words[digit];
}

ClipRecipe clip_recipe(uint64_t seed, uint64_t set, long index, const std::vector<VoiceChoice>& voices,
                       bool every_voice, ClipStyle style) {
  check(!voices.empty(), "no voices to draw from");
  const RandomStream s(seed, RandomPurpose::data, set, uint64_t(index));
  ClipRecipe r;
  r.digit = int(index % 10);
  r.style = style;
  r.seed = seed, r.set = set, r.index = index;
  const std::size_t v = every_voice ? std::size_t(index / 10) % voices.size()
                                    : std::min(voices.size() - 1, std::size_t(s.uniform(kVoice) * double(voices.size())));
  r.voice.accent = voices[v].accent;
  r.voice.variant = voices[v].variant;
  r.voice.rate = int(std::lround(uniform(s, kRate, 120, 220)));
  r.voice.pitch = int(std::lround(uniform(s, kPitch, 20, 80)));
  r.voice.noise_seed = s.bits(kNoiseSeed);
  return r;
}

Audio render_clip(EspeakSynth& synth, const ClipRecipe& r) {
  const RandomStream s(r.seed, RandomPurpose::data, r.set, uint64_t(r.index));
  const Audio spoken = trim_silence(synth.say(digit_word(r.digit), r.voice), synth.sample_rate());
  check(!spoken.empty(), std::string("espeak-ng produced silence for '") + digit_word(r.digit) + "' with voice " +
                             r.voice.accent + "+" + r.voice.variant);
  const bool augmented = r.style == ClipStyle::augmented;
  const double speed = augmented ? uniform(s, kSpeed, 0.85, 1.15) : 1.0;
  Audio clip = resample(spoken, double(kSpeechRate) / synth.sample_rate() / speed);
  const double gain = augmented ? std::pow(10.0, uniform(s, kGain, -12, 6) / 20.0) : 1.0;
  for (float& x : clip) x *= float(gain);
  const double speech_power = power(clip);
  const long room = std::max(0L, kWindowSamples - long(clip.size()));
  const long offset = augmented ? std::min(room, long(s.uniform(kOffset) * double(room + 1))) : room / 2;
  Audio window = place_in_window(clip, kWindowSamples, offset);
  if (r.style == ClipStyle::snr10) add_noise(window, speech_power, 10.0, false, s, 1);
  if (augmented && s.uniform(kNoisy) < 0.8)
    add_noise(window, speech_power, uniform(s, kSnr, 0, 30), s.uniform(kPink) < 0.5, s, 1);
  for (float& x : window) x = std::clamp(x, -1.0f, 1.0f);
  return window;
}

Audio centred(const Audio& clip) { return media::centre_in_window(clip, kWindowSamples); }

}  // namespace manet::prepare
