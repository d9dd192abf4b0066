#pragma once
// Test B of SynthDigits-10: the 600 flite clips of docs/datasets.md (voices kal16, awb,
// rms, slt x 10 digits x duration_stretch {0.8, 0.9, 1.0, 1.1, 1.25} x f0 offset
// {-20, 0, +25} Hz from the voice's base pitch), made by the flite and sox command lines
// and cached as 16 kHz WAV files: a second run reads the cache.
#include <string>
#include <vector>

#include "media/audio.hpp"

namespace manet::prepare {

using media::Audio;

struct FliteClip {
  std::string voice;
  int digit = 0;
  double stretch = 1.0;
  int f0 = 100;       // int_f0_target_mean, Hz
  std::string file;   // cached 16 kHz trimmed WAV
};

// The 600 clips in a fixed order (voice, digit, stretch, f0), files under `cache_dir`.
std::vector<FliteClip> flite_test_clips(const std::string& cache_dir);

// Makes the missing WAV files (flite, then sox to trim and resample); returns how many
// it made. Throws naming the apt package when flite or sox is missing.
int make_flite_clips(const std::vector<FliteClip>& clips);

// A mono 16-bit PCM WAV as floats in [-1, 1); throws naming the file when it is not one.
Audio read_wav_pcm16(const std::string& path, int expected_rate);

// "flite 2.2 ... | sox v14.4.2": what the recipe of the flite set depends on.
std::string flite_tool_versions();

}  // namespace manet::prepare
