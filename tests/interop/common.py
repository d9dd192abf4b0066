"""What the interop tests share: the real `manet` binary, temporary directories, configs and
data files written with h5py as a user would (no manet code in Python)."""
import os
import shutil
import subprocess
import sys
import tempfile
import zlib

import h5py
import numpy as np
import torch
import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))
import manet_torch  # noqa: E402  (tests/reference)

MANET = os.environ.get("MANET_BIN", "manet")
MPIRUN = os.environ.get("MANET_MPIRUN", "launch/mpirun.sh")

# A small model with every block kind, attention gates nonzero once loaded from a file.
SMALL_IMAGE_MODEL = {
    "input": "image", "in_channels": 1, "image_size": [8, 8],
    "blocks": [{"conv": {"channels": 4, "kernel": 3}},
               {"pool_attention": {"pool": "max", "size": 2, "heads": 2}},
               {"conv_attention": {"channels": 4, "kernel": [3, 1], "heads": 2}}],
    "head": {"hidden": [6], "activation": "tanh", "dropout": 0.0},
    "num_classes": 3,
}

SPEC_EXAMPLE_MODEL = {
    "input": "image", "in_channels": 1, "image_size": [28, 28],
    "blocks": [{"conv": {"channels": 32, "kernel": 3}},
               {"pool_attention": {"pool": "max", "size": 2, "heads": 4}},
               {"conv_attention": {"channels": 64, "kernel": 3, "heads": 4}},
               {"pool_attention": {"pool": "max", "size": 2, "heads": 4}}],
    "head": {"hidden": [128], "activation": "relu", "dropout": 0.1},
    "num_classes": 10,
}


# The models the reference tests run: between them every block kind, every convolution
# path of the CPU (direct: one input channel; Winograd: 3x3 with >= 8 channels in and out;
# im2col: everything else, rectangular kernels, masks), both poolings with and without a
# key mask (padding at the end and inside a sequence, windows with no valid position, the
# tail that floor cuts off), attention with a mask, every head activation, no hidden layer
# and two, and the spec example.
REFERENCE_MODELS = {
    "small_image": SMALL_IMAGE_MODEL,
    "image_all_kinds": {
        "input": "image", "in_channels": 2, "image_size": [9, 10],
        "blocks": [{"conv": {"channels": 8, "kernel": 3}},                            # im2col (2 channels in)
                   {"conv": {"channels": 8, "kernel": 3}},                            # Winograd
                   {"pool_attention": {"pool": "max", "size": 2, "heads": 2}},        # 9x10 -> 4x5: a row cut
                   {"conv_attention": {"channels": 6, "kernel": [3, 5], "heads": 3}},
                   {"pool_attention": {"pool": "avg", "size": [2, 1], "heads": 2}}],  # 4x5 -> 2x5
        "head": {"hidden": [7, 5], "activation": "sigmoid", "dropout": 0.0},
        "num_classes": 4,
    },
    "conv_only": {
        "input": "image", "in_channels": 1, "image_size": [6, 6],
        "blocks": [{"conv": {"channels": 3, "kernel": 5}}, {"conv": {"channels": 4, "kernel": [1, 3]}}],
        "head": {"hidden": [5], "activation": "relu", "dropout": 0.0},
        "num_classes": 3,
    },
    "tokens_conv_pool": {
        "input": "tokens", "vocab_size": 30, "embed_dim": 6, "seq_len": 11,
        "blocks": [{"conv": {"channels": 8, "kernel": [1, 3]}},
                   {"pool_attention": {"pool": "max", "size": [1, 2], "heads": 2}},   # 11 -> 5: position 10 cut
                   {"conv_attention": {"channels": 8, "kernel": [1, 5], "heads": 4}},
                   {"pool_attention": {"pool": "avg", "size": [1, 2], "heads": 2}}],  # 5 -> 2
        "head": {"hidden": [6], "activation": "relu", "dropout": 0.0},
        "num_classes": 3,
    },
    "tokens_attention_first": {
        "input": "tokens", "vocab_size": 25, "embed_dim": 6, "seq_len": 9,
        "blocks": [{"conv_attention": {"channels": 6, "kernel": [1, 3], "heads": 2}},
                   {"pool_attention": {"pool": "avg", "size": [1, 3], "heads": 3}}],
        "head": {"hidden": [], "activation": "tanh", "dropout": 0.0},
        "num_classes": 2,
    },
    # The spec example without its dropout (manet's dropout masks come from its own
    # counter-based generator, which another framework cannot reproduce).
    "spec_example": dict(SPEC_EXAMPLE_MODEL, head={"hidden": [128], "activation": "relu", "dropout": 0.0}),
}


def write_reference_data(path, spec, n, seed):
    """Inputs that fit `spec`, as a user writes them: images uniform in [-1, 1]; token rows
    of 2..T ids padded at the end, and some with padding inside (a pooling window of
    padding only). Returns (x, y) as numpy arrays."""
    rng = np.random.default_rng(seed)
    if spec.get("input", "image") != "tokens":
        size = spec["image_size"]
        h, w = (size, size) if isinstance(size, int) else size
        return write_images(path, n, (spec.get("in_channels", 1), h, w), spec["num_classes"], seed)
    t = spec["seq_len"]
    x = np.zeros((n, t), dtype=np.int64)
    for i in range(n):
        length = 2 + i % (t - 1)
        x[i, :length] = rng.integers(1, spec["vocab_size"], size=length)
        if i % 3 == 0 and length >= 6:
            x[i, 2:4] = 0  # padding inside: a whole window of the first pooling
    y = rng.permutation(np.arange(n) % spec["num_classes"]).astype(np.int64)
    with h5py.File(path, "w") as f:
        f["x"] = x
        f["y"] = y
    return x, y


def reference_model(spec, seed, gamma=0.5):
    """seeded_model with every parameter rounded to float32, the values manet will load."""
    model = seeded_model(spec, seed, gamma)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.float().double())
    return model


def as_torch_input(x):
    return torch.from_numpy(x) if x.dtype == np.int64 else torch.from_numpy(x).double()


def ranks_from_argv(default=(1,)):
    """`script.py --ranks 2,4` runs the rank-dependent cases at those world sizes; the rest
    of argv goes to unittest."""
    ranks = list(default)
    if "--ranks" in sys.argv:
        at = sys.argv.index("--ranks")
        ranks = [int(r) for r in sys.argv[at + 1].split(",")]
        del sys.argv[at:at + 2]
    return ranks


class Run:
    """One finished `manet` command: exit code and output."""

    def __init__(self, args, proc):
        self.args, self.code, self.out, self.err = args, proc.returncode, proc.stdout, proc.stderr

    def __str__(self):
        return f"$ {' '.join(self.args)}\nexit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def manet(*args, ranks=1, env=None, timeout=300):
    cmd = [MANET, *args] if ranks == 1 else [MPIRUN, "-np", str(ranks), MANET, *args]
    full_env = dict(os.environ, OPENBLAS_NUM_THREADS="1", **(env or {}))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env)
    return Run(cmd, proc)


class P(str):
    """A path that is a str (for messages and subprocess) and joins with /."""

    def __truediv__(self, name):
        return P(os.path.join(self, name))


class TempDir:
    def __init__(self, name):
        self.path = P(tempfile.mkdtemp(prefix=f"manet-{name}-"))

    def __truediv__(self, name):
        return self.path / name

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


def seeded_model(spec, seed, gamma=0.5):
    """A reference model with seeded weights and nonzero attention gates (at gamma 0 every
    attention block is the identity and a wrong attention would go unseen)."""
    torch.manual_seed(seed)
    model = manet_torch.Manet(spec).double()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("gamma"):
                p.fill_(gamma)
            elif name.endswith("bias"):
                p.uniform_(-0.3, 0.3)
    return model


def write_images(path, n, shape, classes, seed, **attrs):
    """An image data file as a user writes it with h5py: /x float32, /y int64, /classes and a
    str attribute (h5py stores both as variable-length UTF-8)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=(n, *shape)).astype(np.float32)
    y = (np.arange(n) % classes).astype(np.int64)
    with h5py.File(path, "w") as f:
        f["x"] = x
        f["y"] = y
        f["classes"] = "\n".join(f"class {k}" for k in range(classes))
        f.attrs["recipe"] = "written by h5py in tests/interop"
        for key, value in attrs.items():
            f.attrs[key] = value
    return x, y


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(P, lambda dumper, value: dumper.represent_str(str(value)))


def config_yaml(model_spec, train_path, run_dir, optimizer=None, **train):
    config = {
        "seed": 3,
        "model": model_spec,
        "data": {"train": {"format": "hdf5", "path": train_path}},
        "train": {"batch_size": 12, "max_steps": 1, "shuffle": False, **train},
        "optimizer": optimizer or {"type": "sgd", "lr": 0.1},
        "checkpoint": {"dir": run_dir, "resume": "never"},
    }
    plain = yaml.safe_load(yaml.dump(config, Dumper=_Dumper))  # P -> str
    return yaml.safe_dump(plain, sort_keys=False)


def read_model(path):
    with h5py.File(path, "r") as f:
        return {name: np.asarray(f["model"][name][()]) for name in f["model"]}


def read_logits(path):
    with h5py.File(path, "r") as f:
        return np.asarray(f["logits"][()]), np.asarray(f["y"][()])


def crc32(text):
    return zlib.crc32(text.encode())
