#pragma once
// The sum over ranks of a gradient that is nonzero in a few rows only: a token embedding
// table (rows = vocabulary, width = embedding size) gets gradient in the rows of the ids
// its step saw - a few hundred rows of tens of thousands. Summing the whole table moves
// all of it after backward with nothing to hide behind (the embedding's gradient is the
// last one backward makes); summing only the rows some rank touched moves the same sums
// at a fraction of the bytes. A row no rank touched is zero on every rank, and so is its
// sum: the result is the dense sum.
//
// Two collectives, in the same order on every rank: the union of the touched rows (a
// byte per row, max), then the packed rows (float sum).
#include <cstdint>
#include <vector>

#include "comm/comm.hpp"

namespace manet::comm {

class RowSparseSum {
 public:
  RowSparseSum(Comm& comm, long rows, long width);

  // grads: (rows, width), zero outside the rows in `touched` (this rank's, any order,
  // repeats allowed). Afterwards every rank holds the sum over ranks of every row.
  void sum(float* grads, const std::vector<int>& touched);
  // Whether this rank's own rows were finite at the last sum (to name the culprit).
  bool local_finite() const { return local_finite_; }
  // How many rows the last sum moved: the union over ranks.
  long rows_moved() const { return long(union_.size()); }

 private:
  Comm& comm_;
  long rows_, width_;
  std::vector<uint8_t> in_use_;
  std::vector<int> union_;
  std::vector<float> packed_;
  bool local_finite_ = true;
};

}  // namespace manet::comm
