#include <gtest/gtest.h>

#include "core/error.hpp"

namespace manet {

TEST(Error, CarriesKindAndWhereItWasThrown) {
  try {
    check(false, "the thing is wrong", ErrorKind::usage);
    FAIL() << "check(false) did not throw";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "the thing is wrong");
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_NE(e.thrown_at().find("tests/core/test_error.cpp:"), std::string::npos) << e.thrown_at();
  }
}

TEST(Error, KeyErrorNamesTheKey) {
  const KeyError e("model.num_classes", "must be at least 2");
  EXPECT_EQ(e.key(), "model.num_classes");
  EXPECT_STREQ(e.what(), "model.num_classes: must be at least 2");
  EXPECT_EQ(e.kind(), ErrorKind::usage);
}

}  // namespace manet
