#include "media/audio_file.hpp"

#include <sndfile.h>

#include <vector>

#include "core/error.hpp"

namespace manet::media {

AudioClip read_audio(const std::string& path) {
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  if (!file) throw Error(path + ": cannot read as audio: " + sf_strerror(nullptr), ErrorKind::usage);
  struct Closer {
    SNDFILE* f;
    ~Closer() { sf_close(f); }
  } closer{file};
  const auto bad = [&](const std::string& why) { return Error(path + ": " + why, ErrorKind::usage); };
  if (info.channels < 1 || info.samplerate < 1) throw bad("no channels or no sample rate in the header");
  if (info.frames <= 0) throw bad("holds no samples");
  if (double(info.frames) > kMaxAudioSeconds * info.samplerate)
    throw bad("longer than an hour (" + std::to_string(info.frames / info.samplerate) + " s)");
  AudioClip clip;
  clip.sample_rate = info.samplerate, clip.channels = info.channels;
  std::vector<float> interleaved(std::size_t(info.frames) * std::size_t(info.channels));
  const sf_count_t got = sf_readf_float(file, interleaved.data(), info.frames);
  if (sf_error(file) != SF_ERR_NO_ERROR) throw bad(std::string("cannot decode: ") + sf_strerror(file));
  if (got <= 0) throw bad("holds no samples");
  clip.mono.resize(std::size_t(got));
  const int C = info.channels;
  for (sf_count_t i = 0; i < got; ++i) {
    if (C == 1) {
      clip.mono[std::size_t(i)] = interleaved[std::size_t(i)];
      continue;
    }
    double sum = 0;
    for (int c = 0; c < C; ++c) sum += interleaved[std::size_t(i) * C + c];
    clip.mono[std::size_t(i)] = float(sum / C);
  }
  return clip;
}

}  // namespace manet::media
