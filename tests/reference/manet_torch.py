"""MANet in PyTorch, written from docs/model.md and nothing of manet's code: the independent
reference the interop tests compare manet with (tests/interop/test_reference_*.py).

    model, config = load_checkpoint("step-00000100.h5")   # h5py only, as a user would
    logits = model(x)                                      # x: float (N, C, H, W) or int64 ids (N, T)

Every parameter has the name and shape docs/model.md gives it, so `model.state_dict()` and a
checkpoint's /model group are the same dictionary.
"""
import math
import zlib

import h5py
import numpy as np
import torch
import torch.nn.functional as F
import yaml


def _pair(v):
    return (int(v), int(v)) if isinstance(v, (int, float)) else (int(v[0]), int(v[1]))


class Attention(torch.nn.Module):
    """Y = X + gamma * (W_proj O + b_proj), O = multi-head softmax(Q^T K / sqrt(d)) attention."""

    def __init__(self, channels, heads):
        super().__init__()
        assert channels % heads == 0
        self.heads = heads
        self.qkv = torch.nn.Linear(channels, 3 * channels)
        self.proj = torch.nn.Linear(channels, channels)
        self.gamma = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x, mask):
        n, c, h, w = x.shape
        p, d = h * w, c // self.heads
        X = x.reshape(n, c, p)                                        # (N, C, P)
        qkv = torch.einsum("oc,ncp->nop", self.qkv.weight, X) + self.qkv.bias[None, :, None]
        q, k, v = (t.reshape(n, self.heads, d, p) for t in qkv.split(c, dim=1))  # (N, h, d, P)
        s = torch.einsum("nhdp,nhdq->nhpq", q, k) / math.sqrt(d)     # (N, h, P, P)
        if mask is not None:
            s = s.masked_fill(~mask[:, None, None, :], float("-inf"))
        a = torch.softmax(s, dim=-1)
        o = torch.einsum("nhpq,nhdq->nhdp", a, v).reshape(n, c, p)    # (N, C, P)
        y = X + self.gamma * (torch.einsum("oc,ncp->nop", self.proj.weight, o) + self.proj.bias[None, :, None])
        return y.reshape(n, c, h, w)


def _conv(conv, x, mask):
    """ReLU(conv(X)), stride 1, zero padding kh//2, kw//2; masked input positions are zero."""
    if mask is not None:
        x = x * mask.reshape(x.shape[0], 1, x.shape[2], x.shape[3]).to(x.dtype)
    return torch.relu(conv(x))


def _pool(x, mask, kind, size):
    """Window = stride = size, no padding; under a mask only valid positions take part and a
    window with none gives 0 (its pooled position is then masked). `max` takes the first
    largest value of a window in row-major order, and only it gets the gradient (torch's
    amax would share the gradient between tied values)."""
    n, c, h, w = x.shape
    sh, sw = size
    ho, wo = h // sh, w // sw
    windows = (x[:, :, : ho * sh, : wo * sw].reshape(n, c, ho, sh, wo, sw)
               .permute(0, 1, 2, 4, 3, 5).reshape(n, c, ho, wo, sh * sw))   # (N, C, Ho, Wo, sh*sw) row-major
    if mask is None:
        valid = torch.ones(n, 1, ho, wo, sh * sw, dtype=torch.bool)
    else:
        valid = (mask.reshape(n, h, w)[:, : ho * sh, : wo * sw].reshape(n, 1, ho, sh, wo, sw)
                 .permute(0, 1, 2, 4, 3, 5).reshape(n, 1, ho, wo, sh * sw))
    any_valid = valid.any(dim=4)                                       # (N, 1, Ho, Wo)
    if kind == "max":
        first = windows.masked_fill(~valid, float("-inf")).argmax(dim=4, keepdim=True)  # the first largest
        y = windows.gather(4, first).squeeze(4)
    else:
        count = valid.sum(dim=4).to(x.dtype)
        y = (windows * valid.to(x.dtype)).sum(dim=4) / count.clamp(min=1)
    y = torch.where(any_valid, y, torch.zeros_like(y))
    return y, (None if mask is None else any_valid.reshape(n, ho * wo))


class Manet(torch.nn.Module):
    def __init__(self, spec):
        """`spec`: the `model` section of a resolved manet config, as a dict."""
        super().__init__()
        self.spec = spec
        self.tokens = spec.get("input", "image") == "tokens"
        if self.tokens:
            self.embed = torch.nn.Embedding(spec["vocab_size"], spec["embed_dim"], padding_idx=0)
            c, h, w = spec["embed_dim"], 1, spec["seq_len"]
        else:
            c = spec.get("in_channels", 1)
            h, w = _pair(spec["image_size"])
        self.blocks = torch.nn.ModuleList()
        self.kinds = []
        for block in spec["blocks"]:
            (kind, body), = block.items()
            m = torch.nn.Module()
            if kind in ("conv", "conv_attention"):
                kh, kw = _pair(body["kernel"])
                m.conv = torch.nn.Conv2d(c, body["channels"], (kh, kw), padding=(kh // 2, kw // 2))
                c = body["channels"]
            else:
                m.pool_kind, m.size = body["pool"], _pair(body["size"])
                h, w = h // m.size[0], w // m.size[1]
            if kind != "conv":
                m.attn = Attention(c, body["heads"])
            self.blocks.append(m)
            self.kinds.append(kind)
        self.pool = torch.nn.Module()
        self.pool.score = torch.nn.Linear(c, 1)
        head = spec.get("head", {})
        self.activation = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[head.get("activation", "relu")]
        self.dropout = float(head.get("dropout", 0.0))
        self.head = torch.nn.ModuleList()
        for n_out in head.get("hidden", []):
            self.head.append(torch.nn.Linear(c, n_out))
            c = n_out
        self.classifier = torch.nn.Linear(c, spec["num_classes"])

    def forward(self, x):
        if self.tokens:
            mask = x != 0                                             # (N, T)
            if not bool(mask.any(dim=1).all()):
                raise ValueError("a sequence with no valid token")
            x = self.embed(x).transpose(1, 2)[:, :, None, :]          # (N, E, 1, T)
        else:
            mask = None
        for kind, m in zip(self.kinds, self.blocks):
            if kind == "pool_attention":
                x, mask = _pool(x, mask, m.pool_kind, m.size)
            else:
                x = _conv(m.conv, x, mask)
            if kind != "conv":
                x = m.attn(x, mask)
        n, c = x.shape[:2]
        X = x.reshape(n, c, -1)                                       # (N, C, P)
        s = torch.einsum("c,ncp->np", self.pool.score.weight[0], X) + self.pool.score.bias
        if mask is not None:
            s = s.masked_fill(~mask, float("-inf"))
        v = torch.einsum("ncp,np->nc", X, torch.softmax(s, dim=1))   # (N, C)
        for layer in self.head:
            v = F.dropout(self.activation(layer(v)), self.dropout, self.training)
        return self.classifier(v)


def loss_fn(logits, labels, smoothing=0.0):
    """Mean softmax cross-entropy against (1 - eps) onehot + eps / classes."""
    return F.cross_entropy(logits, labels, label_smoothing=smoothing)


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def load_checkpoint(path, dtype=torch.float64):
    """(model, resolved config dict) from a manet checkpoint, read with h5py only."""
    with h5py.File(path, "r") as f:
        config = yaml.safe_load(_text(f["config"][()]))
        model = Manet(config["model"])
        state = {name: torch.from_numpy(np.asarray(f["model"][name][()])) for name in f["model"]}
    model.load_state_dict(state, strict=True)
    return model.to(dtype).eval(), config


def write_checkpoint(path, model, config_yaml, step=0, optimizer=None, data_epoch=0, data_offset=0,
                     compression=None, checksums=False):
    """A checkpoint in manet's documented layout, written with plain h5py as a user would
    (str attributes and the config are h5py's variable-length UTF-8 strings, ints int64)."""
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "manet-checkpoint"
        f.attrs["format_version"] = 1
        f["config"] = config_yaml
        f["config"].attrs["crc32"] = zlib.crc32(config_yaml.encode())
        meta = f.create_group("meta")
        meta.attrs.update({"step": step, "epoch": data_epoch, "samples_seen": 0, "world_size": 1, "seed": 1,
                           "created_utc": "2026-11-30T00:00:00Z", "manet_version": "torch"})
        for name, value in model.state_dict().items():
            f.create_dataset("model/" + name, data=value.detach().float().numpy(), compression=compression,
                             fletcher32=checksums)
        if optimizer is not None:
            kind, opt_step, slots = optimizer
            g = f.create_group("optimizer")
            g.attrs["type"] = kind
            g.attrs["step"] = opt_step
            for slot, values in slots.items():
                for name, value in values.items():
                    f.create_dataset(f"optimizer/{slot}/{name}", data=np.asarray(value, dtype=np.float32),
                                     fletcher32=checksums)
        data = f.create_group("data")
        data.attrs.update({"epoch": data_epoch, "offset": data_offset, "shuffle_seed": 1})
