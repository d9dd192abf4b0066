// The FFT, filterbank and resampler against closed forms: Parseval, the HTK mel formula,
// pure tones landing in the band (and bin) where their frequency says they must.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/rng.hpp"

#include "media/audio.hpp"
#include "media/log_mel.hpp"

namespace manet::media {
namespace {

Audio tone(double hz, int rate, long n, double amplitude = 0.5) {
  Audio x(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) x[i] = float(amplitude * std::sin(2 * M_PI * hz * double(i) / rate));
  return x;
}

TEST(LogMel, MelScaleIsHtk) {
  EXPECT_NEAR(hz_to_mel(1000), 1000.0, 0.05);  // 2595 log10(1 + 1000/700) = 999.99
  EXPECT_NEAR(hz_to_mel(0), 0.0, 1e-12);
  for (const double f : {20.0, 440.0, 8000.0}) EXPECT_NEAR(mel_to_hz(hz_to_mel(f)), f, 1e-9);
}

TEST(LogMel, ShapesOfOneSecond) {
  const LogMel mel;
  EXPECT_EQ(mel.frames(16000), 98);  // 1 + (16000 - 400) / 160
  EXPECT_EQ(mel.bins(), 257);
  EXPECT_EQ(mel.compute(tone(1000, 16000, 16000).data(), 16000).size(), 40u * 98u);
}

TEST(LogMel, ParsevalHoldsForTheRealFft) {
  // sum |w x|^2 = (1/N) sum_k |X_k|^2 over all N bins; the real FFT stores bins 0..N/2,
  // the others are mirror images (counted twice, except 0 and N/2).
  const LogMel mel;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  std::vector<float> frame(400), power(257);
  for (float& v : frame) v = normal(rng);
  mel.power_spectrum(frame.data(), power.data());
  double time_energy = 0;
  for (int n = 0; n < 400; ++n) {
    const double w = 0.54 - 0.46 * std::cos(2 * M_PI * n / 399);
    time_energy += (w * frame[n]) * (w * frame[n]);
  }
  double freq_energy = power[0] + power[256];
  for (int k = 1; k < 256; ++k) freq_energy += 2.0 * power[k];
  EXPECT_NEAR(freq_energy / 512.0, time_energy, 1e-4 * time_energy);
}

TEST(LogMel, PureTonePeaksInItsBinAndNearestBand) {
  const LogMel mel;
  for (const double hz : {250.0, 1000.0, 2500.0, 6000.0}) {
    const Audio x = tone(hz, 16000, 400);
    std::vector<float> power(257);
    mel.power_spectrum(x.data(), power.data());
    const int peak_bin = int(std::max_element(power.begin(), power.end()) - power.begin());
    EXPECT_NEAR(peak_bin, hz * 512 / 16000, 1.0) << hz << " Hz";
    const std::vector<float> m = mel.compute(tone(hz, 16000, 16000).data(), 16000);  // (40, 98)
    int best = 0, nearest = 0;
    for (int b = 0; b < 40; ++b) {
      if (m[b * 98 + 50] > m[best * 98 + 50]) best = b;
      if (std::abs(mel.centre_hz(b) - hz) < std::abs(mel.centre_hz(nearest) - hz)) nearest = b;
    }
    EXPECT_LE(std::abs(best - nearest), 1) << hz << " Hz peaks in band " << best << ", nearest centre is band " << nearest;
  }
}

TEST(LogMel, TrianglesRiseToOneAndStayInRange) {
  const LogMel mel;
  const auto& fb = mel.filterbank();
  for (int b = 0; b < 40; ++b) {
    float top = 0;
    for (int k = 0; k < 257; ++k) {
      top = std::max(top, fb[b * 257 + k]);
      ASSERT_GE(fb[b * 257 + k], 0.0f);
    }
    EXPECT_LE(top, 1.0f);
    EXPECT_GT(top, b < 3 ? 0.2f : 0.5f) << "band " << b;  // the lowest bands are narrower than a bin
    EXPECT_NEAR(fb[b * 257 + 256], 0.0f, 1e-6);                 // bin 256 is 8000 Hz: the upper edge
  }
}

TEST(Resample, KeepsATonesFrequencyAndLevel) {
  const Audio in = tone(1000, 22050, 22050);
  const Audio out = resample(in, 16000.0 / 22050.0);
  ASSERT_EQ(out.size(), 16000u);
  const Audio mid(out.begin() + 4000, out.begin() + 12000);
  EXPECT_NEAR(power(mid), 0.125, 0.002);  // amplitude 0.5 -> mean square 0.125
  double err = 0;
  for (long i = 4000; i < 12000; ++i) err = std::max(err, std::abs(out[i] - 0.5 * std::sin(2 * M_PI * 1000 * i / 16000.0)));
  EXPECT_LT(err, 0.01);
}

TEST(Resample, RemovesWhatTheNewRateCannotHold) {
  const Audio out = resample(tone(10000, 22050, 22050), 16000.0 / 22050.0);  // 10 kHz > 8 kHz Nyquist
  const Audio mid(out.begin() + 4000, out.begin() + 12000);
  EXPECT_LT(power(mid), 0.125 * 1e-3);  // at least 30 dB down instead of aliasing to 6 kHz
}

TEST(Audio, TrimAndNoiseAtTheAskedSnr) {
  Audio x(16000, 0.0f);
  const Audio t = tone(500, 16000, 4000);
  std::copy(t.begin(), t.end(), x.begin() + 6000);
  const Audio trimmed = trim_silence(x, 16000);
  EXPECT_NEAR(double(trimmed.size()), 4000.0, 160.0);
  Audio noisy(16000, 0.0f);
  add_noise(noisy, 0.125, 10.0, false, RandomStream(1, RandomPurpose::data, 9), 1);
  EXPECT_NEAR(10 * std::log10(0.125 / power(noisy)), 10.0, 1e-3);
}

}  // namespace
}  // namespace manet::media
