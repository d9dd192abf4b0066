#include "comm/comm.hpp"

#include <mpi.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/error.hpp"

namespace manet::comm {

std::string Comm::context() const {
  if (!context_words_ || !*context_words_) return "";
  return context_number_ >= 0 ? std::string(context_words_) + " " + std::to_string(context_number_) : context_words_;
}

void Comm::broadcast_string(std::string& s, int root, const char* what) {
  std::vector<char> bytes(s.begin(), s.end());
  broadcast_vector(bytes, root, what);
  s.assign(bytes.begin(), bytes.end());
}

namespace {

// One process: every collective is the identity.
class SingleComm final : public Comm {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  const char* backend() const override { return "single"; }
  void all_reduce(void*, long, DType, ReduceOp, const char*) override {}
  void broadcast(void*, long, int, const char*) override {}
  void all_gather(const void* in, void* out, long bytes, const char*) override {
    if (bytes > 0) std::memmove(out, in, std::size_t(bytes));
  }
  void barrier(const char*) override {}
  int start_all_reduce(void*, long, DType, ReduceOp, const char*) override { return 0; }
  bool test(int) override { return true; }
  void wait(int) override {}
  [[noreturn]] void abort(int exit_code) override {
    std::fflush(nullptr);
    std::_Exit(exit_code);
  }
};

MPI_Datatype mpi_type(DType t) {
  switch (t) {
    case DType::f32: return MPI_FLOAT;
    case DType::f64: return MPI_DOUBLE;
    case DType::i64: return MPI_INT64_T;
    case DType::u64: return MPI_UINT64_T;
    case DType::u8: return MPI_UINT8_T;
  }
  return MPI_DATATYPE_NULL;
}

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum: return MPI_SUM;
    case ReduceOp::min: return MPI_MIN;
    case ReduceOp::max: return MPI_MAX;
  }
  return MPI_OP_NULL;
}

class MpiComm final : public Comm {
 public:
  MpiComm() {
    MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
    // Return codes instead of Open MPI's default abort, so errors carry our context.
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  ~MpiComm() override { MPI_Comm_free(&comm_); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  const char* backend() const override { return "mpi"; }

  void all_reduce(void* data, long count, DType type, ReduceOp op, const char* what) override {
    wait(start_all_reduce(data, count, type, op, what));
  }

  void broadcast(void* data, long bytes, int root, const char* what) override {
    constexpr long kChunk = 1L << 30;  // MPI counts are int
    for (long at = 0; at < bytes; at += kChunk) {  // `bytes` is the same on every rank
      const int n = int(std::min(kChunk, bytes - at));
      const int t = new_slot(what);
      check_mpi(MPI_Ibcast(static_cast<char*>(data) + at, n, MPI_BYTE, root, comm_, &slots_[t].request), what);
      wait(t);
    }
  }

  void all_gather(const void* in, void* out, long bytes, const char* what) override {
    const int t = new_slot(what);
    check_mpi(MPI_Iallgather(in, int_count(bytes, what), MPI_BYTE, out, int(bytes), MPI_BYTE, comm_, &slots_[t].request),
              what);
    wait(t);
  }

  void barrier(const char* what) override {
    const int t = new_slot(what);
    check_mpi(MPI_Ibarrier(comm_, &slots_[t].request), what);
    wait(t);
  }

  int start_all_reduce(void* data, long count, DType type, ReduceOp op, const char* what) override {
    const int t = new_slot(what);
    check_mpi(MPI_Iallreduce(MPI_IN_PLACE, data, int_count(count, what), mpi_type(type), mpi_op(op), comm_,
                             &slots_[t].request),
              what);
    return t;
  }

  bool test(int ticket) override {
    Slot& s = slots_.at(ticket);
    if (!s.used) return true;
    int done = 0;
    check_mpi(MPI_Test(&s.request, &done, MPI_STATUS_IGNORE), s.what);
    if (done) s.used = false;
    return done;
  }

  // Spins on MPI_Test (Open MPI progresses only inside MPI calls), yielding the core
  // after a millisecond so oversubscribed ranks let the others run, until done or the
  // deadline.
  void wait(int ticket) override {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const auto yield_after = start + std::chrono::milliseconds(1);
    const auto deadline = start + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(timeout_s_));
    while (!test(ticket)) {
      const auto now = clock::now();
      if (now > deadline) {
        char buf[160];
        std::snprintf(buf, sizeof buf, " did not complete within %g s: another rank has stalled, stopped or died "
                      "(dist.timeout_s; raise it if a rank legitimately needs longer)", timeout_s_);
        throw Error("the " + std::string(slots_[ticket].what) + with_context() + buf);
      }
      if (now > yield_after) sched_yield();
    }
  }

  [[noreturn]] void abort(int exit_code) override {
    std::fflush(nullptr);
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::_Exit(exit_code);  // not reached
  }

 private:
  struct Slot {
    MPI_Request request = MPI_REQUEST_NULL;
    const char* what = "";
    bool used = false;
  };

  std::string with_context() const {
    const std::string c = context();
    return c.empty() ? "" : " " + c;
  }

  int new_slot(const char* what) {
    std::size_t i = 0;
    while (i < slots_.size() && slots_[i].used) ++i;
    if (i == slots_.size()) slots_.emplace_back();
    slots_[i] = Slot{MPI_REQUEST_NULL, what, true};
    return int(i);
  }

  int int_count(long count, const char* what) const {
    if (count < 0 || count > INT_MAX)
      throw Error("the " + std::string(what) + " has " + std::to_string(count) +
                  " elements, more than one MPI call can carry; lower dist.bucket_mb");
    return int(count);
  }

  void check_mpi(int rc, const char* what) const {
    if (rc == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    throw Error(std::string("MPI failed in the ") + what + with_context() + ": " +
                std::string(text, std::size_t(len)));
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
  std::vector<Slot> slots_;
};

bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}

}  // namespace

bool launched_by_mpi() {
  if (const char* forced = std::getenv("MANET_DIST"); forced && *forced) {
    if (std::strcmp(forced, "mpi") == 0) return true;
    if (std::strcmp(forced, "single") == 0) return false;
    throw Error("MANET_DIST=" + std::string(forced) + " is not one of mpi, single", ErrorKind::usage);
  }
  if (env_set("OMPI_COMM_WORLD_SIZE") || env_set("PMIX_RANK") || env_set("PMI_RANK") || env_set("PMI_SIZE"))
    return true;
  // srun without an MPI plugin would start N independent single-rank runs that all write
  // the same checkpoint directory: refuse instead.
  if (env_set("SLURM_STEP_ID") && env_set("SLURM_NTASKS") && std::atol(std::getenv("SLURM_NTASKS")) > 1)
    throw Error("started by srun with " + std::string(std::getenv("SLURM_NTASKS")) +
                    " tasks but without an MPI plugin: use `srun --mpi=pmix` (or mpirun inside the allocation)",
                ErrorKind::usage);
  return false;
}

int count_hosts(Comm& comm) {
  char name[64] = {};
  ::gethostname(name, sizeof name - 1);
  std::vector<char> all(sizeof name * std::size_t(comm.size()));
  comm.all_gather(name, all.data(), sizeof name, "all-gather of host names");
  std::vector<std::string> hosts;
  for (int r = 0; r < comm.size(); ++r) hosts.emplace_back(all.data() + sizeof name * std::size_t(r));
  std::sort(hosts.begin(), hosts.end());
  return int(std::unique(hosts.begin(), hosts.end()) - hosts.begin());
}

int local_rank(Comm& comm) {
  if (std::string(comm.backend()) != "mpi") return 0;
  MPI_Comm host = MPI_COMM_NULL;
  int local = 0;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, comm.rank(), MPI_INFO_NULL, &host) != MPI_SUCCESS)
    throw Error("rank " + std::to_string(comm.rank()) + ": MPI_Comm_split_type (ranks per host) failed");
  MPI_Comm_rank(host, &local);
  MPI_Comm_free(&host);
  return local;
}

Session::Session(int* argc, char*** argv) {
  if (!launched_by_mpi()) {
    world_ = std::make_unique<SingleComm>();
    return;
  }
  int provided = 0;
  // FUNNELED: only the main thread calls MPI.
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    throw Error("MPI_Init_thread failed");
  finalize_ = true;
  world_ = std::make_unique<MpiComm>();
}

Session::~Session() {
  world_.reset();
  if (finalize_) MPI_Finalize();
}

}  // namespace manet::comm
