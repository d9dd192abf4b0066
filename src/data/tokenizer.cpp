#include "data/tokenizer.hpp"

#include <algorithm>
#include <cctype>

#include "core/error.hpp"

namespace manet {

namespace {

bool is_word_byte(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }
bool is_word(const std::string& token) { return is_word_byte(static_cast<unsigned char>(token[0])); }

constexpr std::string_view kSuffixPrefix = "<unk:";

// The stand-in for a rare word, or "" when the word is too short or not a word.
std::string suffix_token(const std::string& token, int k) {
  if (k <= 0 || token.size() <= std::size_t(k) || !is_word(token)) return {};
  return std::string(kSuffixPrefix) + token.substr(token.size() - std::size_t(k)) + ">";
}

// Most frequent first, ties by byte order.
std::vector<std::string> by_frequency(const std::unordered_map<std::string, long>& counts, int min_count) {
  std::vector<std::pair<std::string, long>> kept;
  for (const auto& [token, n] : counts)
    if (n >= min_count) kept.emplace_back(token, n);
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::vector<std::string> tokens;
  for (auto& [token, n] : kept) tokens.push_back(std::move(token));
  return tokens;
}

bool is_space_byte(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); }

}  // namespace

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = text[i];
    if (is_space_byte(c)) {
      ++i;
    } else if (is_word_byte(c)) {
      std::string word;
      for (; i < text.size() && is_word_byte(text[i]); ++i) word += char(std::tolower(static_cast<unsigned char>(text[i])));
      tokens.push_back(std::move(word));
    } else {
      tokens.emplace_back(1, char(c));
      ++i;
    }
  }
  return tokens;
}

void Vocabulary::add(std::string token) {
  ids_.emplace(token, int64_t(tokens_.size()));
  tokens_.push_back(std::move(token));
}

Vocabulary Vocabulary::build(const std::vector<std::string>& train_texts, int min_count, int suffix_len) {
  check(min_count >= 1, "vocabulary min_count must be at least 1", ErrorKind::usage);
  check(suffix_len >= 0, "vocabulary suffix length must be 0 (off) or more", ErrorKind::usage);
  std::unordered_map<std::string, long> counts, suffixes;
  for (const std::string& t : train_texts)
    for (std::string& token : tokenize(t)) ++counts[std::move(token)];
  for (const auto& [token, n] : counts)
    if (n < min_count)
      if (std::string s = suffix_token(token, suffix_len); !s.empty()) suffixes[s] += n;
  Vocabulary v;
  v.suffix_len_ = suffix_len;
  v.add("<pad>");
  v.add("<unk>");
  for (std::string& token : by_frequency(counts, min_count)) v.add(std::move(token));
  for (std::string& token : by_frequency(suffixes, min_count)) v.add(std::move(token));
  return v;
}

Vocabulary Vocabulary::deserialize(const std::string& lines) {
  Vocabulary v;
  std::size_t pos = 0;
  while (pos < lines.size()) {
    std::size_t end = lines.find('\n', pos);
    if (end == std::string::npos) end = lines.size();
    v.add(lines.substr(pos, end - pos));
    const std::string& t = v.tokens_.back();
    if (t.starts_with(kSuffixPrefix) && t.size() > kSuffixPrefix.size() + 1)
      v.suffix_len_ = int(t.size() - kSuffixPrefix.size() - 1);
    pos = end + 1;
  }
  check(v.size() >= 2 && v.tokens_[0] == "<pad>" && v.tokens_[1] == "<unk>",
        "a vocabulary starts with the lines <pad> and <unk>", ErrorKind::usage);
  return v;
}

std::string Vocabulary::serialize() const {
  std::string s;
  for (const std::string& t : tokens_) s += t + "\n";
  return s;
}

bool Vocabulary::is_ending(int64_t id) const { return token(id).starts_with(kSuffixPrefix); }

int64_t Vocabulary::ending_id(const std::string& word) const {
  const std::string s = suffix_token(word, suffix_len_);
  if (s.empty()) return kUnknown;
  const auto it = ids_.find(s);
  return it == ids_.end() ? kUnknown : it->second;
}

int64_t Vocabulary::unseen_id(int64_t id) const {
  return id <= kUnknown || is_ending(id) ? kUnknown : ending_id(token(id));
}

int64_t Vocabulary::id(const std::string& token) const {
  const auto it = ids_.find(token);
  return it != ids_.end() ? it->second : ending_id(token);
}

std::vector<int64_t> Vocabulary::encode(std::string_view text, int seq_len) const {
  std::vector<int64_t> ids(std::size_t(seq_len), kPad);
  const std::vector<std::string> tokens = tokenize(text);
  for (std::size_t i = 0; i < tokens.size() && i < ids.size(); ++i) ids[i] = id(tokens[i]);
  return ids;
}

}  // namespace manet
