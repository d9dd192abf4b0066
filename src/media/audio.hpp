#pragma once
// Plain operations on mono float audio in [-1, 1]: band-limited resampling, silence
// trimming, placing a clip in a fixed window, noise at a given SNR.
#include <cstdint>
#include <vector>

namespace manet {
class RandomStream;
}

namespace manet::media {

using Audio = std::vector<float>;

// Resamples by `ratio` = output rate / input rate with a Hann-windowed sinc (16 zero
// crossings each side), low-passed at min(1, ratio) of the input Nyquist so nothing
// aliases. Speed perturbation by s plays the clip s times faster: ratio / s.
Audio resample(const Audio& in, double ratio);

// Drops leading and trailing samples whose 10 ms RMS is below `threshold_db` of the
// clip's loudest 10 ms (an empty clip stays empty).
Audio trim_silence(const Audio& in, int sample_rate, double threshold_db = -40.0);

// A `length`-sample window holding the clip from sample `offset` on, zeros elsewhere; a
// clip longer than the window keeps its middle `length` samples (offset ignored).
Audio place_in_window(const Audio& clip, long length, long offset);

// Mean square over the samples of the clip.
double power(const Audio& x);

// Adds white (pink = false) or pink (1/f, Voss-McCartney of 16 rows) noise scaled so
// that power(speech) / power(noise) = 10^(snr_db / 10); `speech_power` is measured on the
// speech itself before it was placed in silence. Draws from `stream`, sub-stream `sub`.
void add_noise(Audio& x, double speech_power, double snr_db, bool pink, const RandomStream& stream, uint64_t sub);

}  // namespace manet::media
