// WN26 and FORT14 against the counts measured independently (docs/datasets.md; kept in
// tests/prepare/expected/): per class train/test counts and the test-text checksum.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "prepare/fnv1a.hpp"
#include "prepare/text_corpus.hpp"

namespace manet::prepare {
namespace {

struct Expected {
  long kept = 0, train = 0, test = 0;
  std::vector<std::pair<long, long>> per_class;  // train/test
  std::string checksum;                          // "0x..." or ""
};

Expected read_expected(const std::string& name) {
  std::ifstream in(std::string(MANET_SOURCE_DIR) + "/tests/prepare/expected/" + name);
  std::stringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  Expected e;
  std::smatch m;
  if (std::regex_search(text, m, std::regex(R"(kept (\d+) train (\d+) test (\d+))")))
    e.kept = std::stol(m[1]), e.train = std::stol(m[2]), e.test = std::stol(m[3]);
  const std::regex cls(R"((\d+) [\w.-]+ (\d+)/(\d+))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), cls); it != std::sregex_iterator(); ++it)
    e.per_class.emplace_back(std::stol((*it)[2]), std::stol((*it)[3]));
  if (std::regex_search(text, m, std::regex(R"(checksum[^:]*: (0x[0-9a-f]+))"))) e.checksum = m[1];
  return e;
}

void expect_counts(const TextCorpus& c, const Expected& e) {
  ASSERT_GT(e.kept, 0) << "expected file not parsed";
  EXPECT_EQ(long(c.train.size() + c.test.size()), e.kept);
  EXPECT_EQ(long(c.train.size()), e.train);
  EXPECT_EQ(long(c.test.size()), e.test);
  ASSERT_EQ(e.per_class.size(), c.class_names.size());
  std::vector<std::pair<long, long>> got(c.class_names.size());
  for (const auto& t : c.train) ++got[t.label].first;
  for (const auto& t : c.test) ++got[t.label].second;
  for (std::size_t k = 0; k < got.size(); ++k) EXPECT_EQ(got[k], e.per_class[k]) << "class " << k << " " << c.class_names[k];
}

TEST(Fnv1a, CheckValuesOfDatasetsMd) {
  EXPECT_EQ(fnv1a32(""), 0x811c9dc5u);
  EXPECT_EQ(fnv1a32("a"), 0xe40c292cu);
}

TEST(Wn26, CountsAndTestChecksumMatchTheRecipe) {
  if (!std::filesystem::exists(kWordNetNounFile)) GTEST_SKIP() << "apt-get install wordnet-base";
  const TextCorpus c = read_wn26();
  const Expected e = read_expected("wn26_expected.txt");
  EXPECT_EQ(c.entries, 82115);
  expect_counts(c, e);
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08x", test_text_checksum(c));
  EXPECT_EQ(hex, e.checksum);
  for (const auto& t : c.test) ASSERT_EQ(fnv1a32(t.text) % 10, 0u);
  for (const auto& t : c.train) ASSERT_NE(fnv1a32(t.text) % 10, 0u);
}

TEST(Fort14, CountsMatchTheRecipe) {
  if (!std::filesystem::exists(std::string(kFortunesDir) + "/computers")) GTEST_SKIP() << "apt-get install fortunes";
  const TextCorpus c = read_fort14();
  EXPECT_EQ(c.entries, 5154);
  expect_counts(c, read_expected("fort14_expected.txt"));
}

TEST(TextCorpus, MissingSourceNamesThePackage) {
  try {
    read_wn26("/nonexistent/data.noun");
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("apt-get install wordnet-base"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace manet::prepare
