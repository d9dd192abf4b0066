#!/usr/bin/env bash
# manet against PyTorch on the same cores, in one run: the spec's example model
# on Fashion-MNIST, batch 64 per rank, SGD lr 0.05 momentum 0.9, dropout 0.1.
#   manet:   1 and 2 ranks (launch/mpirun.sh), one thread each
#   PyTorch: bench/peer_torch.py, DistributedDataParallel over gloo, 2 processes x 1
#            thread, OPENBLAS_NUM_THREADS=1, libtcmalloc_minimal preloaded
# Steady-state samples/s (warm-up excluded), the ratio, GFLOP/s and % of the FMA peak,
# peak RSS per rank, and manet's time split. Runs alternate (manet, PyTorch, manet, ...)
# so that a noisy neighbour hurts both; the best of --repeat runs of each is reported.
#
#   bench/vs_pytorch.sh [--steps 60] [--repeat 2] [--mflop 98.1] [--peak 117]
#
# Needs: a build (cmake --build build), python3-torch and libtcmalloc-minimal4 (apt).
set -euo pipefail
cd "$(dirname "$0")/.."
steps=60 repeat=2 mflop=98.1 peak=117 bin=${MANET_BIN:-build/manet}
while (($#)); do
  case "$1" in
    --steps) steps=$2; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --mflop) mflop=$2; shift 2 ;;
    --peak) peak=$2; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
python=/usr/bin/python3
tcmalloc=$(ls /usr/lib/*/libtcmalloc_minimal.so.4 2>/dev/null | head -1 || true)
[[ -x "$bin" ]] || { echo "no $bin: build first (cmake --build build)" >&2; exit 2; }
"$python" -c 'import torch' 2>/dev/null ||
  { echo "PyTorch is missing: apt-get install python3-torch libtcmalloc-minimal4" >&2; exit 2; }
[[ -n "$tcmalloc" ]] || { echo "libtcmalloc_minimal is missing: apt-get install libtcmalloc-minimal4" >&2; exit 2; }
cores=$(launch/cores.sh)
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() { sed -n "s/.*\"$1\": *\([0-9.e+-]*\).*/\1/p" "$2" | tail -1; }
manet_run() {  # ranks, output dir
  local sets=(--config configs/spec_example.yaml --set "train.max_steps=$((steps + 5))"
              --set train.log_every_steps=1000000 --set checkpoint.resume=never --set "checkpoint.dir=$2"
              --set "data={train: {format: fashion_mnist, split: train}}" --set train.batch_size=64
              --set "optimizer={type: sgd, lr: 0.05, momentum: 0.9}")
  if [[ $1 == 1 ]]; then "$bin" train "${sets[@]}"; else launch/mpirun.sh -np "$1" "$bin" train "${sets[@]}"; fi \
    >"$2.log" 2>&1 || { cat "$2.log" >&2; exit 1; }
}
torch_run() {  # output file
  LD_PRELOAD=$tcmalloc "$python" bench/peer_torch.py --ranks 2 --steps "$steps" --warmup 10 >"$1" 2>"$1.err" ||
    { cat "$1.err" >&2; exit 1; }
}
best() {  # field, files...: the largest value (samples/s), and the file it came from
  local f=$1 top="" from=""; shift
  for file in "$@"; do
    v=$(field "$f" "$file"); [[ -z "$top" ]] || awk -v a="$v" -v b="$top" 'BEGIN{exit !(a>b)}' && top=$v from=$file
  done
  echo "$from"
}

echo "manet vs PyTorch: spec example (98.1 MFLOP/sample), batch 64/rank, SGD 0.05 m0.9, $steps timed steps, $cores cores"
echo "  $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%FT%TZ), torch $("$python" -c 'import torch; print(torch.__version__)')"
m1=() m2=() pt=()
for ((i = 1; i <= repeat; ++i)); do
  manet_run 2 "$tmp/m2-$i"; m2+=("$tmp/m2-$i/metrics.jsonl")
  torch_run "$tmp/pt-$i"; pt+=("$tmp/pt-$i")
  manet_run 1 "$tmp/m1-$i"; m1+=("$tmp/m1-$i/metrics.jsonl")
done
b1=$(best samples_per_s "${m1[@]}") b2=$(best samples_per_s "${m2[@]}") bp=$(best samples_per_s "${pt[@]}")
s1=$(field samples_per_s "$b1") s2=$(field samples_per_s "$b2") sp=$(field samples_per_s "$bp")
r1=$(field peak_rss_mb "$b1") r2=$(field peak_rss_mb "$b2") rp=$(field peak_rss_mb "$bp")
gf() { awk -v s="$1" -v m="$mflop" -v r="$2" -v p="$peak" 'BEGIN{g=s*m/1000; printf "%6.1f GFLOP/s = %4.1f %% of %d cores x %g", g, 100*g/(r*p), r, p}'; }
echo
printf '%-28s %10s %12s %46s\n' run samples/s "peak RSS/rank" compute
printf '%-28s %10.1f %9.1f MB   %s\n' "manet 1 rank" "$s1" "$r1" "$(gf "$s1" 1)"
printf '%-28s %10.1f %9.1f MB   %s\n' "manet 2 ranks (MPI)" "$s2" "$r2" "$(gf "$s2" 2)"
printf '%-28s %10.1f %9.1f MB   %s\n' "PyTorch DDP 2x1 (gloo)" "$sp" "$rp" "$(gf "$sp" 2)"
all() { for f in "$@"; do printf ' %s' "$(field samples_per_s "$f")"; done; }
echo "  (every run, samples/s: manet 1 rank$(all "${m1[@]}"); manet 2 ranks$(all "${m2[@]}"); PyTorch$(all "${pt[@]}"))"
echo
step=$(field step_ms "$b2")
pct() { awk -v v="$(field "$1" "$b2")" -v s="$step" 'BEGIN{printf "%.2f ms (%.1f %%)", v, 100*v/s}'; }
echo "manet 2 ranks, per step $step ms: forward $(pct forward_ms), backward $(pct backward_ms), exposed communication $(pct comm_floor_ms),"
echo "  waiting for the slower rank $(awk -v c="$(field comm_ms "$b2")" -v f="$(field comm_floor_ms "$b2")" 'BEGIN{printf "%.2f ms", c-f}'), optimizer $(pct optimizer_ms), data $(pct data_ms)"
echo
ratio=$(awk -v a="$s2" -v b="$sp" 'BEGIN{printf "%.2f", a/b}')
mem=$(awk -v a="$r2" -v b="$rp" 'BEGIN{printf "%.2f", a/b}')
scaling=$(awk -v a="$s2" -v b="$s1" 'BEGIN{printf "%.1f", 100*a/(2*b)}')
verdict() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN{ok = dir == ">" ? v >= t : v <= t; print ok ? "met" : "NOT met"}'; }
echo "throughput ratio manet/PyTorch (2 ranks): ${ratio}x   (target >= 2.0: $(verdict "$ratio" 2.0 ">"))"
echo "peak RSS ratio manet/PyTorch per rank:    ${mem}    (target <= 0.333: $(verdict "$mem" 0.3334 "<"))"
echo "scaling 1 -> 2 ranks:                     ${scaling} %  (target >= 90: $(verdict "$scaling" 90 ">"))"
exposed=$(awk -v c="$(field comm_floor_ms "$b2")" -v s="$step" 'BEGIN{printf "%.2f", 100*c/s}')
echo "exposed communication per step:           ${exposed} %  (target <= 5: $(verdict "$exposed" 5 "<"))"
