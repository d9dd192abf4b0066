#pragma once
#include "dist/comm.hpp"

namespace manet::testing {
// This process's communicator, set up by mpi_test_main.cpp.
extern dist::Comm* g_world;
inline dist::Comm& world() { return *g_world; }
}  // namespace manet::testing
