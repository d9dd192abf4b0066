#pragma once
// Agreement on failure. Some work (reading the config, the data, a checkpoint) can fail
// on one rank, several or all. Running it through `agree` makes every rank leave
// together: when any rank threw, every rank throws a CollectiveError, printed once, by
// the lowest failing rank with its own message; nobody hangs in a collective the
// failed rank will never reach, and nobody prints the same line 512 times.
#include <functional>
#include <string>

#include "comm/comm.hpp"

namespace manet::comm {

void agree(Comm& comm, const std::function<void()>& work);

// Every rank must run the same subcommand: an MPMD launch (mpirun -np 1 manet train ... :
// -np 1 manet eval ...) would otherwise meet in mismatched collectives. The first
// collective of every command; a mismatch is a CollectiveError naming the ranks.
void agree_on_command(Comm& comm, const std::string& command);

}  // namespace manet::comm
