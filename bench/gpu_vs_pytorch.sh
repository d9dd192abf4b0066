#!/usr/bin/env bash
# manet against PyTorch eager on the same GPU: the spec's example model on Fashion-MNIST,
# batch 64, SGD lr 0.05 momentum 0.9, one process, one GPU.
#   manet:   build-cuda/manet train --set device=cuda (a MANET_CUDA=ON build)
#   PyTorch: bench/peer_torch_gpu.py (the peer_torch.py model, eager, data on the GPU)
# Reports steady-state samples/s and peak GPU memory of each, and the ratio.
#
#   bench/gpu_vs_pytorch.sh [--steps 200] [--batch 64]
#
# Needs a usable NVIDIA GPU: without one it says so and exits 1. NOT YET RUN: the machines
# this was written on have no GPU, so neither it nor manet's GPU path has ever run (docs/gpu.md).
set -euo pipefail
cd "$(dirname "$0")/.."
steps=200 batch=64 bin=${MANET_BIN:-build-cuda/manet} python=/usr/bin/python3
while (($#)); do
  case "$1" in
    --steps) steps=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
if ! command -v nvidia-smi >/dev/null || ! gpu=$(nvidia-smi -L 2>&1) || [[ -z "$gpu" ]]; then
  echo "gpu_vs_pytorch: no usable NVIDIA GPU here (nvidia-smi -L: ${gpu:-not found}); this benchmark needs one" >&2
  exit 1
fi
[[ -x "$bin" ]] || { echo "no $bin: build it (cmake -S . -B build-cuda -DMANET_CUDA=ON && cmake --build build-cuda)" >&2; exit 2; }
"$python" -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null ||
  { echo "PyTorch with CUDA is missing (a CUDA build of torch for $python)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
field() { sed -n "s/.*\"$1\": *\([0-9.e+-]*\).*/\1/p" "$2" | tail -1; }

echo "manet vs PyTorch eager on $(echo "$gpu" | head -1): spec example, batch $batch, SGD 0.05 m0.9, $steps timed steps"
"$bin" train --config configs/spec_example.yaml --set device=cuda --set "train.max_steps=$((steps + 20))" \
  --set train.batch_size="$batch" --set train.log_every_steps=1000000 --set checkpoint.resume=never \
  --set "checkpoint.dir=$tmp/manet" --set "data={train: {format: fashion_mnist, split: train}}" \
  --set "optimizer={type: sgd, lr: 0.05, momentum: 0.9}" >"$tmp/manet.log" 2>&1 ||
  { echo "manet failed:" >&2; tail -5 "$tmp/manet.log" >&2; exit 1; }
"$python" bench/peer_torch_gpu.py --batch "$batch" --steps "$steps" --warmup 20 >"$tmp/torch.json" ||
  { echo "the PyTorch peer failed" >&2; exit 1; }
sm=$(field samples_per_s "$tmp/manet/metrics.jsonl") st=$(field samples_per_s "$tmp/torch.json")
mm=$(field peak_gpu_mb "$tmp/manet/metrics.jsonl") mt=$(field peak_gpu_mb "$tmp/torch.json")
printf '%-22s %12s %14s\n' run samples/s "peak GPU MB"
printf '%-22s %12s %14s\n' "manet (CUDA)" "$sm" "${mm:-?}"
printf '%-22s %12s %14s\n' "PyTorch eager" "$st" "$mt"
echo "throughput ratio manet/PyTorch: $(awk -v a="$sm" -v b="$st" 'BEGIN{printf "%.2f", a/b}')x"
