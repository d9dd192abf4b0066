#include "comm/gradient_buckets.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace manet::comm {

std::vector<Bucket> plan_buckets(long total, const std::vector<long>& param_offsets, long max_floats,
                                 long begin) {
  check(max_floats > 0, "the gradient bucket size must be positive");
  std::vector<Bucket> out;
  long end = total;
  while (end > begin) {
    // The earliest parameter start that keeps [start, end) within the limit.
    const long lowest = std::max(begin, end - max_floats);
    auto first = std::lower_bound(param_offsets.begin(), param_offsets.end(), lowest);
    const long start = first != param_offsets.end() && *first < end ? *first : lowest;
    out.push_back({start, end});
    end = start;
  }
  return out;
}

long bucket_floats(double bucket_mb) { return std::max(1L, long(bucket_mb * 1024 * 1024 / sizeof(float))); }

namespace {

class CommTransport final : public BucketTransport {
 public:
  explicit CommTransport(Comm& comm) : comm_(comm) {}
  void begin_step() override { local_finite_ = true; }
  void check_local(const float* data, long count) override {
    local_finite_ = local_finite_ && all_finite(data, count);
  }
  int start_sum(float* data, long count, const char* what) override {
    return comm_.start_all_reduce(data, count, DType::f32, ReduceOp::sum, what);
  }
  bool test(int ticket) override { return comm_.test(ticket); }
  void wait(int ticket) override { comm_.wait(ticket); }
  bool local_all_finite() override { return local_finite_; }

 private:
  Comm& comm_;
  bool local_finite_ = true;
};

}  // namespace

std::unique_ptr<BucketTransport> comm_transport(Comm& comm) { return std::make_unique<CommTransport>(comm); }

GradientBuckets::GradientBuckets(std::unique_ptr<BucketTransport> transport, float* grads, std::vector<Bucket> plan)
    : transport_(std::move(transport)), grads_(grads), buckets_(std::move(plan)) {
  for (std::size_t i = 0; i < buckets_.size(); ++i)
    names_.push_back("all-reduce of gradient bucket " + std::to_string(i + 1) + "/" + std::to_string(buckets_.size()));
  tickets_.assign(buckets_.size(), -1);
}

bool all_finite(const float* data, long n) {
  float probe = 0;  // x * 0 is 0 for every finite x, NaN for NaN and +-inf
#pragma omp simd reduction(+ : probe)
  for (long i = 0; i < n; ++i) probe += data[i] * 0.0f;
  return probe == 0;
}

void GradientBuckets::ready_from(long offset) {
  if (started_ == 0 && !buckets_.empty() && buckets_[0].begin >= offset) transport_->begin_step();  // a new step
  while (started_ < buckets_.size() && buckets_[started_].begin >= offset) {
    const Bucket& b = buckets_[started_];
    transport_->check_local(grads_ + b.begin, b.end - b.begin);
    tickets_[started_] = transport_->start_sum(grads_ + b.begin, b.end - b.begin, names_[started_].c_str());
    ++started_;
  }
  progress();
}

void GradientBuckets::progress() {
  while (completed_ < started_ && transport_->test(tickets_[completed_])) ++completed_;
}

void GradientBuckets::finish() {
  ready_from(0);
  for (; completed_ < started_; ++completed_) transport_->wait(tickets_[completed_]);
  started_ = completed_ = 0;
}

}  // namespace manet::comm
