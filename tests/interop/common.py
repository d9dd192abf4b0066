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


def config_yaml(model_spec, train_path, run_dir, **train):
    config = {
        "seed": 3,
        "model": model_spec,
        "data": {"train": {"format": "hdf5", "path": train_path}},
        "train": {"batch_size": 12, "max_steps": 1, "shuffle": False, **train},
        "optimizer": {"type": "sgd", "lr": 0.1},
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
