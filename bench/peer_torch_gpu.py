#!/usr/bin/python3
"""The GPU peer for bench/gpu_vs_pytorch.sh: the spec's example MANet of bench/peer_torch.py
(the same independent PyTorch definition, imported), eager mode, one process on one CUDA
device, Fashion-MNIST resident on the GPU, SGD lr 0.05 momentum 0.9.

    /usr/bin/python3 bench/peer_torch_gpu.py --batch 64 --steps 200 --warmup 20 [--split test]

Fashion-MNIST is read from $MANET_FASHION_MNIST_DIR when set, as manet reads it (the
device check, bench/gpu/check.sh, trains both on the 10,000 test images it carries).

Prints one JSON line: samples/s over the steady-state steps (CUDA-synchronised clock),
peak GPU memory allocated (MB), final loss. Without a usable GPU it says so and exits 2."""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_torch import FMNIST, SpecExample, read_idx  # noqa: E402  (one model definition for both peers)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=200, help="timed steps")
    ap.add_argument("--warmup", type=int, default=20, help="untimed steps first")
    ap.add_argument("--split", choices=["train", "test"], default="train", help="the Fashion-MNIST split to train on")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("peer_torch_gpu: no usable CUDA device (torch.cuda.is_available() is False)", file=sys.stderr)
        sys.exit(2)
    dev = torch.device("cuda")
    torch.manual_seed(1)
    stem = "train" if args.split == "train" else "t10k"
    images = read_idx(f"{FMNIST}/{stem}-images-idx3-ubyte.gz").to(dev)
    labels = read_idx(f"{FMNIST}/{stem}-labels-idx1-ubyte.gz").to(dev)
    model = SpecExample().to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(1)).to(dev)
    loss, start = None, 0.0
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            start = time.perf_counter()
        at = (step * args.batch) % (len(labels) - args.batch)
        idx = order[at:at + args.batch]
        x = (images[idx].float() / 255 - 0.2860) / 0.3530
        loss = F.cross_entropy(model(x), labels[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    print(json.dumps({"peer": "pytorch-gpu", "torch": torch.__version__, "device": torch.cuda.get_device_name(0),
                      "samples_per_s": round(args.steps * args.batch / elapsed, 1),
                      "step_ms": round(1000 * elapsed / args.steps, 3),
                      "peak_gpu_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1),
                      "last_loss": round(loss.item(), 4)}), flush=True)


if __name__ == "__main__":
    main()
