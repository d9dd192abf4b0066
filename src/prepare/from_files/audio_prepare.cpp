// `manet prepare audio`: sound files in class folders -> log-mel feature maps.
#include <chrono>
#include <cstdio>

#include "core/error.hpp"
#include "data/hdf5_dataset.hpp"
#include "media/audio_file.hpp"
#include "media/speech_features.hpp"
#include "prepare/from_files/class_folders.hpp"
#include "prepare/from_files/prepare_from_files.hpp"
#include "prepare/from_files/split_files.hpp"

namespace manet::prepare {

namespace {

// Bump when reading, resampling or the features change: old files are then rebuilt.
constexpr const char* kAudioRecipeVersion = "audio-v1";

const std::vector<std::string> kAudioExtensions = {".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".au"};

}  // namespace

void prepare_audio(const PrepareOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  check(!o.from.empty(), "manet prepare audio needs --from DIR (one sub-folder of sound files per class)", ErrorKind::usage);
  Preprocess like;
  if (!o.like.empty()) {
    like = read_preprocess_of(o.like);
    check(like.input == "audio", o.like + " is not an audio model or data set (" + like.describe() + ")", ErrorKind::usage);
    check(o.seconds == 0, "--like takes the window from " + o.like + ": leave out --seconds", ErrorKind::usage);
  }
  media::SpeechFeatureConfig config = like.empty() ? media::SpeechFeatureConfig{} : like.audio;
  if (o.seconds > 0) config.seconds = o.seconds;
  const media::LogMel mel(config.mel);
  check(config.frames() > 0, "--seconds is shorter than one analysis window", ErrorKind::usage);

  const ClassFolders folders = list_class_folders(o.from, kAudioExtensions, "sound");
  char listing[16];
  std::snprintf(listing, sizeof listing, "0x%08x", folders.listing_hash);
  char window[32];
  std::snprintf(window, sizeof window, "%g", config.seconds);
  const std::string recipe = std::string("manet prepare audio ") + kAudioRecipeVersion + " | from " + o.from + ": " +
                             std::to_string(folders.files.size()) + " files, listing " + listing + " | seconds " +
                             window + (o.like.empty() ? "" : " | like " + o.like) + split_recipe(o);
  if (!o.force && up_to_date(split_paths(o), recipe)) {
    std::printf("audio: up to date in %s (--force rebuilds)\n", o.out_dir.c_str());
    return;
  }
  const std::vector<int> folder_label = like.empty() ? std::vector<int>{} : labels_in(folders.classes, like.classes, o.like);
  const std::vector<std::string>& classes = like.empty() ? folders.classes : like.classes;

  Dataset all;
  all.name = o.from;
  all.sample_shape = MapShape{1, config.mel.bands, config.frames()};
  BadFiles bad(o.strict);
  std::vector<long> per_folder(folders.classes.size(), 0);
  long resampled = 0, multichannel = 0, cut = 0;
  for (const LabelledFile& f : folders.files) try {
      media::AudioClip clip;
      const std::vector<float> x = media::file_speech_features(f.path, mel, config, &clip);
      resampled += clip.sample_rate != config.mel.sample_rate;
      multichannel += clip.channels > 1;
      cut += double(clip.mono.size()) / clip.sample_rate > config.seconds;
      all.images.insert(all.images.end(), x.begin(), x.end());
      all.labels.push_back(like.empty() ? f.label : folder_label[std::size_t(f.label)]);
      ++per_folder[std::size_t(f.label)];
    } catch (const Error& e) {
      bad.add(f.path, e.what());
    }
  bad.finish();
  require_every_class_read(folders, per_folder, "sound file");
  const SplitIndices split = stratified_split(all.labels, classes, o.val_fraction, o.test_fraction, o.seed);
  all.preprocess.input = "audio";
  all.preprocess.source = o.from;
  all.preprocess.classes = classes;
  all.preprocess.audio = config;

  std::printf("audio: %ld of %zu files in %zu classes from %s", all.size(), folders.files.size(), folders.classes.size(),
              o.from.c_str());
  if (bad.count()) std::printf(" (%ld skipped, named above)", bad.count());
  if (folders.ignored)
    std::printf("; %ld other files ignored (not a sound file extension or outside class folders, e.g. %s)",
                folders.ignored, folders.first_ignored.c_str());
  std::printf("\n-> %ld resampled to %d Hz, %ld mixed down to mono, %ld longer than the %s s window (its middle "
              "kept); features %dx%d (log-mel bands x frames)\n",
              resampled, config.mel.sample_rate, multichannel, cut, window, config.mel.bands, config.frames());
  write_splits(o, all, split, recipe, {{"classes", join_lines(classes)}, {"features", all.preprocess.describe()}});
  std::printf("audio: done in %.1fs\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace manet::prepare
