#pragma once
// Text -> fixed-length token ids. Tokens are lower-cased words and single punctuation
// marks (Python's re.findall(r"\w+|[^\w\s]", text.lower()) for ASCII; bytes >= 0x80 count
// as word characters, so UTF-8 letters stay inside their word). The vocabulary is built
// from the training split only: id 0 = padding, 1 = out of vocabulary, then every token
// seen at least `min_count` times, most frequent first (ties by byte order), so the same
// texts always give the same ids.
//
// With `suffix_len` k > 0, a word kept out of the vocabulary is not thrown away whole: its
// last k bytes ("-ase", "-ism", "-dae") stand in for it as the token "<unk:ase>", when that
// suffix ends at least `min_count` rare training words (those seen less than `min_count`
// times). The rare words of the training split are encoded the same way, so these ids are
// learned from real data, and an unseen test word keeps the part that often tells its
// class. Suffix tokens follow the words, most frequent first; "<" is punctuation to
// tokenize(), so they can never collide with a word.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace manet {

std::vector<std::string> tokenize(std::string_view text);

class Vocabulary {
 public:
  static constexpr int64_t kPad = 0, kUnknown = 1;

  static Vocabulary build(const std::vector<std::string>& train_texts, int min_count, int suffix_len = 0);
  // The inverse of serialize(): one token per line, line i holds id i.
  static Vocabulary deserialize(const std::string& lines);

  int64_t id(const std::string& token) const;
  // Truncated or padded at the end with kPad to exactly seq_len ids.
  std::vector<int64_t> encode(std::string_view text, int seq_len) const;
  long size() const { return long(tokens_.size()); }
  int suffix_len() const { return suffix_len_; }
  bool is_ending(int64_t id) const;  // a rare word's stand-in ("<unk:ase>")
  // The id token `id` would get had training never seen it: its ending's id when the
  // vocabulary has that ending, else kUnknown (also for padding, unknown and endings).
  // Token dropout uses it, so a dropped word looks like an unseen test word.
  int64_t unseen_id(int64_t id) const;
  const std::string& token(int64_t id) const { return tokens_.at(std::size_t(id)); }
  std::string serialize() const;

 private:
  void add(std::string token);
  int64_t ending_id(const std::string& word) const;  // the id of word's ending, else kUnknown
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int64_t> ids_;
  int suffix_len_ = 0;  // 0: no suffix tokens
};

}  // namespace manet
