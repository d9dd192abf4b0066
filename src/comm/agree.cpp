#include "comm/agree.hpp"

#include <vector>

#include "core/error.hpp"

namespace manet::comm {

void agree(Comm& comm, const std::function<void()>& work) {
  std::string message;
  int64_t code = 0;  // 0 ok, 1 runtime, 2 usage
  try {
    work();
  } catch (const CollectiveError&) {
    throw;  // already agreed inside
  } catch (const Error& e) {
    message = e.what();
    code = e.kind() == ErrorKind::usage ? 2 : 1;
  } catch (const std::exception& e) {
    message = e.what();
    code = 1;
  }
  if (comm.size() == 1) {
    if (code) throw CollectiveError(message, code == 2 ? ErrorKind::usage : ErrorKind::runtime, true);
    return;
  }
  // [lowest failing rank, worst code] in one collective: min of rank, min of -code.
  int64_t v[2] = {code ? comm.rank() : comm.size(), -code};
  comm.all_reduce(v, 2, ReduceOp::min, "agreement on start-up errors");
  if (v[0] == comm.size()) return;
  const int64_t failed = comm.all_reduce_one<int64_t>(code ? 1 : 0, ReduceOp::sum, "agreement on start-up errors");
  const bool reporter = v[0] == comm.rank();
  // Every rank failing is almost always one cause (a bad config): say it once, plainly.
  const std::string text = !reporter          ? "rank " + std::to_string(v[0]) + " failed"
                           : failed == comm.size() ? message
                                                   : "rank " + std::to_string(comm.rank()) + " (" +
                                                         std::to_string(failed) + " of " + std::to_string(comm.size()) +
                                                         " ranks failed): " + message;
  throw CollectiveError(text, -v[1] == 2 ? ErrorKind::usage : ErrorKind::runtime, reporter);
}

void agree_on_command(Comm& comm, const std::string& command) {
  if (comm.size() == 1) return;
  char mine[32] = {};
  command.copy(mine, sizeof mine - 1);
  std::vector<char> all(sizeof mine * std::size_t(comm.size()));
  comm.all_gather(mine, all.data(), sizeof mine, "all-gather of the subcommands");
  // Described from rank 0's side (it prints): which ranks run something else.
  const std::string first(all.data());
  std::string others;
  for (int r = 1; r < comm.size(); ++r) {
    const std::string theirs(all.data() + sizeof mine * std::size_t(r));
    if (theirs != first) others += ", rank " + std::to_string(r) + " runs 'manet " + theirs + "'";
  }
  if (others.empty()) return;
  throw CollectiveError("the ranks were started with different subcommands: rank 0 runs 'manet " + first + "'" +
                            others + ". Start every rank with the same command (mpirun -np N manet " + first + " ...)",
                        ErrorKind::usage, comm.rank() == 0);
}

}  // namespace manet::comm
