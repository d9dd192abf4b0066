#pragma once
// Raw inputs -> model inputs with a checkpoint's preprocess record (data/preprocess.hpp):
// an image file becomes (C, H, W) floats, a sound file (1, bands, frames) log-mel
// features, a text seq_len token ids, through the same functions `manet prepare` uses
// (media/image_transform.hpp, media/speech_features.hpp, data/tokenizer.hpp), so a model
// sees in use exactly what it saw in training.
#include <cstdint>
#include <memory>
#include <string>

#include "core/shape.hpp"
#include "data/preprocess.hpp"
#include "data/tokenizer.hpp"

namespace manet {

class InputReader {
 public:
  // `p.input` must be image, audio or text (else a usage Error saying what is missing).
  explicit InputReader(const Preprocess& p);
  ~InputReader();

  const Preprocess& preprocess() const { return p_; }
  bool takes_text() const { return p_.input == "text"; }
  MapShape sample_shape() const { return shape_; }  // C x H x W; 1 x 1 x seq_len for text
  long sample_values() const { return shape_.size(); }
  // The file name extensions a folder given to `manet predict` is searched for.
  const std::vector<std::string>& file_extensions() const;

  // An image or sound file into out[0, sample_values()). Throws a usage Error naming the
  // file: unreadable, not of the model's kind, damaged, too short.
  void read_file(const std::string& path, float* out) const;
  // A text into out[0, seq_len) ids. Throws a usage Error for an empty text.
  void encode_text(const std::string& text, int64_t* out) const;

 private:
  Preprocess p_;
  MapShape shape_;
  std::unique_ptr<media::LogMel> mel_;
  std::unique_ptr<Vocabulary> vocab_;
};

}  // namespace manet
