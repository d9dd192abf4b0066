// Sound files in, at any common rate, width and channel count: what libsndfile hands us
// against the sine the test wrote, the mix-down, the window, and the features of a
// resampled file against those of the same tone made at 16 kHz directly.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "media/audio_file.hpp"
#include "media/media_writers.hpp"
#include "media/speech_features.hpp"

namespace manet::media {
namespace {

namespace fs = std::filesystem;
using testing::sine;
using testing::write_sound;

std::string temp_dir() {
  const fs::path dir = fs::temp_directory_path() / ("manet_audio_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir.string();
}

struct SoundCase {
  const char* name;
  int format, rate, channels;
  double tolerance;  // per sample, against the written sine
};

TEST(AudioFile, RatesWidthsChannelsAndFormatsReadAsTheirMonoMix) {
  const SoundCase cases[] = {
      {"8k_16bit_mono.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 1, 1.0 / 32768},
      {"22k_24bit_stereo.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 22050, 2, 1.0 / 8388608},
      {"44k_16bit_stereo.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2, 1.0 / 32768},
      {"44k_24bit_mono.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 44100, 1, 1.0 / 8388608},
      {"48k_float_stereo.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 48000, 2, 1e-7},
      {"16k_16bit_mono.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 16000, 1, 1.0 / 32768},
      {"22k_stereo.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 22050, 2, 0.05},  // lossy
  };
  for (const SoundCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::vector<float> written = sine(440, c.rate, 0.5, c.channels);
    const std::string path = temp_dir() + "/" + c.name;
    write_sound(path, c.format, c.rate, c.channels, written);
    const AudioClip clip = read_audio(path);
    EXPECT_EQ(clip.sample_rate, c.rate);
    EXPECT_EQ(clip.channels, c.channels);
    ASSERT_EQ(long(clip.mono.size()), std::lround(0.5 * c.rate));
    double worst = 0;
    for (std::size_t i = 0; i < clip.mono.size(); ++i) {
      double mix = 0;
      for (int k = 0; k < c.channels; ++k) mix += written[i * std::size_t(c.channels) + std::size_t(k)];
      worst = std::max(worst, std::abs(clip.mono[i] - mix / c.channels));
    }
    EXPECT_LE(worst, c.tolerance + 1e-7);
  }
}

// A 50 ms raised-cosine fade in and out: the tone is then band-limited at both rates (an
// abrupt start is a click whose spectrum a 16 kHz rate cannot hold).
std::vector<float> faded(std::vector<float> x, int rate, int channels) {
  const long n = long(x.size()) / channels, fade = rate / 20;
  for (long i = 0; i < n; ++i) {
    const long edge = std::min(i, n - 1 - i);
    const double g = edge >= fade ? 1.0 : 0.5 - 0.5 * std::cos(M_PI * double(edge) / double(fade));
    for (int c = 0; c < channels; ++c) x[std::size_t(i * channels + c)] *= float(g);
  }
  return x;
}

// The same 1 kHz tone, from a 44.1 kHz stereo file and made at 16 kHz directly, gives the
// same features up to the resampler's error (16 zero crossings: small in every band that
// is not floored, and the floored ones are equal).
TEST(AudioFile, FeaturesOfAResampledFileMatchTheToneMadeAt16kHz) {
  const std::string path = temp_dir() + "/tone44k.wav";
  write_sound(path, SF_FORMAT_WAV | SF_FORMAT_PCM_24, 44100, 2, faded(sine(1000, 44100, 0.8, 2), 44100, 2));
  const SpeechFeatureConfig config;
  const LogMel mel(config.mel);
  const std::vector<float> from_file = file_speech_features(path, mel, config);
  std::vector<float> direct = faded(sine(1000, 16000, 0.8, 1, 0.5 * 0.75), 16000, 1);
  const std::vector<float> expected = clip_features(mel, centre_in_window(direct, 16000));
  ASSERT_EQ(from_file.size(), std::size_t(40 * 98));
  ASSERT_EQ(expected.size(), from_file.size());
  double worst = 0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < expected.size(); ++i)
    if (std::abs(from_file[i] - expected[i]) > worst) worst = std::abs(from_file[i] - expected[i]), at = i;
  EXPECT_LT(worst, 0.05) << "band " << at / 98 << " frame " << at % 98 << ": " << from_file[at] << " vs " << expected[at];
}

TEST(AudioFile, WindowKeepsTheMiddleOrPadsAroundIt) {
  Audio ramp(10);
  for (int i = 0; i < 10; ++i) ramp[std::size_t(i)] = float(i + 1);
  const Audio cut = centre_in_window(ramp, 4);  // (10 - 4) / 2 = 3 dropped in front
  EXPECT_EQ(cut, (Audio{4, 5, 6, 7}));
  const Audio padded = centre_in_window(ramp, 15);  // (15 - 10) / 2 = 2 zeros in front, 3 after
  EXPECT_EQ(padded, (Audio{0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0, 0}));
}

void expect_refused(const std::string& path, const std::string& words) {
  try {
    const SpeechFeatureConfig config;
    const LogMel mel(config.mel);
    file_speech_features(path, mel, config);
    ADD_FAILURE() << path << " was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_EQ(std::string(e.what()).rfind(path + ": ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

TEST(AudioFile, UnreadableEmptyAndTooShortFilesAreRefusedByName) {
  const std::string dir = temp_dir();
  std::ofstream(dir + "/words.wav") << "this is not a sound file at all, just some words";
  expect_refused(dir + "/words.wav", "cannot read as audio");
  expect_refused(dir + "/missing.wav", "cannot read as audio");
  write_sound(dir + "/empty.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, {});
  expect_refused(dir + "/empty.wav", "no samples");
  write_sound(dir + "/blip.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, sine(440, 44100, 0.01));  // 10 ms
  expect_refused(dir + "/blip.wav", "too short");
}

}  // namespace
}  // namespace manet::media
