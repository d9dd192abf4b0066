#pragma once
// Subnormal floats (|x| < 2^-126) cost Intel cores a microcode assist on every operation
// that touches one: once weights train, softmax tails and small gradients produce them, and
// a training step on a Xeon took twice as long as the same step on fresh weights (AMD
// cores barely slow down). manet flushes them to zero (MXCSR FTZ and DAZ) in every thread
// that computes - the rank's main thread; manet starts no other compute threads - unless
// MANET_KEEP_SUBNORMALS=1 (for debugging numerics). Results differ from IEEE only for
// values below 1.2e-38, far under float32's rounding of anything the model computes.
namespace manet {

// Sets FTZ and DAZ for the calling thread unless MANET_KEEP_SUBNORMALS=1; returns whether
// they are set.
bool flush_subnormals_here();
// Whether the calling thread flushes subnormals now (reads MXCSR).
bool subnormals_flushed();

}  // namespace manet
