#pragma once
// Log-mel features (docs/datasets.md): 400-sample Hamming window, hop 160, 512-point
// real FFT (kissfft), power spectrum, 40 triangular mel bands (HTK mel scale,
// m = 2595 log10(1 + f/700)) between 20 and 8000 Hz, log(x + 1e-6).
// At 16 kHz one second gives 98 frames of 40 values.
#include <utility>
#include <vector>

struct kiss_fftr_state;

namespace manet::media {

struct LogMelConfig {
  int sample_rate = 16000, window = 400, hop = 160, fft = 512, bands = 40;
  double f_min = 20, f_max = 8000, floor = 1e-6;
  bool operator==(const LogMelConfig&) const = default;
};

double hz_to_mel(double hz);
double mel_to_hz(double mel);

class LogMel {
 public:
  explicit LogMel(const LogMelConfig& config = {});
  ~LogMel();
  LogMel(const LogMel&) = delete;
  LogMel& operator=(const LogMel&) = delete;

  const LogMelConfig& config() const { return config_; }
  int bins() const { return config_.fft / 2 + 1; }
  // 1 + (samples - window) / hop, 0 when shorter than one window.
  int frames(long samples) const;

  // |FFT|^2 of one frame of `window` samples (Hamming-windowed here, zero-padded to fft):
  // bins() values.
  void power_spectrum(const float* frame, float* power) const;
  // The filterbank, (bands, bins) row-major; band b's triangle peaks (1) at centre(b).
  const std::vector<float>& filterbank() const { return filterbank_; }
  double centre_hz(int band) const;

  // (bands, frames) row-major: log(mel energy + floor).
  std::vector<float> compute(const float* audio, long samples) const;

 private:
  LogMelConfig config_;
  kiss_fftr_state* fft_ = nullptr;
  std::vector<float> window_, filterbank_;
  std::vector<std::pair<int, int>> band_bins_;  // (bands): the bins [first, second) with a non-zero weight
  std::vector<double> centres_mel_;
};

}  // namespace manet::media
