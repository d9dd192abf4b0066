// The espeak-ng generator: a clip is a pure function of (seed, set, index); the variant
// split; and the whole chain to features gives finite, normalised maps.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/error.hpp"
#include "prepare/fnv1a.hpp"
#include "prepare/speech/digit_clips.hpp"

namespace manet::prepare {
namespace {

// A speech build (MANET_SPEECH) needs libespeak-ng, which needs its data: these tests run,
// and fail naming the directory when it is missing, rather than skip.
void expect_espeak_data() {
  ASSERT_TRUE(std::filesystem::exists(espeak_data_dir() + "/voices/!v"))
      << "no espeak-ng voices in '" << espeak_data_dir() << "': apt-get install espeak-ng libespeak-ng-dev";
}

TEST(Espeak, VariantsAndTheirSplit) {
  ASSERT_NO_FATAL_FAILURE(expect_espeak_data());
  const std::vector<std::string> variants = espeak_variants();
  EXPECT_EQ(variants.size(), 102u);  // 101 files in voices/!v + "none" (docs/datasets.md)
  long held = 0;
  for (const std::string& v : variants) {
    held += is_heldout_variant(v);
    EXPECT_EQ(is_heldout_variant(v), fnv1a32(v) % 5 == 0);
  }
  EXPECT_GT(held, 5);
  EXPECT_LT(held, 40);
}

// A hash of `count` clips said in order by a synthesiser started in a child process
// (espeak-ng cannot be restarted in one process, and carries state from clip to clip).
uint64_t sequence_hash_in_child(uint64_t seed, long count) {
  int fds[2];
  if (pipe(fds) != 0) return 0;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const std::vector<VoiceChoice> voices = {{"en-us", "klatt"}, {"en-gb-scotland", "Andy"}, {"en", "none"}};
    uint64_t h = 1469598103934665603ull;
    for (long i = 0; i < count; ++i)
      for (float x : render_clip(EspeakSynth::instance(), clip_recipe(seed, 1, i, voices, false, ClipStyle::augmented))) {
        uint32_t bits;
        std::memcpy(&bits, &x, 4);
        h = (h ^ bits) * 1099511628211ull;
      }
    (void)!write(fds[1], &h, sizeof h);
    _exit(0);
  }
  close(fds[1]);
  uint64_t h = 0;
  (void)!read(fds[0], &h, sizeof h);
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return h;
}

TEST(Espeak, RecipesArePureFunctionsOfSeedSetAndIndex) {
  const std::vector<VoiceChoice> voices = {{"en-us", "klatt"}, {"en-gb-scotland", "Andy"}, {"en", "none"}};
  for (long index : {0L, 7L, 23L}) {
    const ClipRecipe r = clip_recipe(5, 1, index, voices, false, ClipStyle::augmented);
    const ClipRecipe again = clip_recipe(5, 1, index, voices, false, ClipStyle::augmented);
    EXPECT_EQ(r.digit, index % 10);
    EXPECT_EQ(r.voice.accent + r.voice.variant, again.voice.accent + again.voice.variant);
    EXPECT_EQ(r.voice.rate, again.voice.rate);
    EXPECT_EQ(r.voice.noise_seed, again.voice.noise_seed);
    EXPECT_GE(r.voice.rate, 120);
    EXPECT_LE(r.voice.rate, 220);
    EXPECT_GE(r.voice.pitch, 20);
    EXPECT_LE(r.voice.pitch, 80);
  }
  const ClipRecipe every = clip_recipe(5, 3, 25, voices, true, ClipStyle::clean);
  EXPECT_EQ(every.voice.variant, "none");  // (25 / 10) % 3 = 2
}

TEST(Espeak, SameSeedSameClipsOtherSeedOtherClips) {
  ASSERT_NO_FATAL_FAILURE(expect_espeak_data());
  const uint64_t a = sequence_hash_in_child(5, 12), b = sequence_hash_in_child(5, 12), c = sequence_hash_in_child(6, 12);
  ASSERT_NE(a, 0u);
  EXPECT_EQ(a, b) << "the same recipes said by a fresh synthesiser gave other samples";
  EXPECT_NE(a, c);
}

TEST(Espeak, FeaturesAreFiniteAndNormalised) {
  ASSERT_NO_FATAL_FAILURE(expect_espeak_data());
  EspeakSynth& synth = EspeakSynth::instance();
  const LogMel mel;
  for (ClipStyle style : {ClipStyle::augmented, ClipStyle::clean, ClipStyle::snr10}) {
    const std::vector<float> f =
        clip_features(mel, render_clip(synth, clip_recipe(1, 3, 4, {{"en-us", "none"}}, true, style)));
    ASSERT_EQ(f.size(), 40u * 98u);
    double mean = 0, sq = 0;
    for (float v : f) {
      ASSERT_TRUE(std::isfinite(v));
      mean += v, sq += double(v) * v;
    }
    EXPECT_NEAR(mean / f.size(), 0.0, 1e-4);
    EXPECT_NEAR(sq / f.size(), 1.0, 1e-3);
  }
}

}  // namespace
}  // namespace manet::prepare
