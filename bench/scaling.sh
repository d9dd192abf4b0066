#!/usr/bin/env bash
# Data-parallel scaling of `manet train` on this machine: steady-state samples/s at 1
# and 2 ranks (or --ranks), scaling efficiency, and per step: rank 0's wait for the
# gradients after backward (exposed communication + waiting for slower ranks), and the
# exposed communication proper (the wait of the last rank to arrive, step by step). Default workload: the spec's example model on
# Fashion-MNIST, batch 64 per rank, SGD lr 0.05 momentum 0.9, dropout 0.1.
#
#   bench/scaling.sh [--steps 60] [--ranks "1 2"] [--config FILE] [--bucket-mb "0.25 1 4"]
#
# With --bucket-mb, every multi-rank count is run once per bucket size (to choose
# dist.bucket_mb). Figures come from the run's own summary (metrics.jsonl), warm-up
# steps excluded.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=60 ranks="1 2" config=configs/spec_example.yaml buckets="" bin=${MANET_BIN:-build/manet}
while (($#)); do
  case "$1" in
    --steps) steps=$2; shift 2 ;;
    --ranks) ranks=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --bucket-mb) buckets=$2; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
[[ -x "$bin" ]] || { echo "no $bin: build first (cmake --build build)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sets=(--set "train.max_steps=$steps" --set train.log_every_steps=1000000 --set checkpoint.resume=never
      --set data.test=null)
if [[ "$config" == configs/spec_example.yaml ]]; then
  sets+=(--set "data={train: {format: fashion_mnist, split: train}}"
         --set "optimizer={type: sgd, lr: 0.05, momentum: 0.9}" --set train.batch_size=64)
fi

field() { sed -n "s/.*\"$1\":\([0-9.e+-]*\).*/\1/p" "$2" | tail -1; }

echo "manet scaling: $config, $steps steps per run (first 5 excluded), $(launch/cores.sh) cores, $(date -u +%FT%TZ)"
printf '%-6s %-10s %10s %9s %9s %18s %18s %9s\n' ranks bucket_mb samples/s per_rank step_ms "rank0_wait_ms" "exposed_comm_ms" scaling
base=""
for r in $ranks; do
  for mb in ${buckets:-default}; do
    dir="$tmp/np$r-$mb"
    extra=()
    [[ "$mb" != default ]] && extra=(--set "dist.bucket_mb=$mb")
    if [[ $r == 1 ]]; then
      "$bin" train --config "$config" "${sets[@]}" "${extra[@]}" --set "checkpoint.dir=$dir" >"$tmp/log" 2>&1
    else
      launch/mpirun.sh -np "$r" "$bin" train --config "$config" "${sets[@]}" "${extra[@]}" \
        --set "checkpoint.dir=$dir" >"$tmp/log" 2>&1
    fi || { cat "$tmp/log" >&2; exit 1; }
    m="$dir/metrics.jsonl"
    sps=$(field samples_per_s "$m") step=$(field step_ms "$m") comm=$(field comm_ms "$m")
    floor=$(field comm_floor_ms "$m")
    [[ -z "$base" && $r == 1 ]] && base=$sps
    eff=$([[ -n "$base" ]] && awk -v s="$sps" -v b="$base" -v r="$r" 'BEGIN{printf "%.1f %%", 100*s/(b*r)}' || echo -)
    pct() { awk -v c="$1" -v s="$step" 'BEGIN{printf "%.2f (%.1f %%)", c, 100*c/s}'; }
    printf '%-6s %-10s %10.1f %9.1f %9.1f %18s %18s %9s\n' "$r" "$mb" "$sps" \
      "$(awk -v s="$sps" -v r="$r" 'BEGIN{printf "%.1f", s/r}')" "$step" "$(pct "$comm")" "$(pct "$floor")" "$eff"
  done
done
