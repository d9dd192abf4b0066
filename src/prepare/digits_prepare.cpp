#include "prepare/digits_prepare.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "core/error.hpp"
#include "prepare/prepared_file.hpp"
#include "prepare/speech/digit_clips.hpp"
#include "prepare/speech/flite_clips.hpp"

namespace manet::prepare {

namespace {

// Bump when generation, augmentation or features change: old files are then rebuilt.
constexpr const char* kDigitsRecipeVersion = "digits-v3";
constexpr long kDefaultClipsPerClass = 2000, kTestClipsPerClass = 100;
enum Set : uint64_t { kTrainSet = 1, kTestSet = 2, kHeldoutSet = 3 };

const char* const kFeatures =
    "log-mel: 16 kHz, 400-sample Hamming window, hop 160, 512-point FFT, 40 mel bands 20-8000 Hz (HTK), "
    "log(x + 1e-6), floored 10 below the clip's maximum, then minus the clip's mean over its standard deviation; /x is [N, 1, 40 bands, 98 frames]";

struct FeatureSet {
  Dataset data;
  explicit FeatureSet(const std::string& name, const LogMel& mel) {
    data.name = name;
    data.sample_shape = MapShape{1, mel.config().bands, mel.frames(kWindowSamples)};
  }
  void add(const std::vector<float>& features, int digit) {
    data.images.insert(data.images.end(), features.begin(), features.end());
    data.labels.push_back(digit);
  }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// `count` espeak clips of one set, features computed as they are made.
FeatureSet espeak_set(EspeakSynth& synth, const LogMel& mel, const std::string& name, uint64_t seed, Set set,
                      long count, const std::vector<VoiceChoice>& voices, bool every_voice, ClipStyle style) {
  FeatureSet out(name, mel);
  const auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < count; ++i) {
    const ClipRecipe r = clip_recipe(seed, set, i, voices, every_voice, style);
    out.add(clip_features(mel, render_clip(synth, r)), r.digit);
    if ((i + 1) % 5000 == 0 && i + 1 < count)
      std::printf("  %s: %ld/%ld clips (%.0fs)\n", name.c_str(), i + 1, count, seconds_since(t0));
  }
  return out;
}

}  // namespace

void prepare_digits(const PrepareOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const long per_class = o.clips_per_class > 0 ? o.clips_per_class : kDefaultClipsPerClass;
  const std::vector<std::string> variants = espeak_variants();
  const std::string flite_dir = o.out_dir + "/flite_wav";
  const std::vector<FliteClip> flite = flite_test_clips(flite_dir);
  const std::string recipe = std::string("manet prepare digits ") + kDigitsRecipeVersion + " | seed " +
                             std::to_string(o.seed) + " | clips_per_class " + std::to_string(per_class) +
                             " | espeak-ng " + espeak_version() + " | " + std::to_string(variants.size()) +
                             " variants | " + flite_tool_versions() + " | " + kFeatures;
  const std::string train_path = o.out_dir + "/train.h5", test_path = o.out_dir + "/test.h5",
                    clean_path = o.out_dir + "/test_espeak_heldout.h5",
                    noisy_path = o.out_dir + "/test_espeak_heldout_snr10.h5", flite_path = o.out_dir + "/test_flite.h5";
  if (!o.force && up_to_date({train_path, test_path, clean_path, noisy_path, flite_path}, recipe)) {
    std::printf("digits: up to date in %s (--force rebuilds)\n", o.out_dir.c_str());
    return;
  }
  std::filesystem::create_directories(o.out_dir);

  std::vector<VoiceChoice> train_voices, heldout_voices;
  int heldout_variants = 0;
  for (const std::string& v : variants) {
    heldout_variants += is_heldout_variant(v);
    for (const std::string& a : espeak_accents()) (is_heldout_variant(v) ? heldout_voices : train_voices).push_back({a, v});
  }
  std::printf("digits: espeak-ng %s, %zu accents x %zu variants (%d held out: FNV-1a(name) %% 5 == 0)\n",
              espeak_version().c_str(), espeak_accents().size(), variants.size(), heldout_variants);

  const LogMel mel;
  std::string classes;
  for (int d = 0; d < 10; ++d) classes += std::string(digit_word(d)) + "\n";
  const NamedStrings strings = {{"classes", classes}, {"features", kFeatures}};
  auto write = [&](const std::string& path, const FeatureSet& s, const std::string& what) {
    write_prepared(path, s.data, recipe, strings);
    std::printf("wrote %s: %ld clips (%s)\n", path.c_str(), s.data.size(), what.c_str());
  };
  {
    EspeakSynth& synth = EspeakSynth::instance();  // one fixed order of sets: see espeak_voice.hpp
    write(train_path,
          espeak_set(synth, mel, train_path, o.seed, kTrainSet, per_class * 10, train_voices, false, ClipStyle::augmented),
          std::to_string(train_voices.size()) + " training voices, augmented, " + std::to_string(per_class) + " per digit");
    write(test_path,
          espeak_set(synth, mel, test_path, o.seed, kTestSet, kTestClipsPerClass * 10, heldout_voices, false,
                     ClipStyle::augmented),
          "held-out voices, augmented like train");
    const long every = long(heldout_voices.size()) * 10;
    write(clean_path, espeak_set(synth, mel, clean_path, o.seed, kHeldoutSet, every, heldout_voices, true, ClipStyle::clean),
          "Test A: every held-out voice x digit, clean");
    write(noisy_path, espeak_set(synth, mel, noisy_path, o.seed, kHeldoutSet, every, heldout_voices, true, ClipStyle::snr10),
          "Test A: the same clips at 10 dB SNR (white noise)");
  }
  const int made = make_flite_clips(flite);
  FeatureSet flite_set(flite_path, mel);
  for (const FliteClip& c : flite) flite_set.add(clip_features(mel, centred(read_wav_pcm16(c.file, kSpeechRate))), c.digit);
  write(flite_path, flite_set,
        "Test B: flite kal16/awb/rms/slt, " + std::to_string(made) + " synthesised now, " +
            std::to_string(long(flite.size()) - made) + " from " + flite_dir);
  std::printf("digits: done in %.1fs\n", seconds_since(t0));
}

}  // namespace manet::prepare
