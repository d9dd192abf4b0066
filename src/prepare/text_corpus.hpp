#pragma once
// The two text corpora of docs/datasets.md, read from their Debian packages exactly
// as the recipe there says: WN26 (WordNet noun definition -> one of 26 supersenses)
// and FORT14 (fortune cookie -> one of 14 files).
#include <string>
#include <vector>

namespace manet::prepare {

struct LabelledText {
  std::string text;
  int label = 0;
};

struct TextCorpus {
  std::string name;                      // "wn26", "fort14"
  std::vector<std::string> class_names;  // label -> name
  long entries = 0;                      // before dropping duplicates
  std::vector<LabelledText> train, test; // in source order
};

constexpr const char* kWordNetNounFile = "/usr/share/wordnet/data.noun";
constexpr const char* kFortunesDir = "/usr/share/games/fortunes";

// Throws Error naming the apt package when the source is missing.
TextCorpus read_wn26(const std::string& data_noun = kWordNetNounFile);
TextCorpus read_fort14(const std::string& fortunes_dir = kFortunesDir);

// FNV-1a-32 of the test texts joined by "\n": the checksum docs/datasets.md gives.
uint32_t test_text_checksum(const TextCorpus& corpus);

}  // namespace manet::prepare
