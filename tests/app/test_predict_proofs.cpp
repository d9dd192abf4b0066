// The three proofs that `manet predict` on raw files gives what `manet eval` gives on the
// prepared data (label apps, real binary):
//   - Fashion-MNIST as PNG files in class folders, prepared with `prepare images` and
//     evaluated: the accuracy of `eval --data fashion_mnist:test`; predict on the PNGs:
//     eval's per-image predictions;
//   - Test B of SynthDigits-10 from its WAV files (flite, cached by `prepare digits`):
//     predict's accuracy is eval's on test_flite.h5, file by file;
//   - WN26's test texts on standard input: eval's predictions on test.h5, text by text.
// Each trains its own checkpoint for a few dozen steps (agreement does not need a good
// model, only one that does not answer a single class) and runs on the full sets: 10,000
// PNGs, 600 WAVs, 8,145 texts (about 15, 10 and 3 s on one core).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "app/cli_harness.hpp"
#include "data/fashion_mnist.hpp"
#include "io/hdf5_file.hpp"
#include "media/media_writers.hpp"
#include "prepare/speech/flite_clips.hpp"
#include "prepare/text_corpus.hpp"

namespace manet::testing {
namespace {

namespace fs = std::filesystem;

std::string data_dir(const std::string& name) { return std::string(MANET_TEST_DATA_DIR) + "/" + name; }

std::string train(const std::string& dir, const std::string& yaml, int steps) {
  write_file(dir + "/config.yaml", yaml + "checkpoint: {dir: " + dir + "/ck, resume: never}\n");
  const CommandResult t = run_command(manet_binary() + " train --config " + dir + "/config.yaml --set train.max_steps=" +
                                      std::to_string(steps));
  EXPECT_EQ(t.exit_code, 0) << t.output;
  char name[32];
  std::snprintf(name, sizeof name, "/ck/step-%08d.h5", steps);
  return dir + name;
}

struct Evaluated {
  double accuracy = -1;
  std::vector<int> argmax;  // per sample, in data-set order
};

Evaluated evaluate(const std::string& ckpt, const std::string& data, const std::string& dir) {
  const std::string logits = dir + "/logits.h5";
  const CommandResult e = run_command(manet_binary() + " eval --json --checkpoint " + ckpt + " --data " + data +
                                      " --batch 250 --logits " + logits);
  EXPECT_EQ(e.exit_code, 0) << e.output;
  Evaluated r;
  // eval --json's last line is one JSON object (docs/cli.md).
  r.accuracy = nlohmann::json::parse(e.output.substr(e.output.find_last_of('\n', e.output.size() - 2) + 1))["accuracy"];
  const h5::File f = h5::File::open_read(logits);
  const auto dims = f.shape("/logits");
  const std::vector<float> z = f.read_float("/logits");
  for (std::size_t n = 0; n < dims[0]; ++n) {
    const float* row = z.data() + n * dims[1];
    r.argmax.push_back(int(std::max_element(row, row + dims[1]) - row));
  }
  return r;
}

int distinct(std::vector<int> labels) {
  std::sort(labels.begin(), labels.end());
  return int(std::unique(labels.begin(), labels.end()) - labels.begin());
}

TEST(PredictProof, FashionMnistAsPngFiles) {
  if (!fs::exists(std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "apt-get install dataset-fashion-mnist";
  const long N = 10000;
  const std::string dir = fresh_dir("proof_fmnist"), pngs = dir + "/pngs";
  const Dataset test = load_fashion_mnist("test", kFashionMnistDir, kFashionMnistMean, kFashionMnistStd, N);
  // Class folders whose sorted order is the label order: "0-t-shirt-top", ..., "9-ankle-boot".
  std::vector<std::string> folders;
  for (int k = 0; k < 10; ++k) {
    std::string name = std::to_string(k) + "-" + kFashionMnistClasses[k];
    for (char& c : name) c = c == '/' || c == ' ' ? '-' : char(std::tolower(static_cast<unsigned char>(c)));
    folders.push_back(name);
    fs::create_directories(pngs + "/" + name);
  }
  std::vector<std::pair<std::string, long>> files;  // path -> test index
  for (long i = 0; i < N; ++i) {
    char file[32];
    std::snprintf(file, sizeof file, "/%05ld.png", i);
    const std::string path = pngs + "/" + folders[std::size_t(test.labels[std::size_t(i)])] + file;
    const std::vector<int> pixels(test.image_bytes.begin() + i * 784, test.image_bytes.begin() + (i + 1) * 784);
    write_png(path, 28, 28, PNG_COLOR_TYPE_GRAY, 8, pixels);
    files.emplace_back(path, i);
  }
  std::sort(files.begin(), files.end());  // the prepared file's order, and predict's on the folder

  const CommandResult p = run_command(manet_binary() + " prepare images --from " + pngs + " --out " + dir +
                                      "/prepared --mean 0.2860 --std 0.3530");
  ASSERT_EQ(p.exit_code, 0) << p.output;
  ASSERT_NE(p.output.find("28x28, 1 channel"), std::string::npos) << p.output;

  const std::string ckpt = train(dir,
                                 "seed: 5\nmodel:\n  input: image\n  in_channels: 1\n  blocks:\n"
                                 "    - conv: {channels: 16, kernel: 3}\n    - pool_attention: {pool: max, size: 2, heads: 2}\n"
                                 "    - conv: {channels: 32, kernel: 3}\n    - pool_attention: {pool: max, size: 2, heads: 4}\n"
                                 "  head: {hidden: [64], activation: relu}\n  num_classes: 10\n"
                                 "data:\n  train: {format: fashion_mnist, split: train}\n"
                                 "train: {batch_size: 64, log_every_steps: 1000}\noptimizer: {type: adamw, lr: 0.003}\n",
                                 60);
  const std::string reference = "fashion_mnist:test";
  const Evaluated ref = evaluate(ckpt, reference, dir);
  const Evaluated prepared = evaluate(ckpt, dir + "/prepared/train.h5", dir);
  ASSERT_EQ(prepared.argmax.size(), std::size_t(N));
  EXPECT_EQ(prepared.accuracy, ref.accuracy) << "the PNGs, prepared, score as the IDX files do";
  long same = 0;
  for (std::size_t r = 0; r < files.size(); ++r) same += prepared.argmax[r] == ref.argmax[std::size_t(files[r].second)];
  EXPECT_EQ(same, N) << "per-image predictions of the prepared PNGs and of fashion_mnist:test";

  const CommandResult pr = run_command(manet_binary() + " predict --json --checkpoint " + ckpt + " " + pngs);
  ASSERT_EQ(pr.exit_code, 0) << pr.output.substr(0, 2000);
  const auto lines = json_lines(pr.output);
  ASSERT_EQ(lines.size(), std::size_t(N));
  long agree = 0, correct = 0;
  for (std::size_t r = 0; r < lines.size(); ++r) {
    ASSERT_EQ(lines[r]["input"], files[r].first);
    const int k = prepared.argmax[r];
    agree += lines[r]["label"] == kFashionMnistClasses[k];
    correct += lines[r]["label"] == kFashionMnistClasses[test.labels[std::size_t(files[r].second)]];
  }
  EXPECT_EQ(agree, N) << "predict on the PNGs = eval's argmax, image by image";
  EXPECT_GE(distinct(prepared.argmax), 3) << "a model that answers one class would prove little";
  EXPECT_NEAR(double(correct) / double(N), ref.accuracy, 1e-9);
  std::printf("Fashion-MNIST proof, %ld images: eval fashion_mnist:test %.4f, eval of the prepared PNGs %.4f, predict "
              "on the PNGs %.4f\n",
              N, ref.accuracy, prepared.accuracy, double(correct) / double(N));
}

#ifdef MANET_WITH_SPEECH
TEST(PredictProof, SpokenDigitsFromTestBWavFiles) {
  if (!fs::exists("/usr/lib/x86_64-linux-gnu/espeak-ng-data")) GTEST_SKIP() << "apt-get install espeak-ng";
  const std::string digits = data_dir("digits");
  const CommandResult prep = run_command(manet_binary() + " prepare digits --out " + digits + " --clips-per-class 20");
  ASSERT_EQ(prep.exit_code, 0) << prep.output;
  const std::string dir = fresh_dir("proof_digits");
  // The shipped config (it learns on these 200 clips where smaller models stay at chance).
  const CommandResult t = run_command(manet_binary() + " train --config " + MANET_SOURCE_DIR + "/configs/digits.yaml" +
                                      " --set data.train.path=" + digits + "/train.h5 --set data.test.path=" + digits +
                                      "/test_flite.h5 --set train.batch_size=20 --set train.max_steps=40" +
                                      " --set checkpoint.dir=" + dir + "/ck --set checkpoint.resume=never");
  ASSERT_EQ(t.exit_code, 0) << t.output;
  const std::string ckpt = dir + "/ck/step-00000040.h5";
  const Evaluated eval = evaluate(ckpt, digits + "/test_flite.h5", dir);
  const std::vector<prepare::FliteClip> clips = prepare::flite_test_clips(digits + "/flite_wav");
  ASSERT_EQ(eval.argmax.size(), clips.size());
  std::map<std::string, int> row_of;
  for (std::size_t i = 0; i < clips.size(); ++i) row_of[clips[i].file] = int(i);

  const CommandResult pr = run_command(manet_binary() + " predict --json --checkpoint " + ckpt + " " + digits + "/flite_wav");
  ASSERT_EQ(pr.exit_code, 0) << pr.output.substr(0, 2000);
  const auto lines = json_lines(pr.output);
  ASSERT_EQ(lines.size(), clips.size());
  const char* words[] = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
  long agree = 0, correct = 0;
  for (const auto& j : lines) {
    const int row = row_of.at(j["input"].get<std::string>());
    agree += j["label"] == words[eval.argmax[std::size_t(row)]];
    correct += j["label"] == words[clips[std::size_t(row)].digit];
  }
  EXPECT_EQ(agree, long(clips.size())) << "predict on the WAVs = eval's argmax on test_flite.h5, file by file";
  EXPECT_GE(distinct(eval.argmax), 2) << "a model that answers one class would prove little";
  EXPECT_NEAR(double(correct) / double(clips.size()), eval.accuracy, 1e-9);
  std::printf("Test B proof, %zu WAV files: eval on test_flite.h5 %.4f, predict on the WAVs %.4f\n", clips.size(),
              eval.accuracy, double(correct) / double(clips.size()));
}
#endif

TEST(PredictProof, Wn26TestTextsOnStandardInput) {
  if (!fs::exists(prepare::kWordNetNounFile)) GTEST_SKIP() << "apt-get install wordnet-base";
  const std::string wn26 = data_dir("wn26");
  const CommandResult prep = run_command(manet_binary() + " prepare wn26 --out " + wn26);
  ASSERT_EQ(prep.exit_code, 0) << prep.output;
  const long seq_len = long(h5::File::open_read(wn26 + "/train.h5").shape("/x")[1]);
  std::smatch m;
  const CommandResult again = run_command(manet_binary() + " prepare wn26 --out " + wn26);
  ASSERT_TRUE(std::regex_search(again.output, m, std::regex(R"(vocabulary (\d+) ids)"))) << again.output;
  const std::string dir = fresh_dir("proof_wn26");
  const std::string ckpt = train(dir,
                                 "seed: 4\nmodel:\n  input: tokens\n  vocab_size: " + std::string(m[1]) +
                                     "\n  embed_dim: 32\n  seq_len: " + std::to_string(seq_len) +
                                     "\n  blocks:\n    - conv_attention: {channels: 32, kernel: [1, 3], heads: 4}\n"
                                     "  num_classes: 26\ndata:\n  train: {format: hdf5, path: " + wn26 +
                                     "/train.h5}\ntrain: {batch_size: 64, log_every_steps: 1000}\n"
                                     "optimizer: {type: adamw, lr: 0.005}\n",
                                 60);
  const Evaluated eval = evaluate(ckpt, wn26 + "/test.h5", dir);
  const prepare::TextCorpus corpus = prepare::read_wn26();
  ASSERT_EQ(eval.argmax.size(), corpus.test.size());
  std::string texts;
  for (const prepare::LabelledText& t : corpus.test) texts += t.text + "\n";
  write_file(dir + "/texts.txt", texts);
  const CommandResult pr = run_command(manet_binary() + " predict --json --checkpoint " + ckpt + " - < " + dir + "/texts.txt");
  ASSERT_EQ(pr.exit_code, 0) << pr.output.substr(0, 2000);
  const auto lines = json_lines(pr.output);
  ASSERT_EQ(lines.size(), corpus.test.size());
  long agree = 0, correct = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    agree += lines[i]["label"] == corpus.class_names[std::size_t(eval.argmax[i])];
    correct += lines[i]["label"] == corpus.class_names[std::size_t(corpus.test[i].label)];
  }
  EXPECT_EQ(agree, long(lines.size())) << "predict on the texts = eval's argmax on test.h5, text by text";
  EXPECT_GE(distinct(eval.argmax), 3) << "a model that answers one class would prove little";
  EXPECT_NEAR(double(correct) / double(lines.size()), eval.accuracy, 1e-9);
  std::printf("WN26 proof, %zu texts: eval on test.h5 %.4f, predict on standard input %.4f\n", lines.size(),
              eval.accuracy, double(correct) / double(lines.size()));
}

}  // namespace
}  // namespace manet::testing
