#include "media/log_mel.hpp"

#include <kiss_fftr.h>

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
  for (int b = 0; b < c.bands; ++b)
    for (int k = 0; k < bins(); ++k) {
      const double f = double(k) * c.sample_rate / c.fft;
      const double up = (f - edges[b]) / (edges[b + 1] - edges[b]), down = (edges[b + 2] - f) / (edges[b + 2] - edges[b + 1]);
      filterbank_[std::size_t(b) * bins() + k] = float(std::max(0.0, std::min(up, down)));
    }
}

LogMel::~LogMel() { kiss_fftr_free(fft_); }

double LogMel::centre_hz(int band) const { return mel_to_hz(centres_mel_.at(std::size_t(band))); }

int LogMel::frames(long samples) const {
  return samples < config_.window ? 0 : int(1 + (samples - config_.window) / config_.hop);
}

void LogMel::power_spectrum(const float* frame, float* power) const {
  std::vector<kiss_fft_scalar> in(std::size_t(config_.fft), 0.0f);
  std::vector<kiss_fft_cpx> out(static_cast<std::size_t>(bins()));
  for (int n = 0; n < config_.window; ++n) in[n] = frame[n] * window_[n];
  kiss_fftr(fft_, in.data(), out.data());
  for (int k = 0; k < bins(); ++k) power[k] = out[k].r * out[k].r + out[k].i * out[k].i;
}

std::vector<float> LogMel::compute(const float* audio, long samples) const {
  const int T = frames(samples), B = config_.bands, K = bins();
  std::vector<float> mel(std::size_t(B) * T), power(static_cast<std::size_t>(K));
  for (int t = 0; t < T; ++t) {
    power_spectrum(audio + long(t) * config_.hop, power.data());
    for (int b = 0; b < B; ++b) {
      const float* w = filterbank_.data() + std::size_t(b) * K;
      double e = 0;
      for (int k = 0; k < K; ++k) e += double(w[k]) * power[k];
      mel[std::size_t(b) * T + t] = float(std::log(e + config_.floor));  // (B, T)
    }
  }
  return mel;
}

}  // namespace manet::media
