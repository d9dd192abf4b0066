#include "train/fault_injection.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <regex>

#include "core/error.hpp"

namespace manet {

FaultPlan FaultPlan::from_env() {
  FaultPlan plan;
  const char* text = std::getenv("MANET_TEST_FAULT");
  if (!text || !*text) return plan;
  std::cmatch m;
  if (!std::regex_match(text, m, std::regex(R"((throw|kill|stall|nan|nangrad|diverge|clipsum|sigterm|sigint|sigusr1):rank=(\d+):step=(\d+))")))
    throw Error("MANET_TEST_FAULT=" + std::string(text) + " is not KIND:rank=R:step=S with KIND one of throw, kill, "
                "stall, nan, nangrad, diverge, clipsum, sigterm, sigint, sigusr1", ErrorKind::usage);
  const std::string kind = m[1];
  plan.kind = kind == "throw" ? FaultKind::throw_error
              : kind == "kill" ? FaultKind::kill
              : kind == "stall" ? FaultKind::stall
              : kind == "nan"   ? FaultKind::nan_loss
              : kind == "nangrad" ? FaultKind::nan_gradient
              : kind == "diverge" ? FaultKind::diverge
              : kind == "clipsum" ? FaultKind::clip_sum
                                  : FaultKind::raise_signal;
  plan.signal = kind == "sigterm" ? SIGTERM : kind == "sigint" ? SIGINT : kind == "sigusr1" ? SIGUSR1 : 0;
  plan.rank = std::stoi(m[2]);
  plan.step = std::stol(m[3]);
  return plan;
}

void FaultPlan::at_step_start(int at_rank, long at_step) const {
  if (due(FaultKind::throw_error, at_rank, at_step))
    throw Error("injected fault (MANET_TEST_FAULT) at step " + std::to_string(at_step));
  if (due(FaultKind::kill, at_rank, at_step)) std::raise(SIGKILL);
  if (due(FaultKind::stall, at_rank, at_step)) std::raise(SIGSTOP);
  if (due(FaultKind::raise_signal, at_rank, at_step)) std::raise(signal);
}

}  // namespace manet
