#include "data/preprocess.hpp"

#include <cstdio>

#include "core/crc32.hpp"
#include "core/error.hpp"
#include "data/tokenizer.hpp"
#include "io/hdf5_file.hpp"

namespace manet {

namespace {

const char* const kTokenizer =
    "lower-cased words and single punctuation marks (\\w+|[^\\w\\s]; bytes >= 0x80 are word characters), "
    "ids of data/tokenizer.hpp's Vocabulary, cut or padded with 0 to seq_len";
const char* const kResize =
    "per axis: area average when shrinking, bilinear between pixel centres when enlarging; alpha dropped; "
    "grey <-> RGB by copy / BT.601 luma";

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Scalar strings carry no Fletcher-32: a crc32 attribute (zlib's CRC-32) guards them, as
// it guards a checkpoint's /config.
void write_checked_string(h5::File& f, const std::string& dataset, const std::string& text) {
  f.write_string(dataset, text);
  f.set_attr(dataset, "crc32", int64_t(crc32_of(text)));
}

std::string read_checked_string(const h5::File& f, const std::string& dataset) {
  const std::string text = f.read_string(dataset);
  if (f.has_attr(dataset, "crc32") && int64_t(crc32_of(text)) != f.attr_int(dataset, "crc32"))
    throw Error(f.path() + ": " + dataset + " is corrupt (its CRC-32 does not match the crc32 attribute)");
  return text;
}

}  // namespace

std::string join_lines(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += l + "\n";
  return s;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

std::string Preprocess::missing() const {
  std::string what;
  auto add = [&](const std::string& s) { what += (what.empty() ? "" : " and ") + s; };
  if (classes.empty()) add("the class names");
  if (input.empty()) add("how inputs are made (the input kind and its preprocessing)");
  return what;
}

std::string Preprocess::describe() const {
  std::string s;
  if (input == "image") {
    s = "image " + std::to_string(image.height) + "x" + std::to_string(image.width) + ", " +
        std::to_string(image.channels) + (image.channels == 1 ? " channel" : " channels") + ", mean";
    for (const double m : image.mean) s += " " + number(m);
    s += " std";
    for (const double d : image.std) s += " " + number(d);
  } else if (input == "audio") {
    s = "audio at " + std::to_string(audio.mel.sample_rate) + " Hz, " + number(audio.seconds) + " s window, " +
        std::to_string(audio.mel.bands) + " log-mel bands";
  } else if (input == "text") {
    s = "text, " + std::to_string(split_lines(text.vocab).size()) + " token ids, seq_len " + std::to_string(text.seq_len);
  } else {
    s = "input kind not known";
  }
  return s + " | " + (classes.empty() ? std::string("class names not known") : std::to_string(classes.size()) + " classes");
}

void write_preprocess(h5::File& f, const std::string& group, const Preprocess& p) {
  f.create_group(group);
  f.set_attr(group, "input", p.input);
  f.set_attr(group, "source", p.source);
  write_checked_string(f, group + "/classes", join_lines(p.classes));
  if (p.input == "image") {
    const ImagePreprocess& i = p.image;
    f.set_attr(group, "height", int64_t(i.height));
    f.set_attr(group, "width", int64_t(i.width));
    f.set_attr(group, "channels", int64_t(i.channels));
    f.set_attr(group, "resize", std::string(kResize));
    f.write(group + "/mean", i.mean.data(), {hsize_t(i.mean.size())});
    f.write(group + "/std", i.std.data(), {hsize_t(i.std.size())});
  } else if (p.input == "audio") {
    const media::SpeechFeatureConfig& a = p.audio;
    f.set_attr(group, "sample_rate", int64_t(a.mel.sample_rate));
    f.set_attr(group, "seconds", a.seconds);
    f.set_attr(group, "window", int64_t(a.mel.window));
    f.set_attr(group, "hop", int64_t(a.mel.hop));
    f.set_attr(group, "fft", int64_t(a.mel.fft));
    f.set_attr(group, "bands", int64_t(a.mel.bands));
    f.set_attr(group, "f_min", a.mel.f_min);
    f.set_attr(group, "f_max", a.mel.f_max);
    f.set_attr(group, "log_floor", a.mel.floor);
    f.set_attr(group, "dynamic_range", a.dynamic_range);
    f.set_attr(group, "features",
               std::string("mono (mean of the channels), resampled to sample_rate (windowed sinc), centred in a "
                           "window of `seconds` (cut or zero-padded), log-mel: Hamming window, hop, fft, bands "
                           "between f_min and f_max (HTK mel), log(x + log_floor), floored dynamic_range below the "
                           "clip's maximum, minus the clip's mean, over its standard deviation"));
  } else if (p.input == "text") {
    write_checked_string(f, group + "/vocab", p.text.vocab);
    f.set_attr(group, "seq_len", int64_t(p.text.seq_len));
    f.set_attr(group, "min_count", int64_t(p.text.min_count));
    f.set_attr(group, "oov_suffix", int64_t(p.text.oov_suffix));
    f.set_attr(group, "tokenizer", std::string(kTokenizer));
  }
}

Preprocess read_preprocess(const h5::File& f, const std::string& group) {
  const auto bad = [&](const std::string& object, const std::string& why) {
    return Error(f.path() + ": " + object + ": " + why + " (docs/checkpoint.md, the /preprocess group)",
                 ErrorKind::usage);
  };
  const auto need_attr = [&](const char* name) {
    if (!f.has_attr(group, name)) throw bad(group, std::string("the attribute ") + name + " is missing");
  };
  const auto int_attr = [&](const char* name, long lo, long hi) {
    need_attr(name);
    const int64_t v = f.attr_int(group, name);
    if (v < lo || v > hi)
      throw bad(group + "@" + name, std::to_string(v) + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return int(v);
  };
  const auto double_attr = [&](const char* name) {
    need_attr(name);
    return f.attr_double(group, name);
  };
  Preprocess p;
  need_attr("input");
  p.input = f.attr_string(group, "input");
  if (f.has_attr(group, "source")) p.source = f.attr_string(group, "source");
  if (f.exists(group + "/classes")) p.classes = split_lines(read_checked_string(f, group + "/classes"));
  if (p.input == "image") {
    ImagePreprocess& i = p.image;
    i.height = int_attr("height", 1, 1 << 16), i.width = int_attr("width", 1, 1 << 16);
    i.channels = int_attr("channels", 1, 3);
    if (i.channels == 2) throw bad(group + "@channels", "2: images have 1 or 3 channels");
    for (const char* name : {"mean", "std"})
      if (!f.exists(group + "/" + name)) throw bad(group + "/" + name, "missing");
    i.mean = f.read_double(group + "/mean"), i.std = f.read_double(group + "/std");
    if (i.mean.size() != std::size_t(i.channels) || i.std.size() != std::size_t(i.channels))
      throw bad(group + "/mean", "mean and std need one value per channel (" + std::to_string(i.channels) + ")");
    for (const double s : i.std)
      if (!(s > 0)) throw bad(group + "/std", "a standard deviation must be positive");
  } else if (p.input == "audio") {
    media::SpeechFeatureConfig& a = p.audio;
    a.mel.sample_rate = int_attr("sample_rate", 1000, 384000);
    a.seconds = double_attr("seconds");
    a.mel.window = int_attr("window", 2, 1 << 16), a.mel.hop = int_attr("hop", 1, 1 << 16);
    a.mel.fft = int_attr("fft", 2, 1 << 16), a.mel.bands = int_attr("bands", 1, 1024);
    a.mel.f_min = double_attr("f_min"), a.mel.f_max = double_attr("f_max"), a.mel.floor = double_attr("log_floor");
    a.dynamic_range = double_attr("dynamic_range");
    if (!(a.seconds > 0 && a.seconds <= 3600) || a.window_samples() < a.mel.window)
      throw bad(group + "@seconds", "the window must hold at least one analysis window and last at most an hour");
    if (!(a.dynamic_range > 0)) throw bad(group + "@dynamic_range", "must be positive");
  } else if (p.input == "text") {
    if (!f.exists(group + "/vocab")) throw bad(group + "/vocab", "missing");
    p.text.vocab = read_checked_string(f, group + "/vocab");
    try {
      Vocabulary::deserialize(p.text.vocab);
    } catch (const Error& e) {
      throw bad(group + "/vocab", e.what());
    }
    p.text.seq_len = int_attr("seq_len", 1, 1 << 20);
    if (f.has_attr(group, "min_count")) p.text.min_count = int(f.attr_int(group, "min_count"));
    if (f.has_attr(group, "oov_suffix")) p.text.oov_suffix = int(f.attr_int(group, "oov_suffix"));
  } else if (!p.input.empty()) {  // "": the class names only
    throw bad(group + "@input", "'" + p.input + "' is not an input kind (image, audio, text)");
  }
  return p;
}

}  // namespace manet
