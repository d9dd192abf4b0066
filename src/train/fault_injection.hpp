#pragma once
// Test-only fault injection, compiled in and inert unless the environment variable
// MANET_TEST_FAULT names a fault, a rank and a step:
//
//   MANET_TEST_FAULT=throw:rank=1:step=3   an Error on rank 1 at the start of step 3
//   MANET_TEST_FAULT=kill:rank=1:step=3    rank 1 SIGKILLs itself
//   MANET_TEST_FAULT=stall:rank=1:step=3   rank 1 SIGSTOPs itself (a hung node)
//   MANET_TEST_FAULT=nan:rank=1:step=3     rank 1's loss of step 3 is NaN
//   MANET_TEST_FAULT=nangrad:rank=1:step=3 rank 1's gradients of step 3 are NaN
//   MANET_TEST_FAULT=diverge:rank=1:step=3 rank 1 steps with a slightly different learning rate
//   MANET_TEST_FAULT=clipsum:rank=1:step=3 rank 1's own sum of squares for clipping is 21 % larger
//                                          (as a GPU's unordered sum could differ): the ranks must
//                                          still agree on one clipping factor
//   MANET_TEST_FAULT=sigterm:rank=1:step=3 rank 1 raises SIGTERM (also sigint, sigusr1)
//
// The fault suite drives real failures through the real binary with it; nobody else
// should set it.
#include <string>

namespace manet {

enum class FaultKind { none, throw_error, kill, stall, nan_loss, nan_gradient, diverge, clip_sum, raise_signal };

struct FaultPlan {
  FaultKind kind = FaultKind::none;
  int rank = 0;
  long step = 0;  // 1-based, like the step numbers printed
  int signal = 0;  // for raise_signal

  static FaultPlan from_env();  // throws a usage Error on a malformed value
  bool due(FaultKind k, int at_rank, long at_step) const { return kind == k && rank == at_rank && step == at_step; }
  // At the start of a step: throws, or stops or kills this process, when planned.
  void at_step_start(int at_rank, long at_step) const;
};

}  // namespace manet
