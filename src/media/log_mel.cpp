#include "media/log_mel.hpp"

#include <kiss_fftr.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace manet::media {

double hz_to_mel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double mel_to_hz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

LogMel::LogMel(const LogMelConfig& c) : config_(c) {
  check(c.fft >= c.window && c.fft % 2 == 0 && c.window > 1 && c.hop > 0 && c.bands > 0,
        "log-mel: need an even fft >= window > 1, hop > 0, bands > 0", ErrorKind::usage);
  check(c.f_min >= 0 && c.f_max > c.f_min && c.f_max <= c.sample_rate / 2.0,
        "log-mel: need 0 <= f_min < f_max <= sample_rate / 2", ErrorKind::usage);
  fft_ = kiss_fftr_alloc(c.fft, 0, nullptr, nullptr);
  check(fft_ != nullptr, "kissfft: cannot set up a real FFT of " + std::to_string(c.fft) + " points");
  window_.resize(std::size_t(c.window));
  for (int n = 0; n < c.window; ++n) window_[n] = float(0.54 - 0.46 * std::cos(2 * M_PI * n / (c.window - 1)));

  // bands + 2 points equally spaced in mel: band b rises from point b to point b+1 and
  // falls to point b+2; weights are evaluated at each FFT bin's frequency.
  const double lo = hz_to_mel(c.f_min), hi = hz_to_mel(c.f_max);
  std::vector<double> edges(std::size_t(c.bands + 2));
  for (int i = 0; i < c.bands + 2; ++i) edges[i] = mel_to_hz(lo + (hi - lo) * i / (c.bands + 1));
  for (int b = 0; b < c.bands; ++b) centres_mel_.push_back(hz_to_mel(edges[b + 1]));
  filterbank_.assign(std::size_t(c.bands) * bins(), 0.0f);
  band_bins_.assign(std::size_t(c.bands), {bins(), 0});
  for (int b = 0; b < c.bands; ++b)
    for (int k = 0; k < bins(); ++k) {
      const double f = double(k) * c.sample_rate / c.fft;
      const double up = (f - edges[b]) / (edges[b + 1] - edges[b]), down = (edges[b + 2] - f) / (edges[b + 2] - edges[b + 1]);
      const float w = float(std::max(0.0, std::min(up, down)));
      filterbank_[std::size_t(b) * bins() + k] = w;
      if (w != 0.0f) band_bins_[b].first = std::min(band_bins_[b].first, k), band_bins_[b].second = k + 1;
    }
}

LogMel::~LogMel() { kiss_fftr_free(fft_); }

double LogMel::centre_hz(int band) const { return mel_to_hz(centres_mel_.at(std::size_t(band))); }

int LogMel::frames(long samples) const {
  return samples < config_.window ? 0 : int(1 + (samples - config_.window) / config_.hop);
}

namespace {

// |FFT|^2 of one Hamming-windowed, zero-padded frame, with the caller's buffers (in: fft
// values, out: bins), so that a clip's frames allocate nothing.
struct FftBuffers {
  std::vector<kiss_fft_scalar> in;
  std::vector<kiss_fft_cpx> out;
};

void windowed_power(kiss_fftr_state* fft, const std::vector<float>& window, const float* frame, float* power,
                    FftBuffers& b) {
  const std::size_t n_window = window.size();
  for (std::size_t n = 0; n < n_window; ++n) b.in[n] = frame[n] * window[n];
  std::fill(b.in.begin() + long(n_window), b.in.end(), 0.0f);
  kiss_fftr(fft, b.in.data(), b.out.data());
  for (std::size_t k = 0; k < b.out.size(); ++k) power[k] = b.out[k].r * b.out[k].r + b.out[k].i * b.out[k].i;
}

}  // namespace

void LogMel::power_spectrum(const float* frame, float* power) const {
  FftBuffers b{std::vector<kiss_fft_scalar>(std::size_t(config_.fft)), std::vector<kiss_fft_cpx>(std::size_t(bins()))};
  windowed_power(fft_, window_, frame, power, b);
}

std::vector<float> LogMel::compute(const float* audio, long samples) const {
  const int T = frames(samples), B = config_.bands, K = bins();
  std::vector<float> mel(std::size_t(B) * T), power(static_cast<std::size_t>(K));
  FftBuffers buffers{std::vector<kiss_fft_scalar>(std::size_t(config_.fft)), std::vector<kiss_fft_cpx>(std::size_t(K))};
  for (int t = 0; t < T; ++t) {
    windowed_power(fft_, window_, audio + long(t) * config_.hop, power.data(), buffers);
    for (int b = 0; b < B; ++b) {
      // Only the bins under band b's triangle: the others add exact zeros.
      const float* w = filterbank_.data() + std::size_t(b) * K;
      double e = 0;
      for (int k = band_bins_[b].first; k < band_bins_[b].second; ++k) e += double(w[k]) * power[k];
      mel[std::size_t(b) * T + t] = float(std::log(e + config_.floor));  // (B, T)
    }
  }
  return mel;
}

}  // namespace manet::media
