#!/usr/bin/env bash
# manet against PyTorch at its best on the same cores, in one run: the spec's example model
# on Fashion-MNIST, batch 64 per rank, SGD lr 0.05 momentum 0.9, dropout 0.1.
#   manet:   2 ranks (launch/mpirun.sh), one thread each, as a user runs it
#   PyTorch: bench/peer_torch.py, DistributedDataParallel over gloo, 2 processes x 1 thread,
#            given its best settings here: libtcmalloc_minimal preloaded,
#            torch.set_flush_denormal(True), and OPENBLAS_CORETYPE set to the core this CPU
#            allows when its OpenBLAS would pick a weaker one (as manet does for itself)
# Both are timed from fresh weights and from weights trained one epoch (subnormal numbers
# appear as weights train, and some CPUs slow down on them): the trained checkpoint is made
# once with manet and cached (build/bench-cache), and PyTorch loads it with h5py.
# Runs alternate in pairs (manet, PyTorch; the next pair PyTorch first), every pair is
# printed, and the ratio reported is the median of the pairs' ratios: a shared machine
# drifts by 2x within minutes, so only ratios within one pair mean anything.
#
#   bench/vs_pytorch.sh [--steps 40] [--pairs 3] [--weights fresh|trained|both]
#
# Needs: a build (cmake --build build), python3-torch, python3-h5py, libtcmalloc-minimal4.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=40 pairs=3 weights=both mflop=98.1 bin=${MANET_BIN:-build/manet}
cache=${MANET_BENCH_CACHE:-build/bench-cache}
while (($#)); do
  case "$1" in
    --steps) steps=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --weights) weights=$2; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
python=/usr/bin/python3
tcmalloc=$(ls /usr/lib/*/libtcmalloc_minimal.so.4 2>/dev/null | head -1 || true)
bindir=$(dirname "$bin")
[[ -x "$bin" && -x "$bindir/manet_bench_fma_peak" ]] || { echo "no $bin or $bindir/manet_bench_fma_peak: build first (cmake --build build)" >&2; exit 2; }
"$python" -c 'import torch, h5py' 2>/dev/null ||
  { echo "PyTorch or h5py is missing: apt-get install python3-torch python3-h5py libtcmalloc-minimal4" >&2; exit 2; }
[[ -n "$tcmalloc" ]] || { echo "libtcmalloc_minimal is missing: apt-get install libtcmalloc-minimal4" >&2; exit 2; }
export OPENBLAS_NUM_THREADS=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

field() { sed -n "s/.*\"$1\": *\"\{0,1\}\([^,\"}]*\).*/\1/p" "$2" | tail -1; }
median() { sort -g | awk '{v[NR]=$1} END{print NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# What each side runs on.
version=$("$bin" --version)
isa=$(sed -n 's/^kernels: \([a-z0-9]*\),.*/\1/p' <<<"$version")
manet_core=$(sed -n 's/^BLAS: OpenBLAS [0-9.]*, core \([A-Za-z]*\).*/\1/p' <<<"$version")
"$bindir/manet_bench_fma_peak" --seconds 0.3 >"$tmp/peak.json"
peak=$(field "$isa" "$tmp/peak.json")
# PyTorch's OpenBLAS: the core manet chose when torch's would be weaker (same library on Debian).
torch_core_default=$(env -u OPENBLAS_CORETYPE LD_PRELOAD=$tcmalloc "$python" -c 'import sys; sys.path.insert(0, "bench"); import torch, peer_torch; print(peer_torch.blas_core())' 2>/dev/null || echo "?")
torch_env=()
if [[ "$torch_core_default" != "$manet_core" && "$torch_core_default" != not* ]]; then
  torch_env=(OPENBLAS_CORETYPE="$manet_core")
fi

manet_run() {  # output dir, [checkpoint to start from]
  local sets=(--config configs/spec_example.yaml --set "train.max_steps=$((steps + 5))"
              --set train.log_every_steps=1000000 --set checkpoint.resume=never --set "checkpoint.dir=$1"
              --set "data={train: {format: fashion_mnist, split: train}}" --set train.batch_size=64
              --set "optimizer={type: sgd, lr: 0.05, momentum: 0.9}")
  [[ -n "${2:-}" ]] && sets+=(--set "train.init_from=$2")
  launch/mpirun.sh -np 2 "$bin" train "${sets[@]}" >"$1.log" 2>&1 || { cat "$1.log" >&2; exit 1; }
  grep '"event":"summary"' "$1/metrics.jsonl" | tail -1 >"$1.json"
}
torch_run() {  # output file, [checkpoint]
  local extra=()
  [[ -n "${2:-}" ]] && extra=(--init-from "$2")
  env "${torch_env[@]}" LD_PRELOAD="$tcmalloc" "$python" bench/peer_torch.py --ranks 2 --steps "$steps" --warmup 5 \
    "${extra[@]}" >"$1" 2>"$1.err" || { cat "$1.err" >&2; exit 1; }
}

echo "manet vs PyTorch: spec example ($mflop MFLOP/sample), batch 64/rank x 2 ranks, SGD 0.05 m0.9, $steps timed steps"
echo "  cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(launch/cores.sh) cores; $(date -u +%FT%TZ)"
echo "  manet: kernels $isa, OpenBLAS core $manet_core, $(sed -n 's/^kernels: [a-z0-9]*, //p' <<<"$version")"
echo "  PyTorch $("$python" -c 'import torch; print(torch.__version__)'): OpenBLAS core $torch_core_default by itself$(
  ((${#torch_env[@]})) && echo ", run with ${torch_env[*]}"), tcmalloc, flush_denormal"
echo "  one core's FMA peak (bench/fma_peak.cpp): $(field avx2 "$tmp/peak.json") GFLOP/s AVX2, $(field avx512 "$tmp/peak.json") AVX-512"

trained=""
if [[ $weights != fresh ]]; then
  trained=$cache/spec-example-1-epoch.h5
  if [[ ! -f $trained ]]; then
    echo "  training the spec example for one epoch to time trained weights (cached in $trained) ..."
    mkdir -p "$cache"
    launch/mpirun.sh -np 2 "$bin" train --config configs/spec_example.yaml --set train.epochs=1 \
      --set "data={train: {format: fashion_mnist, split: train}}" --set train.batch_size=64 \
      --set "optimizer={type: sgd, lr: 0.05, momentum: 0.9}" --set checkpoint.resume=never \
      --set "checkpoint.dir=$tmp/epoch" >"$tmp/epoch.log" 2>&1 || { cat "$tmp/epoch.log" >&2; exit 1; }
    cp "$(ls "$tmp"/epoch/step-*.h5 | tail -1)" "$trained"
  fi
fi

report() {  # label, checkpoint or ""
  local label=$1 ckpt=$2 ratios=() rss=() mstep=() i
  echo
  echo "$label weights:"
  printf '  %-5s %12s %12s %7s %14s %14s\n' pair manet PyTorch ratio "manet RSS" "PyTorch RSS"
  for ((i = 1; i <= pairs; ++i)); do
    local m=$tmp/$label-m$i t=$tmp/$label-t$i.json
    if ((i % 2)); then manet_run "$m" "$ckpt"; torch_run "$t" "$ckpt"; else torch_run "$t" "$ckpt"; manet_run "$m" "$ckpt"; fi
    local sm st rm rt
    sm=$(field samples_per_s "$m.json") st=$(field samples_per_s "$t") rm=$(field peak_rss_mb "$m.json") rt=$(field peak_rss_mb "$t")
    ratios+=("$(awk -v a="$sm" -v b="$st" 'BEGIN{printf "%.3f", a/b}')")
    rss+=("$(awk -v a="$rm" -v b="$rt" 'BEGIN{printf "%.3f", a/b}')")
    mstep+=("$sm")
    printf '  %-5s %8.1f s/s %8.1f s/s %6.2fx %11.1f MB %11.1f MB\n' "$i" "$sm" "$st" "${ratios[-1]}" "$rm" "$rt"
  done
  local ratio mem sps
  ratio=$(printf '%s\n' "${ratios[@]}" | median) mem=$(printf '%s\n' "${rss[@]}" | median)
  sps=$(printf '%s\n' "${mstep[@]}" | median)
  echo "  median ratio manet/PyTorch: ${ratio}x (target >= 2.0: $(awk -v r="$ratio" 'BEGIN{print (r >= 2.0 ? "met" : "NOT met")}'))"
  echo "  median peak RSS ratio per rank: $mem (target <= 0.333: $(awk -v r="$mem" 'BEGIN{print (r <= 0.3334 ? "met" : "NOT met")}'))"
  awk -v s="$sps" -v m="$mflop" -v p="$peak" -v isa="$isa" 'BEGIN{g = s * m / 1000; printf "  manet: %.1f samples/s = %.1f GFLOP/s = %.1f %% of 2 cores x %.1f GFLOP/s (%s FMA peak)\n", s, g, 100 * g / (2 * p), p, isa}'
  local last=$tmp/$label-m$pairs.json step
  step=$(field step_ms "$last")
  pct() { awk -v v="$(field "$1" "$last")" -v s="$step" 'BEGIN{printf "%.1f ms (%.0f %%)", v, 100 * v / s}'; }
  echo "  manet's step (last pair): $step ms: forward $(pct forward_ms), backward $(pct backward_ms), exposed communication $(pct comm_floor_ms), optimizer $(pct optimizer_ms)"
}
[[ $weights != trained ]] && report fresh ""
[[ $weights != fresh ]] && report trained "$trained"
exit 0
