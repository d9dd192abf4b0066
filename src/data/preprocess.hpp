#pragma once
// How raw inputs become a model's inputs, and what its outputs are called: the record a
// data set carries from `manet prepare` and a checkpoint carries from its training data
// (the group /preprocess of docs/checkpoint.md and docs/data.md), so that `manet predict`
// needs nothing but the checkpoint.
#include <string>
#include <vector>

#include "media/speech_features.hpp"

namespace manet {

namespace h5 {
class File;
}

struct ImagePreprocess {
  int height = 0, width = 0, channels = 0;
  // Per channel, of samples scaled to [0, 1]: the model reads (x - mean[c]) / std[c].
  std::vector<double> mean, std;
  bool operator==(const ImagePreprocess&) const = default;
};

struct TextPreprocess {
  std::string vocab;  // Vocabulary::serialize(): line i is token id i
  int seq_len = 0;
  int min_count = 0, oov_suffix = 0;  // how the vocabulary was built (0: not known)
  bool operator==(const TextPreprocess&) const = default;
};

struct Preprocess {
  std::string input;                 // "image" | "audio" | "text"; "" when not known
  std::vector<std::string> classes;  // label k -> name; empty when not known
  std::string source;                // the data set it was taken from, for people
  ImagePreprocess image;             // input == "image"
  media::SpeechFeatureConfig audio;  // input == "audio"
  TextPreprocess text;               // input == "text"

  bool empty() const { return input.empty() && classes.empty(); }
  // What `manet predict` would lack ("" when nothing): "the class names", ...
  std::string missing() const;
  // One line: "image 28x28, 1 channel, mean 0.286 std 0.353 | 10 classes".
  std::string describe() const;
  bool operator==(const Preprocess&) const = default;
};

constexpr const char* kPreprocessGroup = "/preprocess";

// Writes `p` as the group `group` (created here) of an open file.
void write_preprocess(h5::File& file, const std::string& group, const Preprocess& p);
// Reads the group back; a group that is incomplete or inconsistent is a usage Error
// naming the file, the object and what is wrong.
Preprocess read_preprocess(const h5::File& file, const std::string& group);

// Class names, one per line (the /classes format of `manet prepare`), and back.
std::string join_lines(const std::vector<std::string>& lines);
std::vector<std::string> split_lines(const std::string& text);

}  // namespace manet
