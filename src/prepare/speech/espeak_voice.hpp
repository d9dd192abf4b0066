#pragma once
// Spoken words from libespeak-ng, in process (AUDIO_OUTPUT_SYNCHRONOUS: ~2,000 clips/s).
// A voice is an accent (a language voice such as en-us) plus a variant from
// espeak-ng-data/voices/!v (or "none"), at a speaking rate and base pitch. espeak-ng's
// own noise sources use rand(), seeded before every clip; but the generator also carries
// state from clip to clip (the glottal phase: saying the same word twice gives slightly
// different samples), and the library cannot be started twice in one process (a second
// espeak_Initialize hangs). So a *sequence* of clips said from a freshly started
// synthesiser is a pure function of its recipes, and `prepare` makes every set in one
// fixed order in one process: its files are a pure function of the options.
#include <cstdint>
#include <string>
#include <vector>

#include "media/audio.hpp"

namespace manet::prepare {

using media::Audio;

struct EspeakVoice {
  std::string accent;   // "en-us", "en", "en-gb-scotland", ...
  std::string variant;  // a file name in voices/!v, or "none"
  int rate = 175;       // words per minute (80-450)
  int pitch = 50;       // 0-100
  uint32_t noise_seed = 1;
};

// The eight English accents of docs/datasets.md ("en" is en-gb: SetVoiceByName("en-gb") fails).
const std::vector<std::string>& espeak_accents();

// espeak-ng's data directory, as the library finds it (no architecture written in manet).
const std::string& espeak_data_dir();

// The variants: the files of voices/!v plus "none", sorted by name. Throws naming the
// apt package when espeak-ng's data is missing.
std::vector<std::string> espeak_variants();

// The split of variants by FNV-1a(name) % 5: 0 -> held out for testing.
bool is_heldout_variant(const std::string& variant);

// "1.51 (data: /usr/lib/...)": what the recipe of the espeak sets depends on.
std::string espeak_version();

// The library has one global state, started on first use and kept for the process.
class EspeakSynth {
 public:
  static EspeakSynth& instance();
  EspeakSynth(const EspeakSynth&) = delete;
  EspeakSynth& operator=(const EspeakSynth&) = delete;

  int sample_rate() const { return sample_rate_; }  // 22050
  Audio say(const std::string& text, const EspeakVoice& voice);

 private:
  EspeakSynth();
  int sample_rate_ = 0;
};

}  // namespace manet::prepare
