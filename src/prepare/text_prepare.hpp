#pragma once
// WN26 and FORT14 as token-id data sets: DIR/train.h5 and DIR/test.h5, /x int64 [N, T],
// /y int64 [N], plus /vocab (the training vocabulary, one token per line, line i = id i)
// and /classes (class names, one per line), so eval and users see the same ids.
#include <string>

#include "prepare/prepare.hpp"

namespace manet::prepare {

struct TextDefaults {
  int seq_len, min_count, oov_suffix;
};
TextDefaults text_defaults(const std::string& corpus);  // wn26: 40, 3, 3; fort14: 64, 2, 0

void prepare_text(const PrepareOptions& options);

}  // namespace manet::prepare
