// `manet prepare text`: labelled texts from class folders or a TSV / CSV file -> token ids.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.hpp"
#include "data/hdf5_dataset.hpp"
#include "data/tokenizer.hpp"
#include "prepare/fnv1a.hpp"
#include "prepare/from_files/class_folders.hpp"
#include "prepare/from_files/prepare_from_files.hpp"
#include "prepare/from_files/split_files.hpp"
#include "prepare/text_prepare.hpp"

namespace manet::prepare {

namespace {

// Bump when reading or encoding changes: old files are then rebuilt.
constexpr const char* kLabelledTextRecipeVersion = "labelled-text-v1";

struct NamedText {
  std::string name;  // FILE or FILE:LINE, for messages
  std::string text;
  std::string label;
};

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open", ErrorKind::usage);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// A CSV field: "quoted, with "" for a quote" or plain.
std::string unquote(const std::string& field) {
  const std::string f = trim(field);
  if (f.size() < 2 || f.front() != '"' || f.back() != '"') return f;
  std::string out;
  for (std::size_t i = 1; i + 1 < f.size(); ++i) {
    out += f[i];
    if (f[i] == '"' && f[i + 1] == '"') ++i;
  }
  return out;
}

// label<TAB>text (.tsv) or label,text (.csv), one sample per line, no header line.
std::vector<NamedText> read_table(const std::string& path, BadFiles& bad) {
  const bool csv = std::filesystem::path(path).extension() == ".csv";
  std::string content = read_whole(path);
  if (content.rfind("\xEF\xBB\xBF", 0) == 0) content.erase(0, 3);  // a UTF-8 byte order mark (spreadsheet exports)
  std::vector<NamedText> out;
  std::istringstream lines(content);
  std::string line;
  for (long number = 1; std::getline(lines, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (blank(line)) continue;
    const std::string where = path + ":" + std::to_string(number);
    const std::size_t cut = line.find(csv ? ',' : '\t');
    if (cut == std::string::npos) {
      bad.add(where, where + ": no " + (csv ? "comma" : "tab") + " between the label and the text");
      continue;
    }
    NamedText t{where, line.substr(cut + 1), line.substr(0, cut)};
    if (csv) t.label = unquote(t.label), t.text = unquote(t.text);
    t.label = trim(t.label);
    if (t.label.empty() || blank(t.text)) {
      bad.add(where, where + (t.label.empty() ? ": empty label" : ": empty text"));
      continue;
    }
    out.push_back(std::move(t));
  }
  return out;
}

uint32_t file_listing_hash(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  const auto mtime = std::filesystem::last_write_time(path, ec).time_since_epoch().count();
  return fnv1a32(path + "\t" + std::to_string(size) + "\t" + std::to_string(mtime));
}

}  // namespace

void prepare_labelled_text(const PrepareOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  check(!o.from.empty(), "manet prepare text needs --from PATH (a folder with one sub-folder of .txt files per class, "
                         "or a .tsv / .csv file of label and text)",
        ErrorKind::usage);
  Preprocess like;
  if (!o.like.empty()) {
    like = read_preprocess_of(o.like);
    check(like.input == "text", o.like + " is not a text model or data set (" + like.describe() + ")", ErrorKind::usage);
    check(o.seq_len == 0 && o.min_count == 0 && o.oov_suffix < 0,
          "--like takes the vocabulary and seq_len from " + o.like + ": leave out --seq-len, --min-count, --oov-suffix",
          ErrorKind::usage);
  }
  const TextDefaults defaults = text_defaults("text");
  const int seq_len = like.empty() ? (o.seq_len > 0 ? o.seq_len : defaults.seq_len) : like.text.seq_len;
  const int min_count = o.min_count > 0 ? o.min_count : defaults.min_count;
  const int oov_suffix = o.oov_suffix >= 0 ? o.oov_suffix : defaults.oov_suffix;

  std::error_code ec;
  const bool folder = std::filesystem::is_directory(o.from, ec);
  if (!folder) {
    const std::string ext = std::filesystem::path(o.from).extension().string();
    check(std::filesystem::is_regular_file(o.from, ec) && (ext == ".tsv" || ext == ".csv"),
          "--from " + o.from + ": expected a folder of class folders, or a .tsv / .csv file", ErrorKind::usage);
  }
  ClassFolders folders;
  if (folder) folders = list_class_folders(o.from, {".txt"}, "text");
  char listing[16];
  std::snprintf(listing, sizeof listing, "0x%08x", folder ? folders.listing_hash : file_listing_hash(o.from));
  const std::string recipe =
      std::string("manet prepare text ") + kLabelledTextRecipeVersion + " | from " + o.from + ", listing " + listing +
      (like.empty() ? " | seq_len " + std::to_string(seq_len) + " | min_count " + std::to_string(min_count) +
                          " | oov_suffix " + std::to_string(oov_suffix)
                    : " | like " + o.like) +
      split_recipe(o);
  if (!o.force && up_to_date(split_paths(o), recipe)) {
    std::printf("text: up to date in %s (--force rebuilds)\n", o.out_dir.c_str());
    return;
  }

  BadFiles bad(o.strict);
  std::vector<NamedText> texts;
  if (folder) {
    for (const LabelledFile& f : folders.files) try {
        std::string text = read_whole(f.path);
        if (blank(text)) {
          bad.add(f.path, f.path + ": empty text");
          continue;
        }
        texts.push_back({f.path, std::move(text), folders.classes[std::size_t(f.label)]});
      } catch (const Error& e) {
        bad.add(f.path, e.what());
      }
  } else {
    texts = read_table(o.from, bad);
  }
  bad.finish();
  // The classes: the folders (each must have kept a text), or the labels of the table.
  std::vector<std::string> found;
  for (const NamedText& t : texts) found.push_back(t.label);
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  for (const std::string& c : folders.classes)
    check(std::binary_search(found.begin(), found.end(), c),
          "class '" + c + "' has no readable text (every file was skipped: see above)", ErrorKind::usage);
  check(!found.empty(), o.from + " holds no labelled text", ErrorKind::usage);
  const std::vector<std::string> classes = like.empty() ? found : like.classes;
  const std::vector<int> found_label = like.empty() ? std::vector<int>{} : labels_in(found, like.classes, o.like);
  std::map<std::string, int> label_of;
  for (std::size_t i = 0; i < found.size(); ++i) label_of[found[i]] = like.empty() ? int(i) : found_label[i];

  std::vector<int64_t> labels;
  for (const NamedText& t : texts) labels.push_back(label_of.at(t.label));
  const SplitIndices split = stratified_split(labels, classes, o.val_fraction, o.test_fraction, o.seed);
  std::vector<std::string> train_texts;
  for (const long i : split.train) train_texts.push_back(texts[std::size_t(i)].text);
  const Vocabulary vocab =
      like.empty() ? Vocabulary::build(train_texts, min_count, oov_suffix) : Vocabulary::deserialize(like.text.vocab);

  Dataset all;
  all.name = o.from;
  all.tokens = true;
  all.sample_shape = MapShape{1, 1, seq_len};
  long truncated = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const std::vector<int64_t> ids = vocab.encode(texts[i].text, seq_len);
    truncated += tokenize(texts[i].text).size() > std::size_t(seq_len);
    all.ids.insert(all.ids.end(), ids.begin(), ids.end());
    all.labels.push_back(labels[i]);
  }
  Preprocess& p = all.preprocess;
  p.input = "text";
  p.source = o.from;
  p.classes = classes;
  p.text = {vocab.serialize(), seq_len, like.empty() ? min_count : like.text.min_count,
            like.empty() ? oov_suffix : like.text.oov_suffix};
  std::printf("text: %zu texts in %zu classes from %s", texts.size(), found.size(), o.from.c_str());
  if (bad.count()) std::printf(" (%ld skipped, named above)", bad.count());
  if (folders.ignored)
    std::printf("; %ld other files ignored (not .txt or outside class folders, e.g. %s)", folders.ignored,
                folders.first_ignored.c_str());
  std::printf("\n-> vocabulary %ld ids (%s) -> model.vocab_size: %ld; seq_len %d: %ld texts cut\n", vocab.size(),
              like.empty() ? ("tokens seen >= " + std::to_string(min_count) + " times in train").c_str()
                           : ("from " + o.like).c_str(),
              vocab.size(), seq_len, truncated);
  write_splits(o, all, split, recipe, {{"vocab", p.text.vocab}, {"classes", join_lines(classes)}});
  std::printf("text: done in %.1fs\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace manet::prepare
