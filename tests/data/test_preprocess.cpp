// The preprocess record (/preprocess): written and read back whole, refused by name when
// incomplete, found in the files of `manet prepare wn26|fort14|digits` that predate it,
// synthesised for Fashion-MNIST, and carried by checkpoints (old ones still load).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <unistd.h>

#include "checkpoint/checkpoint.hpp"
#include "core/error.hpp"
#include "data/fashion_mnist.hpp"
#include "data/hdf5_dataset.hpp"
#include "data/preprocess.hpp"
#include "data/tokenizer.hpp"
#include "io/hdf5_file.hpp"
#include "model/manet_model.hpp"
#include "model/tiny_models.hpp"

namespace manet {
namespace {

std::string temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("manet_preprocess_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

Preprocess image_record() {
  Preprocess p;
  p.input = "image";
  p.classes = {"cat", "dog", "T-shirt/top"};
  p.image = {6, 5, 3, {0.1, 0.2, 0.3}, {0.5, 0.25, 0.125}};
  return p;
}

Preprocess audio_record() {
  Preprocess p;
  p.input = "audio";
  p.classes = {"yes", "no"};
  p.audio.seconds = 1.5, p.audio.mel.bands = 32, p.audio.dynamic_range = 8;
  return p;
}

Preprocess text_record() {
  Preprocess p;
  p.input = "text";
  p.classes = {"a", "b"};
  p.text = {Vocabulary::build({"the cat sat", "the dog ran"}, 1).serialize(), 12, 1, 0};
  return p;
}

Preprocess round_trip(const Preprocess& p) {
  const std::string path = temp_path("record.h5");
  {
    h5::File f = h5::File::create(path);
    write_preprocess(f, kPreprocessGroup, p);
  }
  return read_preprocess(h5::File::open_read(path), kPreprocessGroup);
}

TEST(Preprocess, EveryKindReadsBackAsWritten) {
  for (const Preprocess& p : {image_record(), audio_record(), text_record()}) EXPECT_EQ(round_trip(p), p) << p.describe();
}

// The defaults are the features of `prepare digits` (docs/datasets.md): 16 kHz, 1 s, 400 /
// 160 / 512, 40 bands 20-8000 Hz, floor 1e-6, 10 below the maximum -> 98 frames.
TEST(Preprocess, DefaultAudioIsTheDigitsRecipe) {
  const media::SpeechFeatureConfig a;
  EXPECT_EQ(a.mel.sample_rate, 16000);
  EXPECT_EQ(a.window_samples(), 16000);
  EXPECT_EQ(a.mel.window, 400);
  EXPECT_EQ(a.mel.hop, 160);
  EXPECT_EQ(a.mel.fft, 512);
  EXPECT_EQ(a.mel.bands, 40);
  EXPECT_EQ(a.mel.f_min, 20);
  EXPECT_EQ(a.mel.f_max, 8000);
  EXPECT_EQ(a.mel.floor, 1e-6);
  EXPECT_EQ(a.dynamic_range, 10);
  EXPECT_EQ(a.frames(), 1 + (16000 - 400) / 160);
}

std::string error_reading(const std::function<void(h5::File&)>& edit, ErrorKind kind = ErrorKind::usage) {
  const std::string path = temp_path("bad_record.h5");
  {
    h5::File f = h5::File::create(path);
    write_preprocess(f, kPreprocessGroup, image_record());
    edit(f);
  }
  try {
    read_preprocess(h5::File::open_read(path), kPreprocessGroup);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    return e.what();
  }
  return "(accepted)";
}

TEST(Preprocess, IncompleteOrInconsistentRecordsAreRefusedByName) {
  EXPECT_NE(error_reading([](h5::File& f) { f.set_attr("/preprocess", "channels", int64_t(2)); })
                .find("/preprocess@channels"),
            std::string::npos);
  EXPECT_NE(error_reading([](h5::File& f) { f.set_attr("/preprocess", "input", std::string("video")); })
                .find("'video' is not an input kind"),
            std::string::npos);
  EXPECT_NE(error_reading([](h5::File& f) {
              f.set_attr("/preprocess", "channels", int64_t(1));
            }).find("mean and std need one value per channel (1)"),
            std::string::npos);
  // Damage, not a user's mistake: a failure (exit 1), as a corrupt /config is.
  EXPECT_NE(error_reading([](h5::File& f) { f.set_attr("/preprocess/classes", "crc32", int64_t(12345)); },
                          ErrorKind::runtime)
                .find("/preprocess/classes is corrupt"),
            std::string::npos);
  const std::string path = temp_path("no_height.h5");
  {
    h5::File f = h5::File::create(path);
    f.create_group("/preprocess");
    f.set_attr("/preprocess", "input", std::string("image"));
  }
  try {
    read_preprocess(h5::File::open_read(path), kPreprocessGroup);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the attribute height is missing"), std::string::npos) << e.what();
  }
}

// Files of `prepare wn26|fort14` (/vocab, /classes) and `prepare digits` (/features,
// [N, 1, 40, 98]) made before /preprocess existed.
TEST(Preprocess, FilesOfEarlierPrepareRunsGetTheirRecord) {
  // Rare words ending in "rd" (word, sword, lord): the suffix token <unk:rd>, length 2.
  const Vocabulary vocab = Vocabulary::build({"a word", "the words of a text", "a sword and a lord"}, 2, 2);
  ASSERT_EQ(vocab.suffix_len(), 2);
  const std::string text_path = temp_path("wn26_like.h5");
  {
    h5::File f = h5::File::create(text_path);
    const std::vector<int64_t> x = {2, 3, 0, 4, 5, 0}, y = {0, 1};
    f.write("/x", x.data(), {2, 3}, false);
    f.write("/y", y.data(), {2}, false);
    f.write_string("/vocab", vocab.serialize());
    f.write_string("/classes", "noun\nverb\n");
  }
  const Dataset text = load_hdf5_dataset(text_path);
  EXPECT_EQ(text.preprocess.input, "text");
  EXPECT_EQ(text.preprocess.classes, (std::vector<std::string>{"noun", "verb"}));
  EXPECT_EQ(text.preprocess.text.seq_len, 3);
  EXPECT_EQ(text.preprocess.text.vocab, vocab.serialize());
  EXPECT_EQ(text.preprocess.text.oov_suffix, 2);
  EXPECT_EQ(read_preprocess_of(text_path), text.preprocess) << "the same without reading the samples";

  const std::string speech_path = temp_path("digits_like.h5");
  {
    h5::File f = h5::File::create(speech_path);
    const std::vector<float> x(2 * 40 * 98, 0.5f);
    const std::vector<int64_t> y = {3, 7};
    f.write("/x", x.data(), {2, 1, 40, 98}, false);
    f.write("/y", y.data(), {2}, false);
    f.write_string("/features", "log-mel ...");
    f.write_string("/classes", "zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\n");
  }
  const Dataset speech = load_hdf5_dataset(speech_path);
  EXPECT_EQ(speech.preprocess.input, "audio");
  EXPECT_EQ(speech.preprocess.audio, media::SpeechFeatureConfig{});
  EXPECT_EQ(speech.preprocess.classes.size(), 10u);

  const std::string plain_path = temp_path("plain.h5");
  {
    h5::File f = h5::File::create(plain_path);
    const std::vector<float> x(2 * 4, 0.5f);
    const std::vector<int64_t> y = {0, 1};
    f.write("/x", x.data(), {2, 1, 2, 2}, false);
    f.write("/y", y.data(), {2}, false);
  }
  EXPECT_TRUE(load_hdf5_dataset(plain_path).preprocess.empty());
}

TEST(Preprocess, ARecordThatDoesNotFitTheSamplesIsRefused) {
  Dataset d;
  d.sample_shape = {3, 6, 4};  // the record says 6x5
  d.images.assign(2 * 72, 0.0f);
  d.labels = {0, 1};
  d.preprocess = image_record();
  const std::string path = temp_path("misfit.h5");
  save_hdf5_dataset(path, d);
  try {
    load_hdf5_dataset(path);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/preprocess describes image 6x5"), std::string::npos) << e.what();
  }
  d.sample_shape = {3, 6, 5};
  d.images.assign(2 * 90, 0.0f);
  d.labels = {0, 5};  // three class names
  save_hdf5_dataset(path, d);
  try {
    load_hdf5_dataset(path);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("names 3 classes but /y has label 5"), std::string::npos) << e.what();
  }
}

TEST(Preprocess, FashionMnistCarriesItsClassesSizeAndNormalisation) {
  if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "apt-get install dataset-fashion-mnist";
  const Dataset d = load_fashion_mnist("test", kFashionMnistDir, 0.25, 0.5, 10);
  EXPECT_EQ(d.preprocess.input, "image");
  EXPECT_EQ(d.preprocess.classes.front(), "T-shirt/top");
  EXPECT_EQ(d.preprocess.classes.back(), "Ankle boot");
  EXPECT_EQ(d.preprocess.image, (ImagePreprocess{28, 28, 1, {0.25}, {0.5}}));
  // The record describes what the loader computes: (byte / 255 - mean) / std.
  std::vector<float> x(784);
  d.copy_image(0, x.data());
  for (int i = 0; i < 784; ++i) EXPECT_NEAR(x[i], (d.image_bytes[std::size_t(i)] / 255.0 - 0.25) / 0.5, 1e-6);
}

TEST(Preprocess, CheckpointsCarryItAndOldOnesStillLoad) {
  Model<float> model(testing::tiny_image_spec());
  model.init(1);
  CheckpointContents c;
  c.config_yaml = "seed: 1\n";
  c.params.assign(model.values(), model.values() + model.num_params());
  const std::string with = temp_path("with.h5"), without = temp_path("without.h5");
  save_checkpoint(without, c, model.params());
  c.preprocess = text_record();
  save_checkpoint(with, c, model.params());
  EXPECT_EQ(load_checkpoint(with, model.params()).preprocess, text_record());
  EXPECT_EQ(read_preprocess_of(with).classes, text_record().classes);
  EXPECT_TRUE(load_checkpoint(without, model.params()).preprocess.empty());
  try {
    read_preprocess_of(without);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is a checkpoint without /preprocess"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace manet
