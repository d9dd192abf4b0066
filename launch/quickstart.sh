#!/usr/bin/env bash
# The README's two commands:
#   launch/quickstart.sh train   install what is missing, build, run the main job
#   launch/quickstart.sh test    install what is missing, build, run the whole test suite
# Environment: BUILD_DIR (default build), JOBS (default: number of cores).
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
# Until `manet train` lands ([2/9]): forward + backward of the default model on real
# Fashion-MNIST images, timed.
exec "$build/manet_bench_step" --config configs/spec_example.yaml --seconds 5
