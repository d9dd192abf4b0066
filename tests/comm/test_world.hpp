#pragma once
#include "comm/comm.hpp"

namespace manet::testing {
// This process's communicator, set up by mpi_test_main.cpp.
extern comm::Comm* g_world;
inline comm::Comm& world() { return *g_world; }
}  // namespace manet::testing
