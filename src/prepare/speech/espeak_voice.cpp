#include "prepare/speech/espeak_voice.hpp"

#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/error.hpp"
#include "prepare/fnv1a.hpp"

namespace manet::prepare {

namespace {

constexpr const char* kInstall = "install it with `apt-get install espeak-ng libespeak-ng-dev`";
constexpr int kVolume = 40;  // of 0-200, default 100

int collect(short* wav, int samples, espeak_EVENT* events) {
  if (wav && samples > 0 && events) {
    auto* out = static_cast<Audio*>(events->user_data);
    for (int i = 0; i < samples; ++i) out->push_back(float(wav[i]) / 32768.0f);
  }
  return 0;
}

}  // namespace

const std::vector<std::string>& espeak_accents() {
  static const std::vector<std::string> accents = {"en-us",         "en",         "en-gb-scotland", "en-gb-x-gbclan",
                                                   "en-gb-x-rp",    "en-gb-x-gbcwmd", "en-029",     "en-us-nyc"};
  return accents;
}

const std::string& espeak_data_dir() {
  // Where the library itself looks (ESPEAK_DATA_PATH, ~/espeak-ng-data, else the directory
  // it was built with: /usr/lib/<multiarch triplet>/espeak-ng-data on Debian).
  static const std::string dir = [] {
    espeak_ng_InitializePath(nullptr);
    const char* path = nullptr;
    espeak_Info(&path);
    return std::string(path ? path : "");
  }();
  return dir;
}

std::vector<std::string> espeak_variants() {
  const std::filesystem::path dir = std::filesystem::path(espeak_data_dir()) / "voices" / "!v";
  std::error_code ec;
  std::vector<std::string> names = {"none"};
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
  if (ec || names.size() == 1) throw Error("no espeak-ng voice variants in " + dir.string() + ": " + kInstall, ErrorKind::usage);
  std::sort(names.begin(), names.end());
  return names;
}

std::string espeak_version() {
  const char* data = nullptr;
  const char* version = espeak_Info(&data);
  return std::string(version ? version : "?") + (data && *data ? std::string(" (data: ") + data + ")" : std::string());
}

bool is_heldout_variant(const std::string& variant) { return fnv1a32(variant) % 5 == 0; }

EspeakSynth& EspeakSynth::instance() {
  static EspeakSynth synth;  // never terminated: a second espeak_Initialize would hang
  return synth;
}

EspeakSynth::EspeakSynth() {
  sample_rate_ = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nullptr, espeakINITIALIZE_DONT_EXIT);
  if (sample_rate_ <= 0)
    throw Error("espeak-ng failed to start (its data is in " + espeak_data_dir() + "): " + kInstall, ErrorKind::usage);
  espeak_SetSynthCallback(collect);
}

Audio EspeakSynth::say(const std::string& text, const EspeakVoice& v) {
  const std::string name = v.variant == "none" ? v.accent : v.accent + "+" + v.variant;
  if (espeak_SetVoiceByName(name.c_str()) != EE_OK)
    throw Error("espeak-ng has no voice '" + name + "' (" + kInstall + ")", ErrorKind::usage);
  espeak_SetParameter(espeakRATE, v.rate, 0);
  espeak_SetParameter(espeakPITCH, v.pitch, 0);
  // Well below full scale: the generator's automatic gain control only acts on clipping
  // and would carry a changed gain into later clips, making them depend on history.
  espeak_SetParameter(espeakVOLUME, kVolume, 0);
  Audio out;
  std::srand(v.noise_seed);  // espeak-ng's breath and Klatt noise call rand()
  const espeak_ERROR e = espeak_Synth(text.c_str(), text.size() + 1, 0, POS_CHARACTER, 0, espeakCHARS_AUTO, nullptr, &out);
  if (e != EE_OK) throw Error("espeak-ng could not synthesise '" + text + "' with voice " + name);
  espeak_Synchronize();
  return out;
}

}  // namespace manet::prepare
