#include "comm/row_sparse_sum.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"
#include "comm/gradient_buckets.hpp"

namespace manet::comm {

RowSparseSum::RowSparseSum(Comm& comm, long rows, long width)
    : comm_(comm), rows_(rows), width_(width), in_use_(std::size_t(rows)) {}

void RowSparseSum::sum(float* grads, const std::vector<int>& touched) {
  std::fill(in_use_.begin(), in_use_.end(), uint8_t(0));
  for (int r : touched) {
    check(r >= 0 && r < rows_,
          "RowSparseSum: row " + std::to_string(r) + " outside [0, " + std::to_string(rows_) + ")");
    in_use_[std::size_t(r)] = 1;
  }
  comm_.all_reduce(in_use_.data(), rows_, DType::u8, ReduceOp::max, "all-reduce of the embedding rows in use");
  union_.clear();
  for (long r = 0; r < rows_; ++r)
    if (in_use_[std::size_t(r)]) union_.push_back(int(r));

  packed_.resize(union_.size() * std::size_t(width_));
  for (std::size_t i = 0; i < union_.size(); ++i)
    std::copy_n(grads + long(union_[i]) * width_, width_, packed_.data() + long(i) * width_);
  local_finite_ = all_finite(packed_.data(), long(packed_.size()));
  comm_.all_reduce(packed_.data(), long(packed_.size()), DType::f32, ReduceOp::sum,
                   "all-reduce of the embedding gradient rows");
  for (std::size_t i = 0; i < union_.size(); ++i)
    std::copy_n(packed_.data() + long(i) * width_, width_, grads + long(union_[i]) * width_);
}

}  // namespace manet::comm
