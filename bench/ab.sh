#!/usr/bin/env bash
# Two manet binaries on the same training run, alternating: did a change make it faster or
# slower? Each pair runs A then B (the next pair B then A, so neither always goes first)
# with the same config, ranks and steps; every pair's samples/s and the median of the
# per-pair ratios B/A are printed. Shared machines drift by 2x within minutes: only the
# ratios within one run mean anything.
#
#   bench/ab.sh BIN_A BIN_B [--pairs 3] [--ranks 2] [--steps 60] [--config configs/spec_example.yaml] [--set k=v]...
#
# Defaults: the spec example on Fashion-MNIST, batch 64 per rank, SGD 0.05 momentum 0.9.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 2 ]] || { sed -n '2,10p' "$0" >&2; exit 2; }
a=$1 b=$2; shift 2
pairs=3 ranks=2 steps=60 config=configs/spec_example.yaml extra=()
while (($#)); do
  case "$1" in
    --pairs) pairs=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --set) extra+=(--set "$2"); shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
for bin in "$a" "$b"; do [[ -x $bin ]] || { echo "no executable $bin" >&2; exit 2; }; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OPENBLAS_NUM_THREADS=1

run() {  # binary, output dir -> samples/s
  local sets=(--config "$config" --set "train.max_steps=$((steps + 5))" --set train.log_every_steps=1000000
              --set checkpoint.resume=never --set "checkpoint.dir=$2" --set data.test=null)
  if [[ $config == configs/spec_example.yaml ]]; then
    sets+=(--set "data={train: {format: fashion_mnist, split: train}}" --set train.batch_size=64
           --set "optimizer={type: sgd, lr: 0.05, momentum: 0.9}")
  fi
  launch/mpirun.sh -np "$ranks" "$1" train "${sets[@]}" "${extra[@]}" >"$2.log" 2>&1 || { cat "$2.log" >&2; exit 1; }
  sed -n 's/.*"event":"summary".*"samples_per_s":\([0-9.e+-]*\).*/\1/p' "$2/metrics.jsonl" | tail -1
}

echo "A: $a"
echo "B: $b"
echo "$config, $ranks rank(s), $steps timed steps, $(lscpu | sed -n 's/^Model name: *//p') ($(launch/cores.sh) cores), $(date -u +%FT%TZ)"
ratios=()
for ((i = 1; i <= pairs; ++i)); do
  if ((i % 2)); then sa=$(run "$a" "$tmp/a$i"); sb=$(run "$b" "$tmp/b$i"); else sb=$(run "$b" "$tmp/b$i"); sa=$(run "$a" "$tmp/a$i"); fi
  r=$(awk -v x="$sb" -v y="$sa" 'BEGIN{printf "%.4f", x/y}')
  ratios+=("$r")
  printf 'pair %d: A %8.1f samples/s   B %8.1f samples/s   B/A %.3f\n' "$i" "$sa" "$sb" "$r"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{v[NR]=$1} END{print NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}')
echo "median B/A: $median"
