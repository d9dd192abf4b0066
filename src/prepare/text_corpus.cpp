#include "prepare/text_corpus.hpp"

#include <fstream>
#include <sstream>
#include <unordered_map>

#include "core/error.hpp"
#include "prepare/fnv1a.hpp"

namespace manet::prepare {

namespace {

std::string read_whole_file(const std::string& path, const std::string& apt_package) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error("cannot read " + path + ": install it with `apt-get install " + apt_package + "`", ErrorKind::usage);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

std::string strip(const std::string& s, bool left) {
  std::size_t b = 0, e = s.size();
  while (left && b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// Steps 4 and 5 of the recipes: drop every text that occurs more than once (whatever its
// label), then split by the FNV rule, keeping source order.
void dedupe_and_split(std::vector<LabelledText> all, TextCorpus& corpus) {
  corpus.entries = long(all.size());
  std::unordered_map<std::string, int> count;
  for (const LabelledText& t : all) ++count[t.text];
  for (LabelledText& t : all) {
    if (count[t.text] != 1) continue;
    (is_test_text(t.text) ? corpus.test : corpus.train).push_back(std::move(t));
  }
}

}  // namespace

TextCorpus read_wn26(const std::string& data_noun) {
  TextCorpus corpus;
  corpus.name = "wn26";
  corpus.class_names = {"Tops",   "act",          "animal",   "artifact",  "attribute",  "body",     "cognition",
                        "communication", "event", "feeling",  "food",      "group",      "location", "motive",
                        "object", "person",       "phenomenon", "plant",   "possession", "process",  "quantity",
                        "relation", "shape",      "state",    "substance", "time"};
  const std::string text = read_whole_file(data_noun, "wordnet-base");
  std::vector<LabelledText> all;
  std::istringstream lines(text);
  std::string line;
  long line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    if (line.empty() || line.rfind("  ", 0) == 0) continue;  // the licence header
    const auto where = [&] { return data_noun + ":" + std::to_string(line_no) + ": "; };
    // Fields: synset_offset lex_filenum ss_type ...; field 1 is the lexicographer file.
    const std::size_t s1 = line.find(' '), s2 = s1 == std::string::npos ? s1 : line.find(' ', s1 + 1);
    if (s2 == std::string::npos) throw Error(where() + "expected 'offset lex_filenum ...'", ErrorKind::usage);
    const int lex = std::stoi(line.substr(s1 + 1, s2 - s1 - 1));
    if (lex < 3 || lex > 28) throw Error(where() + "lex_filenum " + std::to_string(lex) + " is not a noun file (03-28)", ErrorKind::usage);
    const std::size_t bar = line.find(" | ");
    if (bar == std::string::npos) throw Error(where() + "no gloss (' | ')", ErrorKind::usage);
    std::string gloss = strip(line.substr(bar + 3), false);
    const std::size_t example = gloss.find("; \"");
    if (example != std::string::npos) gloss.resize(example);
    all.push_back({std::move(gloss), lex - 3});
  }
  dedupe_and_split(std::move(all), corpus);
  return corpus;
}

TextCorpus read_fort14(const std::string& fortunes_dir) {
  TextCorpus corpus;
  corpus.name = "fort14";
  corpus.class_names = {"computers", "politics", "science", "law",  "food", "sports",    "education",
                        "drugs",     "work",     "love",    "kids", "men-women", "startrek", "medicine"};
  std::vector<LabelledText> all;
  for (int label = 0; label < int(corpus.class_names.size()); ++label) {
    const std::string text = read_whole_file(fortunes_dir + "/" + corpus.class_names[label], "fortunes");
    std::string entry;
    bool first_line = true;
    auto finish = [&] {
      std::string t = strip(entry, true);
      if (!t.empty()) all.push_back({std::move(t), label});
      entry.clear();
      first_line = true;
    };
    std::size_t pos = 0;
    while (pos <= text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      const std::string_view line(text.data() + pos, end - pos);
      if (line == "%") {
        finish();
      } else {
        if (!first_line) entry += '\n';
        entry.append(line);
        first_line = false;
      }
      pos = end + 1;
    }
    finish();
  }
  dedupe_and_split(std::move(all), corpus);
  return corpus;
}

uint32_t test_text_checksum(const TextCorpus& corpus) {
  std::string joined;
  for (std::size_t i = 0; i < corpus.test.size(); ++i) joined += (i ? "\n" : "") + corpus.test[i].text;
  return fnv1a32(joined);
}

}  // namespace manet::prepare
