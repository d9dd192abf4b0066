// Your own data end to end through the real binary: a folder of images, a folder of sound
// files and a TSV of texts, written here, are prepared (`manet prepare images|audio|text`),
// trained for a few steps, and the raw files predicted (`manet predict`) from the
// checkpoint alone. Each prediction must be eval's argmax on the prepared file (--logits),
// with the softmax of eval's logits as its probability; bad files are named and skipped.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "app/cli_harness.hpp"
#include "io/hdf5_file.hpp"
#include "media/media_writers.hpp"

namespace manet::testing {
namespace {

namespace fs = std::filesystem;

// Trains `steps` steps of a small model on `train_h5`; returns the final checkpoint.
std::string train_small(const std::string& dir, const std::string& model_yaml, const std::string& train_h5, int steps) {
  const std::string config = dir + "/config.yaml";
  write_file(config, "seed: 3\nmodel:\n" + model_yaml + "data:\n  train: {format: hdf5, path: " + train_h5 +
                         "}\ntrain: {batch_size: 4, max_steps: " + std::to_string(steps) +
                         ", log_every_steps: 100}\noptimizer: {type: adamw, lr: 0.01}\ncheckpoint: {dir: " + dir +
                         "/ck, resume: never}\n");
  const CommandResult t = run_command(manet_binary() + " train --config " + config);
  EXPECT_EQ(t.exit_code, 0) << t.output;
  char name[32];
  std::snprintf(name, sizeof name, "/ck/step-%08d.h5", steps);
  return dir + name;
}

struct EvalRows {
  std::vector<int> argmax;
  std::vector<std::vector<double>> softmax;
};

// eval --logits on `data` (with `flags`): each sample's argmax and softmax, computed here.
EvalRows eval_rows(const std::string& ckpt, const std::string& data, const std::string& dir,
                   const std::string& flags = "") {
  const std::string logits = dir + "/logits.h5";
  const CommandResult e = run_command(manet_binary() + " eval --checkpoint " + ckpt + " --data " + data +
                                      " --batch 7 --logits " + logits + flags);
  EXPECT_EQ(e.exit_code, 0) << e.output;
  const h5::File f = h5::File::open_read(logits);
  const auto dims = f.shape("/logits");
  const std::vector<float> z = f.read_float("/logits");
  EvalRows r;
  const std::size_t N = dims[0], K = dims[1];
  for (std::size_t n = 0; n < N; ++n) {
    const float* row = z.data() + n * K;
    r.argmax.push_back(int(std::max_element(row, row + K) - row));
    std::vector<double> p(K);
    double sum = 0;
    for (std::size_t k = 0; k < K; ++k) sum += p[k] = std::exp(double(row[k]) - double(row[r.argmax.back()]));
    for (double& v : p) v /= sum;
    r.softmax.push_back(p);
  }
  return r;
}

// predict's JSON lines (errors left out) against eval's rows, in order.
void expect_predictions_match_eval(const std::vector<nlohmann::json>& lines, const EvalRows& eval,
                                   const std::vector<std::string>& classes) {
  std::vector<nlohmann::json> predicted;
  for (const auto& j : lines)
    if (!j.contains("error")) predicted.push_back(j);
  ASSERT_EQ(predicted.size(), eval.argmax.size());
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    const int k = eval.argmax[i];
    EXPECT_EQ(predicted[i]["label"], classes[std::size_t(k)]) << predicted[i].dump();
    EXPECT_NEAR(predicted[i]["probability"].get<double>(), eval.softmax[i][std::size_t(k)], 1e-5);
    EXPECT_EQ(predicted[i]["top"][0]["label"], predicted[i]["label"]);
  }
}

std::vector<hsize_t> x_shape(const std::string& h5) { return h5::File::open_read(h5).shape("/x"); }

// ---------------------------------------------------------------- images

// Three classes of 7 images each, in every PNG kind and JPEG, two sizes; a broken file
// and a note that is not an image.
std::string image_folder(const std::string& root) {
  const std::string dir = root + "/pictures";
  const char* classes[] = {"bright", "dark", "stripes"};
  for (int k = 0; k < 3; ++k) {
    const std::string c = dir + "/" + classes[k];
    fs::create_directories(c);
    auto value = [&](int y, int x, int ch, int max) {
      const double v = k == 0 ? 0.8 + 0.1 * ((x + ch) % 2) : k == 1 ? 0.1 + 0.05 * ((y + ch) % 3) : (y % 2 ? 0.9 : 0.1);
      return int(std::lround(v * max));
    };
    auto samples = [&](int h, int w, int channels, int max) {
      std::vector<int> s;
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          for (int ch = 0; ch < channels; ++ch) s.push_back(ch == 3 ? max : value(y, x, ch, max));
      return s;
    };
    write_png(c + "/a_grey8.png", 12, 10, PNG_COLOR_TYPE_GRAY, 8, samples(12, 10, 1, 255));
    write_png(c + "/b_grey16.png", 16, 16, PNG_COLOR_TYPE_GRAY, 16, samples(16, 16, 1, 65535));
    write_png(c + "/c_rgb8.png", 12, 10, PNG_COLOR_TYPE_RGB, 8, samples(12, 10, 3, 255));
    write_png(c + "/d_rgba16.png", 16, 16, PNG_COLOR_TYPE_RGB_ALPHA, 16, samples(16, 16, 4, 65535));
    std::vector<png_color> palette;
    for (int i = 0; i < 16; ++i) palette.push_back({png_byte(i * 17), png_byte(255 - i * 17), png_byte(i * 8)});
    write_png(c + "/e_palette.png", 12, 10, PNG_COLOR_TYPE_PALETTE, 4, samples(12, 10, 1, 15), palette);
    write_jpeg(c + "/f_colour.jpg", 16, 16, 3, samples(16, 16, 3, 255));
    write_jpeg(c + "/g_grey.JPEG", 12, 10, 1, samples(12, 10, 1, 255));
  }
  write_file(dir + "/bright/broken.png", "not really a picture");
  write_file(dir + "/dark/notes.txt", "ignored: not an image extension");
  return dir;
}

TEST(OwnData, ImagesPreparedTrainedAndPredictedFromTheCheckpointAlone) {
  const std::string root = fresh_dir("own_images"), pictures = image_folder(root);
  const std::string out = root + "/data";
  // Two sizes and no --size: refused, naming two files and the way out.
  const CommandResult sizes = run_command(manet_binary() + " prepare images --from " + pictures + " --out " + out);
  EXPECT_EQ(sizes.exit_code, 2) << sizes.output;
  EXPECT_NE(sizes.output.find("give --size HxW"), std::string::npos) << sizes.output;
  // --strict: the broken file is named and the run refused, nothing written.
  const CommandResult strict =
      run_command(manet_binary() + " prepare images --from " + pictures + " --out " + out + " --size 8x8 --strict");
  EXPECT_EQ(strict.exit_code, 2) << strict.output;
  EXPECT_NE(strict.output.find(pictures + "/bright/broken.png: not a PNG or JPEG file"), std::string::npos) << strict.output;
  EXPECT_FALSE(fs::exists(out + "/train.h5"));

  const CommandResult p = run_command(manet_binary() + " prepare images --from " + pictures + " --out " + out + " --size 8x8");
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_NE(p.output.find("skipping " + pictures + "/bright/broken.png: not a PNG or JPEG file"), std::string::npos)
      << p.output;
  EXPECT_NE(p.output.find("21 of 22 files in 3 classes"), std::string::npos) << p.output;
  EXPECT_NE(p.output.find("1 other files ignored"), std::string::npos) << p.output;
  EXPECT_NE(p.output.find("8x8, 3 channels"), std::string::npos) << "colour files present: 3 channels\n" << p.output;
  EXPECT_EQ(x_shape(out + "/train.h5"), (std::vector<hsize_t>{21, 3, 8, 8}));
  const CommandResult again = run_command(manet_binary() + " prepare images --from " + pictures + " --out " + out + " --size 8x8");
  EXPECT_NE(again.output.find("up to date"), std::string::npos) << again.output;

  const std::string ckpt = train_small(root, "  input: image\n  in_channels: 3\n  blocks: [{conv: {channels: 4, kernel: 3}}]\n"
                                             "  num_classes: 3\n", out + "/train.h5", 4);
  const EvalRows eval = eval_rows(ckpt, out + "/train.h5", root);
  const EvalRows mirrored = eval_rows(ckpt, out + "/train.h5", root, " --hflip");
  fs::remove_all(out);  // predict needs the checkpoint only
  // The folder, sorted by path, is the prepared file's order; a sound file among them is
  // the wrong kind: named, the rest still predicted, exit 2.
  std::ofstream(root + "/tone.wav") << "RIFF";
  const CommandResult r = run_command(manet_binary() + " predict --json --top 2 --checkpoint " + ckpt + " " + pictures +
                                      " " + root + "/tone.wav");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("manet: cannot predict " + pictures + "/bright/broken.png: not a PNG or JPEG file"),
            std::string::npos) << r.output;
  EXPECT_NE(r.output.find("manet: cannot predict " + root + "/tone.wav: not a PNG or JPEG file"), std::string::npos);
  EXPECT_NE(r.output.find("2 of 23 inputs could not be predicted"), std::string::npos) << r.output;
  const auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 23u) << r.output;
  EXPECT_EQ(lines[0]["input"], pictures + "/bright/a_grey8.png");
  EXPECT_EQ(lines[1]["input"], pictures + "/bright/b_grey16.png");
  EXPECT_EQ(lines[2]["error"].get<std::string>().rfind(pictures + "/bright/broken.png: ", 0), 0u);
  EXPECT_EQ(lines[3]["top"].size(), 2u);
  expect_predictions_match_eval(lines, eval, {"bright", "dark", "stripes"});
  // --hflip: each image and its mirror image, as eval --hflip has them.
  const CommandResult m = run_command(manet_binary() + " predict --json --hflip --checkpoint " + ckpt + " " + pictures);
  EXPECT_EQ(m.exit_code, 2) << m.output;  // the broken file
  expect_predictions_match_eval(json_lines(m.output), mirrored, {"bright", "dark", "stripes"});
  double changed = 0;
  for (std::size_t i = 0; i < eval.softmax.size(); ++i)
    for (std::size_t k = 0; k < 3; ++k) changed = std::max(changed, std::fabs(eval.softmax[i][k] - mirrored.softmax[i][k]));
  EXPECT_GT(changed, 1e-4) << "mirroring changed no probability: the comparison above shows nothing";
  // The table: one row per input, the label first.
  const CommandResult table = run_command(manet_binary() + " predict --checkpoint " + ckpt + " " + pictures + "/dark/a_grey8.png");
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_TRUE(std::regex_search(table.output, std::regex("\\n(bright|dark|stripes) +[01]\\.\\d{4} +" + pictures +
                                                         "/dark/a_grey8.png\\n")))
      << table.output;
}

TEST(OwnData, ImageSplitsAreStratifiedAndEmptyClassesRefused) {
  const std::string root = fresh_dir("own_split"), pictures = image_folder(root);
  // 7 readable images per class (the broken one skipped in "bright"): test and val take
  // max(1, round(7 x 0.3)) = 2 of each class, train the other 3.
  const CommandResult p = run_command(manet_binary() + " prepare images --from " + pictures + " --out " + root +
                                      "/data --size 6x5 --channels 1 --val-fraction 0.3 --test-fraction 0.3 --seed 9");
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_TRUE(std::regex_search(p.output, std::regex("\\nbright +3 +2 +2\\n"))) << p.output;
  EXPECT_TRUE(std::regex_search(p.output, std::regex("\\ntotal +9 +6 +6\\n"))) << p.output;
  EXPECT_EQ(x_shape(root + "/data/train.h5"), (std::vector<hsize_t>{9, 1, 6, 5}));
  EXPECT_EQ(x_shape(root + "/data/val.h5"), (std::vector<hsize_t>{6, 1, 6, 5}));
  EXPECT_EQ(x_shape(root + "/data/test.h5"), (std::vector<hsize_t>{6, 1, 6, 5}));
  // Too few for the split, and an empty class: each named.
  const CommandResult few = run_command(manet_binary() + " prepare images --from " + pictures + " --out " + root +
                                        "/few --size 6x5 --val-fraction 0.45 --test-fraction 0.5");
  EXPECT_EQ(few.exit_code, 2) << few.output;
  EXPECT_NE(few.output.find("class 'bright' has 7 sample(s): too few for --val-fraction 0.45"), std::string::npos)
      << few.output;
  fs::create_directories(pictures + "/empty");
  const CommandResult empty = run_command(manet_binary() + " prepare images --from " + pictures + " --out " + root +
                                          "/empty --size 6x5");
  EXPECT_EQ(empty.exit_code, 2) << empty.output;
  EXPECT_NE(empty.output.find("class 'empty' (" + pictures + "/empty) holds no image files"), std::string::npos)
      << empty.output;
}

// --like: more data for a model you have, with its size, channels, normalisation and
// class list; a class it does not know is refused by name.
TEST(OwnData, LikeTakesTheCheckpointsPreprocessing) {
  const std::string root = fresh_dir("own_like"), pictures = image_folder(root);
  ASSERT_EQ(run_command(manet_binary() + " prepare images --from " + pictures + " --out " + root + "/a --size 8x8").exit_code, 0);
  fs::remove_all(pictures + "/bright");
  const CommandResult like = run_command(manet_binary() + " prepare images --from " + pictures + " --out " + root +
                                         "/b --like " + root + "/a/train.h5");
  ASSERT_EQ(like.exit_code, 0) << like.output;
  const h5::File a = h5::File::open_read(root + "/a/train.h5"), b = h5::File::open_read(root + "/b/train.h5");
  EXPECT_EQ(a.read_double("/preprocess/mean"), b.read_double("/preprocess/mean"));
  EXPECT_EQ(a.read_string("/preprocess/classes"), b.read_string("/preprocess/classes"));
  const std::vector<int64_t> y = b.read_int64("/y");
  EXPECT_EQ(*std::min_element(y.begin(), y.end()), 1) << "dark keeps label 1 of bright, dark, stripes";
  fs::create_directories(pictures + "/zebra");
  write_png(pictures + "/zebra/z.png", 8, 8, PNG_COLOR_TYPE_GRAY, 8, std::vector<int>(64, 3));
  const CommandResult unknown = run_command(manet_binary() + " prepare images --from " + pictures + " --out " + root +
                                            "/c --like " + root + "/a/train.h5");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("class 'zebra' is not one of the 3 classes of " + root + "/a/train.h5"), std::string::npos)
      << unknown.output;
}

// ---------------------------------------------------------------- audio

TEST(OwnData, SoundFilesOfEveryRateAndWidthPreparedTrainedAndPredicted) {
  const std::string root = fresh_dir("own_audio"), sounds = root + "/sounds";
  struct Kind {
    const char* name;
    int format, rate, channels;
    double seconds;
  } kinds[] = {{"a.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 1, 0.6},
               {"b.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 22050, 2, 1.4},
               {"c.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2, 0.9},
               {"d.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 16000, 1, 1.0},
               {"e.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, 44100, 1, 0.7}};
  const std::map<std::string, double> tones = {{"high", 2500}, {"low", 300}};
  for (const auto& [label, hz] : tones) {
    fs::create_directories(sounds + "/" + label);
    for (const Kind& k : kinds)
      write_sound(sounds + "/" + label + "/" + k.name, k.format, k.rate, k.channels, sine(hz, k.rate, k.seconds, k.channels));
  }
  write_sound(sounds + "/low/blip.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, sine(300, 16000, 0.01));
  write_file(sounds + "/high/words.wav", "not a sound");
  const std::string out = root + "/data";
  const CommandResult p = run_command(manet_binary() + " prepare audio --from " + sounds + " --out " + out);
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_NE(p.output.find("skipping " + sounds + "/low/blip.wav: too short"), std::string::npos) << p.output;
  EXPECT_NE(p.output.find("skipping " + sounds + "/high/words.wav: cannot read as audio"), std::string::npos) << p.output;
  EXPECT_NE(p.output.find("10 of 12 files in 2 classes"), std::string::npos) << p.output;
  EXPECT_NE(p.output.find("8 resampled to 16000 Hz, 4 mixed down to mono, 2 longer than the 1 s window"), std::string::npos)
      << p.output;
  EXPECT_EQ(x_shape(out + "/train.h5"), (std::vector<hsize_t>{10, 1, 40, 98}));

  const std::string ckpt =
      train_small(root, "  input: image\n  in_channels: 1\n  blocks: [{conv: {channels: 4, kernel: 3}}, {pool_attention: {pool: max, size: 4, heads: 1}}]\n"
                        "  num_classes: 2\n", out + "/train.h5", 3);
  const EvalRows eval = eval_rows(ckpt, out + "/train.h5", root);
  fs::remove_all(out);
  const CommandResult r = run_command(manet_binary() + " predict --json --checkpoint " + ckpt + " " + sounds);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("manet: cannot predict " + sounds + "/low/blip.wav: too short"), std::string::npos) << r.output;
  expect_predictions_match_eval(json_lines(r.output), eval, {"high", "low"});
}

// ---------------------------------------------------------------- text

TEST(OwnData, TsvTextsPreparedTrainedAndPredictedFromStandardInput) {
  const std::string root = fresh_dir("own_text");
  const std::map<std::string, std::vector<std::string>> words = {
      {"food", {"bread", "cheese", "soup", "apple", "rice"}},
      {"sport", {"match", "goal", "team", "race", "ball"}},
      {"weather", {"rain", "snow", "wind", "storm", "sun"}}};
  std::string tsv, texts;
  int line = 0;
  for (int i = 0; i < 8; ++i)
    for (const auto& [label, w] : words) {
      const std::string text = "the " + w[std::size_t(i) % 5] + " and \"the\" " + w[std::size_t(i + 2) % 5] + ", today";
      tsv += label + "\t" + text + "\n";
      texts += text + "\n";
      ++line;
    }
  tsv += "a line without a tab\n";  // line 25
  tsv += "sport\t   \n";              // line 26: empty text
  write_file(root + "/texts.tsv", tsv);
  write_file(root + "/texts.txt", texts);
  const std::string out = root + "/data";
  const CommandResult p = run_command(manet_binary() + " prepare text --from " + root + "/texts.tsv --out " + out +
                                      " --min-count 1 --seq-len 12");
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_NE(p.output.find("skipping " + root + "/texts.tsv:25: no tab between the label and the text"), std::string::npos)
      << p.output;
  EXPECT_NE(p.output.find("skipping " + root + "/texts.tsv:26: empty text"), std::string::npos) << p.output;
  // Tokens: the, and, ", ",", today, 15 words; with <pad>, <unk>: 22 ids.
  EXPECT_NE(p.output.find("model.vocab_size: 22"), std::string::npos) << p.output;
  EXPECT_EQ(x_shape(out + "/train.h5"), (std::vector<hsize_t>{24, 12}));

  const std::string ckpt = train_small(root, "  input: tokens\n  vocab_size: 22\n  embed_dim: 8\n  seq_len: 12\n"
                                             "  blocks: [{conv_attention: {channels: 8, kernel: [1, 3], heads: 2}}]\n"
                                             "  num_classes: 3\n", out + "/train.h5", 4);
  const EvalRows eval = eval_rows(ckpt, out + "/train.h5", root);
  fs::remove_all(out);
  const CommandResult r = run_command(manet_binary() + " predict --json --checkpoint " + ckpt + " - < " + root + "/texts.txt");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto lines = json_lines(r.output);
  expect_predictions_match_eval(lines, eval, {"food", "sport", "weather"});
  EXPECT_EQ(lines[0]["input"], "the bread and \"the\" soup, today") << "the text itself, quotes escaped by the JSON writer";
  // An empty text and a text given to an image model are named; the others predicted.
  const CommandResult bad = run_command(manet_binary() + " predict --checkpoint " + ckpt + " --text 'rain and snow' --text ' '");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("manet: cannot predict --text: empty text"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("rain and snow\n"), std::string::npos) << bad.output;
  const CommandResult flip = run_command(manet_binary() + " predict --hflip --checkpoint " + ckpt + " --text 'rain'");
  EXPECT_EQ(flip.exit_code, 2) << flip.output;
  EXPECT_NE(flip.output.find("--hflip mirrors images; the model of " + ckpt + " reads tokens"), std::string::npos)
      << flip.output;
}

TEST(OwnData, TextFoldersOfOneFilePerSample) {
  const std::string root = fresh_dir("own_text_folders"), dir = root + "/texts";
  for (const char* c : {"neg", "pos"}) {
    fs::create_directories(dir + "/" + c);
    for (int i = 0; i < 5; ++i)
      write_file(dir + "/" + c + "/" + std::to_string(i) + ".txt", std::string(c) == "pos" ? "good fine great\nnice" : "bad awful\n");
  }
  write_file(dir + "/pos/blank.txt", "  \n ");
  const CommandResult p = run_command(manet_binary() + " prepare text --from " + dir + " --out " + root +
                                      "/data --test-fraction 0.2 --min-count 1");
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_NE(p.output.find("skipping " + dir + "/pos/blank.txt: empty text"), std::string::npos) << p.output;
  EXPECT_TRUE(std::regex_search(p.output, std::regex("\\nneg +4 +0 +1\\n"))) << p.output;
  EXPECT_EQ(x_shape(root + "/data/test.h5"), (std::vector<hsize_t>{2, 64}));
}

// ---------------------------------------------------------------- old checkpoints

// A checkpoint trained on a file that says nothing about its preprocessing (as every
// checkpoint before /preprocess existed): eval works, predict says what is missing.
TEST(OwnData, PredictSaysWhatACheckpointWithoutPreprocessLacks) {
  const std::string root = fresh_dir("own_old");
  {
    h5::File f = h5::File::create(root + "/plain.h5");
    std::vector<float> x(8 * 1 * 4 * 4);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i % 7) / 7;
    const std::vector<int64_t> y = {0, 1, 0, 1, 0, 1, 0, 1};
    f.write("/x", x.data(), {8, 1, 4, 4}, false);
    f.write("/y", y.data(), {8}, false);
  }
  const std::string ckpt = train_small(root, "  input: image\n  blocks: [{conv: {channels: 2, kernel: 3}}]\n  num_classes: 2\n",
                                       root + "/plain.h5", 1);
  EXPECT_FALSE(h5::File::open_read(ckpt).exists("/preprocess"));
  EXPECT_EQ(run_command(manet_binary() + " eval --checkpoint " + ckpt + " --data " + root + "/plain.h5").exit_code, 0);
  write_png(root + "/x.png", 4, 4, PNG_COLOR_TYPE_GRAY, 8, std::vector<int>(16, 9));
  const CommandResult r = run_command(manet_binary() + " predict --checkpoint " + ckpt + " " + root + "/x.png");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(ckpt + " has no /preprocess: it was written by an older manet, which did not store the class "
                                 "names and how inputs become the model's"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace manet::testing
