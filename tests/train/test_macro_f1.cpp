// Macro-F1 from a confusion matrix, against values worked out by hand (and as
// scikit-learn's f1_score(average="macro") gives them).
#include <gtest/gtest.h>

#include "train/evaluate.hpp"

namespace manet {
namespace {

EvalResult with_confusion(int classes, std::vector<long> confusion) {
  EvalResult r;
  r.classes = classes;
  r.confusion = std::move(confusion);
  return r;
}

TEST(MacroF1, HandWorkedThreeClasses) {
  // rows = true, columns = predicted. Class 0: TP 2, FN 1, FP 1 -> 4/6; class 1: TP 1,
  // FN 1, FP 2 -> 2/5; class 2: TP 3, FN 1, FP 0 -> 6/7.
  const EvalResult r = with_confusion(3, {2, 1, 0,  //
                                          1, 1, 0,  //
                                          0, 1, 3});
  EXPECT_NEAR(r.macro_f1(), (4.0 / 6 + 2.0 / 5 + 6.0 / 7) / 3, 1e-12);
}

TEST(MacroF1, PerfectIsOneAndAbsentClassesDoNotCount) {
  EXPECT_DOUBLE_EQ(with_confusion(3, {5, 0, 0, 0, 7, 0, 0, 0, 0}).macro_f1(), 1.0);  // class 2 never seen
  // Everything predicted as class 0: F1 of class 0 = 2*3/(6+3) = 2/3, class 1 = 0.
  EXPECT_NEAR(with_confusion(2, {3, 0, 3, 0}).macro_f1(), (2.0 / 3 + 0.0) / 2, 1e-12);
}

}  // namespace
}  // namespace manet
