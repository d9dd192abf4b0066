#!/usr/bin/python3
"""The peer for bench/vs_pytorch.sh: the spec's example MANet (docs/model.md)
written independently in PyTorch, trained on Fashion-MNIST with DistributedDataParallel
over gloo, one process per rank, one thread each (what a PyTorch user would run).

    /usr/bin/python3 bench/peer_torch.py --ranks 2 --steps 60 --warmup 10

Prints one JSON line: samples/s over the steady-state steps (slowest rank's clock),
peak RSS per rank in MB, final loss. Preload libtcmalloc_minimal for PyTorch's best speed
here (bench/vs_pytorch.sh does)."""
import argparse
import gzip
import json
import math
import os
import resource
import struct
import time
import warnings

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F

FMNIST = os.environ.get("MANET_FASHION_MNIST_DIR") or "/usr/share/datasets/fashion-mnist"  # as manet reads it


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 0x803:
        rows, cols = struct.unpack(">II", data[8:16])
        return torch.frombuffer(bytearray(data[16:]), dtype=torch.uint8).reshape(count, 1, rows, cols)
    return torch.frombuffer(bytearray(data[8:]), dtype=torch.uint8).long()


class Attn(nn.Module):
    """Y = X + gamma * (W_proj O + b_proj), O = per-head softmax(QᵀK/√d) attention."""

    def __init__(self, c, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        n, c, h, w = x.shape
        p, d = h * w, c // self.heads
        seq = x.reshape(n, c, p).transpose(1, 2)                    # N, P, C
        q, k, v = self.qkv(seq).split(c, dim=2)                      # N, P, C each
        q, k, v = (t.reshape(n, p, self.heads, d).transpose(1, 2) for t in (q, k, v))
        a = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(d), dim=3)
        o = (a @ v).transpose(1, 2).reshape(n, p, c)
        z = self.proj(o).transpose(1, 2).reshape(n, c, h, w)
        return x + self.gamma * z


class SpecExample(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv0 = nn.Conv2d(1, 32, 3, padding=1)
        self.attn1 = Attn(32, 4)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.attn2 = Attn(64, 4)
        self.attn3 = Attn(64, 4)
        self.score = nn.Linear(64, 1)
        self.hidden = nn.Linear(64, 128)
        self.classifier = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv0(x))
        x = self.attn1(F.max_pool2d(x, 2))
        x = self.attn2(F.relu(self.conv2(x)))
        x = self.attn3(F.max_pool2d(x, 2))
        seq = x.flatten(2)                                           # N, C, P
        alpha = torch.softmax(self.score(seq.transpose(1, 2)).squeeze(2), dim=1)
        v = torch.bmm(seq, alpha.unsqueeze(2)).squeeze(2)
        v = F.dropout(F.relu(self.hidden(v)), 0.1, self.training)
        return self.classifier(v)


# manet's parameter names (docs/model.md) -> this module's.
MANET_NAMES = {"blocks.0.conv": "conv0", "blocks.1.attn": "attn1", "blocks.2.conv": "conv2", "blocks.2.attn": "attn2",
               "blocks.3.attn": "attn3", "pool.score": "score", "head.0": "hidden", "classifier": "classifier"}


def load_manet_weights(model, path):
    """The weights of a manet checkpoint of the spec example, read with h5py."""
    import h5py
    state = {}
    with h5py.File(path, "r") as f:
        for name in f["model"]:
            prefix, _, leaf = name.rpartition(".")
            if prefix.endswith((".qkv", ".proj")):
                block, _, sub = prefix.rpartition(".")
                key = f"{MANET_NAMES[block]}.{sub}.{leaf}"
            else:
                key = f"{MANET_NAMES[prefix]}.{leaf}"
            state[key] = torch.from_numpy(f["model"][name][()])
    model.load_state_dict(state, strict=True)


def blas_core():
    """The kernels the OpenBLAS that torch loaded runs (openblas_get_corename), or what it is."""
    import ctypes
    with open("/proc/self/maps") as maps:
        libs = sorted({line.split()[-1] for line in maps if "blas" in line and ".so" in line})
    for lib in libs:
        try:
            f = ctypes.CDLL(lib).openblas_get_corename
            f.restype = ctypes.c_char_p
            return f().decode()
        except (OSError, AttributeError):
            continue
    return "not OpenBLAS: " + ", ".join(libs)


def worker(rank, args, port):
    warnings.filterwarnings("ignore", message="Grad strides do not match")  # the [1, C] score weight; harmless
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)  # its best setting on CPUs slow with subnormals (it barely matters to torch)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=args.ranks)
    torch.manual_seed(1)
    images = read_idx(f"{FMNIST}/train-images-idx3-ubyte.gz")
    labels = read_idx(f"{FMNIST}/train-labels-idx1-ubyte.gz")
    model = SpecExample()
    if args.init_from:
        load_manet_weights(model, args.init_from)
    if args.ranks > 1:
        model = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(1))
    gb = args.batch * args.ranks
    loss_value, start = 0.0, 0.0
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            dist.barrier()
            start = time.perf_counter()
        idx = order[(step * gb + rank * args.batch) % len(labels):][: args.batch]
        x = (images[idx].float() / 255 - 0.2860) / 0.3530  # uint8 kept: the leanest a user would write
        loss = F.cross_entropy(model(x), labels[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss_value = loss.item()
    elapsed = torch.tensor([time.perf_counter() - start], dtype=torch.float64)
    dist.all_reduce(elapsed, op=dist.ReduceOp.MAX)
    rss = torch.tensor([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0], dtype=torch.float64)
    dist.all_reduce(rss, op=dist.ReduceOp.MAX)
    if rank == 0:
        sps = args.steps * gb / elapsed.item()
        print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "blas_core": blas_core(), "ranks": args.ranks,
                          "samples_per_s": round(sps, 1), "step_ms": round(1000 * elapsed.item() / args.steps, 2),
                          "peak_rss_mb": round(rss.item(), 1), "last_loss": round(loss_value, 4)}), flush=True)
    dist.destroy_process_group()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64, help="samples per rank per step")
    ap.add_argument("--steps", type=int, default=60, help="timed steps")
    ap.add_argument("--warmup", type=int, default=10, help="untimed steps first")
    ap.add_argument("--port", type=int, default=29517)
    ap.add_argument("--init-from", help="start from a manet checkpoint of the spec example (h5py)")
    args = ap.parse_args()
    mp.spawn(worker, args=(args, args.port), nprocs=args.ranks, join=True)


if __name__ == "__main__":
    main()
