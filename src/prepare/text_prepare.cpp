#include "prepare/text_prepare.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "core/error.hpp"
#include "prepare/prepared_file.hpp"
#include "prepare/text_corpus.hpp"
#include "data/tokenizer.hpp"

namespace manet::prepare {

namespace {

// Bump when the extraction or the encoding changes: old files are then rebuilt.
constexpr const char* kTextRecipeVersion = "text-v1";

Dataset encode(const std::vector<LabelledText>& texts, const Vocabulary& vocab, int seq_len, const std::string& name,
               long& truncated) {
  Dataset d;
  d.name = name;
  d.tokens = true;
  d.sample_shape = MapShape{1, 1, seq_len};
  d.ids.reserve(texts.size() * std::size_t(seq_len));
  truncated = 0;
  for (const LabelledText& t : texts) {
    const std::vector<int64_t> ids = vocab.encode(t.text, seq_len);
    if (tokenize(t.text).size() > std::size_t(seq_len)) ++truncated;
    d.ids.insert(d.ids.end(), ids.begin(), ids.end());
    d.labels.push_back(t.label);
  }
  return d;
}

}  // namespace

TextDefaults text_defaults(const std::string& corpus) {
  if (corpus == "wn26") return {40, 3, 3};
  return {64, 2, 0};
}

void prepare_text(const PrepareOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const TextDefaults defaults = text_defaults(o.dataset);
  const int seq_len = o.seq_len > 0 ? o.seq_len : defaults.seq_len;
  const int min_count = o.min_count > 0 ? o.min_count : defaults.min_count;
  const int oov_suffix = o.oov_suffix >= 0 ? o.oov_suffix : defaults.oov_suffix;
  const bool wn = o.dataset == "wn26";
  std::string sources;
  if (wn) {
    sources = source_identity(kWordNetNounFile, "wordnet-base");
  } else {
    for (const char* f : {"computers", "politics", "science", "law", "food", "sports", "education", "drugs", "work",
                          "love", "kids", "men-women", "startrek", "medicine"})
      sources += (sources.empty() ? "" : ", ") + source_identity(std::string(kFortunesDir) + "/" + f, "fortunes");
  }
  const std::string recipe = std::string("manet prepare ") + o.dataset + " " + kTextRecipeVersion + " | sources: " +
                             sources + " | seq_len " + std::to_string(seq_len) + " | min_count " +
                             std::to_string(min_count) +
                             (oov_suffix > 0 ? " | oov_suffix " + std::to_string(oov_suffix) : "");
  const std::string train_path = o.out_dir + "/train.h5", test_path = o.out_dir + "/test.h5";
  if (!o.force && up_to_date({train_path, test_path}, recipe)) {
    const long vocab = Vocabulary::deserialize(read_prepared_string(train_path, "vocab")).size();
    std::printf("%s: up to date in %s (vocabulary %ld ids, seq_len %d); --force rebuilds\n", o.dataset.c_str(),
                o.out_dir.c_str(), vocab, seq_len);
    return;
  }

  const TextCorpus corpus = wn ? read_wn26() : read_fort14();
  std::vector<std::string> train_texts;
  for (const LabelledText& t : corpus.train) train_texts.push_back(t.text);
  const Vocabulary vocab = Vocabulary::build(train_texts, min_count, oov_suffix);

  long cut_train = 0, cut_test = 0;
  const Dataset train = encode(corpus.train, vocab, seq_len, train_path, cut_train);
  const Dataset test = encode(corpus.test, vocab, seq_len, test_path, cut_test);
  long unknown = 0, test_tokens = 0;
  for (const int64_t id : test.ids) unknown += id == Vocabulary::kUnknown, test_tokens += id != Vocabulary::kPad;

  std::string classes;
  for (const std::string& c : corpus.class_names) classes += c + "\n";
  std::filesystem::create_directories(o.out_dir);
  const NamedStrings strings = {{"vocab", vocab.serialize()}, {"classes", classes}};
  write_prepared(train_path, train, recipe, strings);
  write_prepared(test_path, test, recipe, strings);

  const int K = int(corpus.class_names.size());
  std::printf("%s: %ld entries, %zu kept (texts that occur once) -> train %zu / test %zu (test-text checksum 0x%08x)\n",
              o.dataset.c_str(), corpus.entries, corpus.train.size() + corpus.test.size(), corpus.train.size(),
              corpus.test.size(), test_text_checksum(corpus));
  const std::vector<long> ntrain = count_labels(train.labels, K), ntest = count_labels(test.labels, K);
  std::printf("per class (id name train/test):");
  for (int k = 0; k < K; ++k)
    std::printf("%s %d %s %ld/%ld", k ? ";" : "", k, corpus.class_names[k].c_str(), ntrain[k], ntest[k]);
  long suffix_ids = 0, suffix_uses = 0;
  for (long i = 0; i < vocab.size(); ++i) suffix_ids += vocab.is_ending(i);
  for (const int64_t id : test.ids) suffix_uses += vocab.is_ending(id);
  std::printf("\nvocabulary %ld ids (0 = padding, 1 = unknown, tokens seen >= %d times in train", vocab.size(),
              min_count);
  if (oov_suffix > 0) std::printf(", %ld rare-word endings of %d bytes", suffix_ids, oov_suffix);
  std::printf(") -> model.vocab_size: %ld\n", vocab.size());
  const auto pct = [&](long n) { return test_tokens ? 100.0 * double(n) / double(test_tokens) : 0.0; };
  std::printf("seq_len %d: %ld train / %ld test texts truncated; test tokens: %.2f%% unknown, %.2f%% by their ending\n",
              seq_len, cut_train, cut_test, pct(unknown), pct(suffix_uses));
  std::printf("wrote %s, %s in %.1fs\n", train_path.c_str(), test_path.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace manet::prepare
