// The tokenizer and vocabulary: fixed cases, the vocabulary sizes measured with Python's
// re (an independent implementation; docs/datasets.md), determinism, and the prepared files.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "data/hdf5_dataset.hpp"
#include "prepare/prepare.hpp"
#include "prepare/prepared_file.hpp"
#include "prepare/text_corpus.hpp"
#include "data/tokenizer.hpp"

namespace manet::prepare {
namespace {

TEST(Tokenize, LowerCasedWordsAndSinglePunctuation) {
  const std::vector<std::string> want = {"a", "dog", "'", "s", "tail", ";", "(", "e", ".", "g", ".", "3", "_x_", "!", "!"};
  EXPECT_EQ(tokenize("A DOG's  tail;\t(e.g. 3 _x_!!"), want);
  EXPECT_TRUE(tokenize("  \n ").empty());
  EXPECT_EQ(tokenize("caf\xc3\xa9 ok"), (std::vector<std::string>{"caf\xc3\xa9", "ok"}));
}

TEST(Vocabulary, IdsByFrequencyThenBytesAndPaddingAtTheEnd) {
  const Vocabulary v = Vocabulary::build({"b a b", "c b a", "d"}, 2);
  ASSERT_EQ(v.size(), 4);  // <pad> <unk> b a
  EXPECT_EQ(v.id("b"), 2);
  EXPECT_EQ(v.id("a"), 3);
  EXPECT_EQ(v.id("c"), Vocabulary::kUnknown);
  EXPECT_EQ(v.encode("A c b", 5), (std::vector<int64_t>{3, 1, 2, 0, 0}));
  EXPECT_EQ(v.encode("a a a a", 2), (std::vector<int64_t>{3, 3}));
  const Vocabulary back = Vocabulary::deserialize(v.serialize());
  EXPECT_EQ(back.serialize(), v.serialize());
  EXPECT_EQ(back.id("a"), 3);
}

TEST(Vocabulary, RareWordsFallBackToTheirEndingWhenEnoughRareWordsShareIt) {
  // Kept words (count >= 2): "the" 3, "enzyme" 2. Rare: lipase, amylase, kinase (their ending "ase"
  // has 3 uses -> a suffix token), orchid (alone with "hid" -> unknown), "x" (too short), "," (not a word).
  const Vocabulary v = Vocabulary::build({"the lipase enzyme", "the amylase , orchid", "the kinase enzyme x"}, 2, 3);
  ASSERT_EQ(v.size(), 5);  // <pad> <unk> the enzyme <unk:ase>
  EXPECT_EQ(v.token(4), "<unk:ase>");
  EXPECT_EQ(v.suffix_len(), 3);
  EXPECT_EQ(v.id("kinase"), 4);
  EXPECT_EQ(v.id("protease"), 4);  // never seen: its ending still speaks
  EXPECT_EQ(v.id("orchid"), Vocabulary::kUnknown);
  EXPECT_EQ(v.id("ase"), Vocabulary::kUnknown);  // no longer than the ending: no word left to stand for
  EXPECT_EQ(v.id("x"), Vocabulary::kUnknown);
  EXPECT_EQ(v.id(","), Vocabulary::kUnknown);
  EXPECT_EQ(v.encode("The ribonucleASE ; enzyme orchid", 6), (std::vector<int64_t>{2, 4, 1, 3, 1, 0}));
  // The suffix length travels with the stored vocabulary.
  const Vocabulary back = Vocabulary::deserialize(v.serialize());
  EXPECT_EQ(back.suffix_len(), 3);
  EXPECT_EQ(back.id("protease"), 4);
  // Token dropout's table: a word as if unseen is its ending's id, or unknown.
  EXPECT_EQ(v.unseen_id(v.id("the")), Vocabulary::kUnknown);  // "the" is too short for an ending
  EXPECT_EQ(v.unseen_id(v.id("enzyme")), Vocabulary::kUnknown);  // "yme" ends no rare words
  EXPECT_EQ(v.unseen_id(4), Vocabulary::kUnknown);  // an ending dropped: unknown
  EXPECT_EQ(v.unseen_id(Vocabulary::kPad), Vocabulary::kUnknown);
  const Vocabulary k = Vocabulary::build({"the kinase kinase", "lipase amylase"}, 2, 3);  // kinase 2, <unk:ase> 3
  EXPECT_EQ(k.token(2), "kinase");
  EXPECT_EQ(k.unseen_id(2), k.id("<unk:ase>"));  // a kept word ending like the rare ones
  // Off (the default) it is the plain vocabulary.
  EXPECT_EQ(Vocabulary::build({"the lipase", "the amylase"}, 2).id("kinase"), Vocabulary::kUnknown);
}

TEST(Vocabulary, DeterministicWhateverTheOrderOfTexts) {
  std::vector<std::string> texts;
  for (int i = 0; i < 300; ++i) texts.push_back("w" + std::to_string(i % 17) + " x" + std::to_string(i % 5) + " , y");
  for (int i = 0; i < 40; ++i) texts.push_back("rare" + std::to_string(i) + "ing z" + std::to_string(i % 9) + "ed");
  const std::string a = Vocabulary::build(texts, 1).serialize(), b = Vocabulary::build(texts, 2, 3).serialize();
  std::shuffle(texts.begin(), texts.end(), std::mt19937(7));
  EXPECT_EQ(Vocabulary::build(texts, 1).serialize(), a);
  EXPECT_EQ(Vocabulary::build(texts, 2, 3).serialize(), b);
}

TEST(Vocabulary, Wn26SizesMatchDatasetsMd) {
  if (!std::filesystem::exists(kWordNetNounFile)) GTEST_SKIP() << "apt-get install wordnet-base";
  std::vector<std::string> train;
  for (const auto& t : read_wn26().train) train.push_back(t.text);
  // "Train vocabulary 38518, with count >= 2 24145, >= 3 18373", + <pad> and <unk>.
  EXPECT_EQ(Vocabulary::build(train, 1).size(), 38518 + 2);
  EXPECT_EQ(Vocabulary::build(train, 2).size(), 24145 + 2);
  EXPECT_EQ(Vocabulary::build(train, 3).size(), 18373 + 2);
}

TEST(PrepareText, Fort14FilesCarryTheVocabularyAndRerunsAreNoOps) {
  if (!std::filesystem::exists(std::string(kFortunesDir) + "/computers")) GTEST_SKIP() << "apt-get install fortunes";
  const std::string dir = (std::filesystem::temp_directory_path() / ("manet_prep_" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(dir);
  PrepareOptions o;
  o.dataset = "fort14", o.out_dir = dir, o.seq_len = 24;
  run_prepare(o);
  const Dataset train = load_hdf5_dataset(dir + "/train.h5"), test = load_hdf5_dataset(dir + "/test.h5");
  EXPECT_EQ(train.size(), 4635);
  EXPECT_EQ(test.size(), 511);
  EXPECT_TRUE(train.tokens);
  EXPECT_EQ(train.sample_shape.W, 24);
  const Vocabulary v = Vocabulary::deserialize(read_prepared_string(dir + "/train.h5", "vocab"));
  EXPECT_EQ(read_prepared_string(dir + "/test.h5", "vocab"), v.serialize());
  ASSERT_EQ(long(train.unseen_ids.size()), v.size());  // the loader reads the vocabulary's table
  for (long i = 0; i < v.size(); i += 97) EXPECT_EQ(train.unseen_ids[std::size_t(i)], v.unseen_id(i)) << i;
  const int64_t top = *std::max_element(train.ids.begin(), train.ids.end());
  EXPECT_LT(top, v.size());
  EXPECT_GT(top, v.size() * 9 / 10);  // ids run over the vocabulary (rare ones may be cut by seq_len)
  const auto stamp = std::filesystem::last_write_time(dir + "/train.h5");
  run_prepare(o);  // up to date: nothing rewritten
  EXPECT_EQ(std::filesystem::last_write_time(dir + "/train.h5"), stamp);
  o.seq_len = 25;  // another recipe: rebuilt
  run_prepare(o);
  EXPECT_EQ(load_hdf5_dataset(dir + "/train.h5").sample_shape.W, 25);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace manet::prepare
