#!/usr/bin/env bash
# The README's two commands:
#   launch/quickstart.sh train   install what is missing, build, run the main job
#   launch/quickstart.sh test    install what is missing, build, run the whole test suite
# Environment: BUILD_DIR (default build), JOBS (default: number of cores), RANKS (train: 2).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
if [[ "$mode" != train && "$mode" != test ]]; then
  echo "usage: launch/quickstart.sh train|test" >&2
  exit 2
fi
build=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}

launch/install-deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$jobs"

export OPENBLAS_NUM_THREADS=1
if [[ "$mode" == test ]]; then
  cd "$build"
  exec ctest --output-on-failure -j "$jobs"
fi
# The default job: Fashion-MNIST to >= 90 % test accuracy on 2 ranks (one per core).
# Checkpoints and metrics.jsonl go to checkpoints/fmnist; a second run resumes there.
exec launch/mpirun.sh -np "${RANKS:-2}" "$build/manet" train --config configs/fmnist.yaml
