#pragma once
// The phases of a training step (train/step.hpp), and the device's own time for them.

namespace manet {

enum class StepPhase { data, forward, backward, comm, optimizer };

// A GPU's time for a step's phases, from CUDA events (seconds); the host's clock sees only
// when GPU work was queued. `comm` is the compute queue's wait for NCCL after backward;
// `optimizer` covers the gradient checks, clipping and the update.
struct DevicePhaseTimes {
  double forward = 0, backward = 0, comm = 0, optimizer = 0;
  double total() const { return forward + backward + comm + optimizer; }
};

}  // namespace manet
