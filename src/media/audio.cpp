#include "media/audio.hpp"

#include <algorithm>
#include <cmath>

#include "core/rng.hpp"

namespace manet::media {

namespace {

constexpr int kZeroCrossings = 16, kTableSteps = 512;  // table steps per zero crossing

// The Hann-windowed sinc, tabulated for |x| in [0, kZeroCrossings] (x in output-band
// samples) and read with linear interpolation: sin and cos per tap would make the
// resampler the slowest step of `prepare digits`.
const std::vector<float>& sinc_table() {
  static const std::vector<float> table = [] {
    std::vector<float> t(kZeroCrossings * kTableSteps + 2, 0.0f);
    for (int k = 0; k <= kZeroCrossings * kTableSteps; ++k) {
      const double x = double(k) / kTableSteps;
      const double sinc = k == 0 ? 1.0 : std::sin(M_PI * x) / (M_PI * x);
      t[std::size_t(k)] = float(sinc * (0.5 + 0.5 * std::cos(M_PI * x / kZeroCrossings)));
    }
    return t;
  }();
  return table;
}

}  // namespace

Audio resample(const Audio& in, double ratio) {
  const std::vector<float>& table = sinc_table();
  const double cutoff = std::min(1.0, ratio);        // of the input Nyquist
  const double half_width = kZeroCrossings / cutoff;  // in input samples
  const long n_out = long(std::floor(double(in.size()) * ratio));
  Audio out(std::size_t(std::max(0L, n_out)));
  for (long j = 0; j < n_out; ++j) {
    const double t = double(j) / ratio;  // position in input samples
    const long first = long(std::ceil(t - half_width)), last = long(std::floor(t + half_width));
    double acc = 0;
    for (long i = std::max(0L, first); i <= std::min(long(in.size()) - 1, last); ++i) {
      const double pos = std::abs(double(i) - t) * cutoff * kTableSteps;
      const long k = long(pos);
      if (k >= kZeroCrossings * kTableSteps) continue;
      const double frac = pos - double(k);
      acc += in[std::size_t(i)] * (table[std::size_t(k)] * (1 - frac) + table[std::size_t(k) + 1] * frac);
    }
    out[std::size_t(j)] = float(acc * cutoff);
  }
  return out;
}

Audio trim_silence(const Audio& in, int sample_rate, double threshold_db) {
  const long hop = std::max(1, sample_rate / 100), n = long(in.size());
  std::vector<double> rms;
  for (long s = 0; s < n; s += hop) {
    double e = 0;
    const long end = std::min(n, s + hop);
    for (long i = s; i < end; ++i) e += double(in[i]) * in[i];
    rms.push_back(std::sqrt(e / double(end - s)));
  }
  if (rms.empty()) return {};
  const double loudest = *std::max_element(rms.begin(), rms.end());
  if (loudest <= 0) return {};
  const double threshold = loudest * std::pow(10.0, threshold_db / 20.0);
  long a = 0, b = long(rms.size()) - 1;
  while (a < b && rms[a] < threshold) ++a;
  while (b > a && rms[b] < threshold) --b;
  return Audio(in.begin() + a * hop, in.begin() + std::min(n, (b + 1) * hop));
}

Audio place_in_window(const Audio& clip, long length, long offset) {
  Audio out(std::size_t(length), 0.0f);
  const long n = long(clip.size());
  if (n >= length) {
    std::copy_n(clip.begin() + (n - length) / 2, length, out.begin());
    return out;
  }
  offset = std::clamp(offset, 0L, length - n);
  std::copy(clip.begin(), clip.end(), out.begin() + offset);
  return out;
}

double power(const Audio& x) {
  double e = 0;
  for (const float v : x) e += double(v) * v;
  return x.empty() ? 0.0 : e / double(x.size());
}

void add_noise(Audio& x, double speech_power, double snr_db, bool pink, const RandomStream& stream, uint64_t sub) {
  Audio noise(x.size());
  if (!pink) {
    for (std::size_t i = 0; i < x.size(); ++i) noise[i] = float(stream.normal(i, sub));
  } else {
    // Voss-McCartney: row r is redrawn every 2^r samples; their sum has a ~1/f spectrum.
    constexpr int kRows = 16;
    double rows[kRows] = {}, sum = 0;
    uint64_t draw = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      for (int r = 0; r < kRows; ++r)
        if (i % (std::size_t(1) << r) == 0) {
          const double v = stream.normal(draw++, sub);
          sum += v - rows[r];
          rows[r] = v;
        }
      noise[i] = float(sum + stream.normal(draw++, sub));
    }
  }
  const double p = power(noise);
  if (p <= 0 || speech_power <= 0) return;
  const double scale = std::sqrt(speech_power / (p * std::pow(10.0, snr_db / 10.0)));
  for (std::size_t i = 0; i < x.size(); ++i) x[i] += float(scale * noise[i]);
}

}  // namespace manet::media
