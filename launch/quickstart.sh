#!/usr/bin/env bash
# The README's two commands:
#   launch/quickstart.sh train [--set key=value ...]   install what is missing, build, run the
#                                                      main job (overrides passed to manet train)
#   launch/quickstart.sh test                           install what is missing, build, run the
#                                                      whole test suite
# Environment: BUILD_DIR (default build), JOBS (default: number of cores), RANKS (train: 2),
# CUDA_BUILD_DIR (test: default build-cuda).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
shift || true
if [[ "$mode" != train && "$mode" != test ]] || [[ "$mode" == test && $# -gt 0 ]]; then
  echo "usage: launch/quickstart.sh train [--set key=value ...] | launch/quickstart.sh test" >&2
  exit 2
fi
# Only config overrides pass through to the main job: anything else is a mistake to report
# now, not after the install and the build.
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --set) ((i + 1 < ${#args[@]})) || { echo "quickstart: --set needs key=value" >&2; exit 2; }; ((i++)) || true ;;
    --set=*) ;;
    *) echo "quickstart: train takes only --set key=value overrides, not '${args[i]}'" >&2; exit 2 ;;
  esac
done
build=${BUILD_DIR:-build}
jobs=${JOBS:-$(launch/cores.sh)}

launch/install-deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$jobs"

export OPENBLAS_NUM_THREADS=1
if [[ "$mode" == test ]]; then
  status=0
  # Each ctest run would list its skipped tests; list them once, for both builds, at the end.
  export MANET_LIST_SKIPPED_LATER=1
  builds=("$build")
  (cd "$build" && ctest --output-on-failure -j "$jobs") || status=$?
  # The CUDA build too, where nvcc is (CI has it, no GPU): only manet and the gpu tests are
  # built there, and those tests skip, naming the reason, when no GPU is usable.
  if [[ -x /usr/local/cuda/bin/nvcc ]] || command -v nvcc >/dev/null; then
    cuda_build=${CUDA_BUILD_DIR:-build-cuda}
    cmake -S . -B "$cuda_build" -DCMAKE_BUILD_TYPE=Release -DMANET_CUDA=ON -DMANET_BUILD_BENCH=OFF
    cmake --build "$cuda_build" -j "$jobs" --target manet manet_gpu_tests
    (cd "$cuda_build" && ctest --output-on-failure -L gpu) || status=$?
    builds+=("$cuda_build")
  else
    echo "quickstart: no nvcc: the CUDA build (cmake -DMANET_CUDA=ON) is not checked"
  fi
  tests/list_skipped.sh "${builds[@]}"
  exit "$status"
fi
# The default job: Fashion-MNIST to >= 90 % test accuracy on 2 ranks (one per core).
# Checkpoints and metrics.jsonl go to checkpoints/fmnist; a second run resumes there.
exec launch/mpirun.sh -np "${RANKS:-2}" "$build/manet" train --config configs/fmnist.yaml "$@"
