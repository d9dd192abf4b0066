#pragma once
// The communication API: who am I, how many are we, and the few collectives data
// parallel training needs. Two backends behind one interface, chosen at run time:
// MPI when the process was started by mpirun/srun, a single-process one otherwise (so
// `manet train` without mpirun just works). `comm` knows nothing of layers or models:
// it moves bytes.
//
// Every collective of Comm has a deadline (`set_timeout`): a rank that never arrives - stalled,
// stopped, or dead under a launcher that does not notice - turns into an Error naming
// the collective and the context ("during step 12") instead of a silent hang.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace manet::comm {

enum class DType { f32, f64, i64, u64, u8 };
enum class ReduceOp { sum, min, max };

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<double>() { return DType::f64; }
template <> constexpr DType dtype_of<int64_t>() { return DType::i64; }
template <> constexpr DType dtype_of<uint64_t>() { return DType::u64; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::u8; }

class Comm {
 public:
  virtual ~Comm() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual const char* backend() const = 0;  // "mpi" or "single"

  // Blocking collectives, each bounded by the timeout.
  virtual void all_reduce(void* data, long count, DType type, ReduceOp op, const char* what) = 0;
  virtual void broadcast(void* data, long bytes, int root, const char* what) = 0;
  // Every rank contributes `bytes`; `out` receives size() x bytes in rank order.
  virtual void all_gather(const void* in, void* out, long bytes, const char* what) = 0;
  virtual void barrier(const char* what) = 0;

  // Non-blocking in-place all-reduce; returns a ticket for test/wait. Collectives must
  // be started in the same order on every rank.
  // `what` names it in errors and must outlive the collective (a literal, or stored).
  virtual int start_all_reduce(void* data, long count, DType type, ReduceOp op, const char* what) = 0;
  // Advances the collective (Open MPI progresses only inside MPI calls); true when done.
  virtual bool test(int ticket) = 0;
  virtual void wait(int ticket) = 0;

  // Ends every rank of the job now (MPI_Abort); for errors only one rank has seen.
  [[noreturn]] virtual void abort(int exit_code) = 0;

  void set_timeout(double seconds) { timeout_s_ = seconds; }
  double timeout() const { return timeout_s_; }
  // Words that place a collective in the run for messages: set_context("during step",
  // 12) reads "during step 12". Kept as a literal and a number, so that setting it every
  // step allocates nothing; formatted only when an error needs it.
  void set_context(const char* words, long number = -1) { context_words_ = words, context_number_ = number; }
  std::string context() const;

  // Typed conveniences.
  template <class T>
  void all_reduce(T* data, long count, ReduceOp op, const char* what) {
    all_reduce(data, count, dtype_of<T>(), op, what);
  }
  template <class T>
  T all_reduce_one(T value, ReduceOp op, const char* what) {
    all_reduce(&value, 1, op, what);
    return value;
  }
  template <class T>
  void broadcast_vector(std::vector<T>& v, int root, const char* what) {
    uint64_t n = v.size();
    broadcast(&n, sizeof n, root, what);
    v.resize(n);
    broadcast(v.data(), long(n * sizeof(T)), root, what);
  }
  void broadcast_string(std::string& s, int root, const char* what);
  template <class T>
  std::vector<T> all_gather_one(const T& value, const char* what) {
    std::vector<T> out(size());
    all_gather(&value, out.data(), sizeof(T), what);
    return out;
  }

 protected:
  double timeout_s_ = 300;
  const char* context_words_ = nullptr;
  long context_number_ = -1;
};

// The process's place in the job. Created once in main: it initialises MPI when the
// process was started by an MPI launcher (or MANET_DIST=mpi) and finalises it when it
// goes out of scope; MANET_DIST=single forces one process.
class Session {
 public:
  Session(int* argc, char*** argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Comm& world() { return *world_; }

 private:
  std::unique_ptr<Comm> world_;
  bool finalize_ = false;
};

// True when this process looks started by mpirun/srun with a PMI/PMIx server.
bool launched_by_mpi();

// How many distinct hosts (by host name) the ranks of `comm` run on. Collective.
int count_hosts(Comm& comm);

// This rank's index among the ranks on its host (MPI_Comm_split_type with
// MPI_COMM_TYPE_SHARED; 0 for a single process): which GPU it takes. Collective.
int local_rank(Comm& comm);

}  // namespace manet::comm
