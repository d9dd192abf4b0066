#pragma once
// Reading audio files with libsndfile: WAV (8/16/24/32-bit PCM, float), FLAC, Ogg Vorbis,
// AIFF and the other formats it knows, at any sample rate, mono or multi-channel. The
// format is told by the file's content.
#include <string>

#include "media/audio.hpp"

namespace manet::media {

struct AudioClip {
  int sample_rate = 0;
  int channels = 0;  // in the file; `mono` is their mean
  Audio mono;        // in [-1, 1]: integer samples / 2^(bits-1), as libsndfile scales them
};

// The longest clip accepted: one hour.
constexpr double kMaxAudioSeconds = 3600.0;

// Throws a usage Error "PATH: reason" for a file that is missing, not audio libsndfile
// knows, damaged, without samples or longer than kMaxAudioSeconds.
AudioClip read_audio(const std::string& path);

}  // namespace manet::media
