#include "inputs/input_reader.hpp"

#include <algorithm>
#include <cctype>

#include "core/error.hpp"
#include "media/image_transform.hpp"
#include "media/speech_features.hpp"

namespace manet {

InputReader::InputReader(const Preprocess& p) : p_(p) {
  if (p.input == "image") {
    shape_ = MapShape{p.image.channels, p.image.height, p.image.width};
  } else if (p.input == "audio") {
    mel_ = std::make_unique<media::LogMel>(p.audio.mel);
    shape_ = MapShape{1, p.audio.mel.bands, p.audio.frames()};
  } else if (p.input == "text") {
    vocab_ = std::make_unique<Vocabulary>(Vocabulary::deserialize(p.text.vocab));
    shape_ = MapShape{1, 1, p.text.seq_len};
  } else {
    throw Error("the preprocess record lacks " + p.missing(), ErrorKind::usage);
  }
}

InputReader::~InputReader() = default;

const std::vector<std::string>& InputReader::file_extensions() const {
  static const std::vector<std::string> images = {".png", ".jpg", ".jpeg"},
                                        sounds = {".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".au"},
                                        texts = {".txt"};
  return p_.input == "image" ? images : p_.input == "audio" ? sounds : texts;
}

void InputReader::read_file(const std::string& path, float* out) const {
  if (p_.input == "image") {
    const ImagePreprocess& i = p_.image;
    const std::vector<float> x = media::to_model_image(media::read_image(path), i.channels, i.height, i.width);
    std::copy(x.begin(), x.end(), out);
    media::normalise_planar(out, i.channels, long(i.height) * i.width, i.mean, i.std);
  } else if (p_.input == "audio") {
    const std::vector<float> x = media::file_speech_features(path, *mel_, p_.audio);
    std::copy(x.begin(), x.end(), out);
  } else {
    throw Error(path + ": this model reads text: give texts with --text, '-' (lines on standard input) or text files",
                ErrorKind::usage);
  }
}

void InputReader::encode_text(const std::string& text, int64_t* out) const {
  check(takes_text(), "this model reads " + p_.input + " files, not text", ErrorKind::usage);
  check(!std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); }), "empty text",
        ErrorKind::usage);
  const std::vector<int64_t> ids = vocab_->encode(text, p_.text.seq_len);
  std::copy(ids.begin(), ids.end(), out);
}

}  // namespace manet
