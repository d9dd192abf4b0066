"""manet's gradients and optimizer steps against an independent implementation: one step of
`manet train` (train.init_from a checkpoint written with h5py, an HDF5 batch of 12 samples
in file order, max_steps 1, global batch 12 = ranks x 12/ranks) equals the same step taken
by torch.optim (SGD, AdamW) on the gradients of tests/reference/manet_torch.py, in
float64, with the optimizer state loaded as torch.optim holds it. Nothing of manet's code
computes an expected value.

- the gradients of every model of REFERENCE_MODELS, through a plain SGD step (with and
  without label smoothing);
- SGD with a loaded momentum buffer, with a fresh one, Nesterov with weight decay, plain
  weight decay; AdamW continuing from a restored step 3 and from nothing.

    test_reference_steps.py --ranks 2,4     the same steps on 2 and 4 ranks under mpirun

Parameters are compared relative to the size of the update (not of the parameter), plus
the float32 rounding of the stored value; optimizer slots relative to their change.
"""
import json
import os
import unittest

import h5py
import numpy as np
import torch

from common import (REFERENCE_MODELS, TempDir, as_torch_input, config_yaml, manet, manet_torch, ranks_from_argv,
                    reference_model, write_reference_data)

RANKS = ranks_from_argv()
GLOBAL_BATCH = 12

# Measured beyond the float32 rounding of the stored value: at most 5.4e-6 of a tensor's
# largest update (the token model's attention; 1e-6 elsewhere) at 1, 2 and 4 ranks. AdamW's
# decoupled decay alone is 3 % of its update here, a gradient 1e-3 off is 1e-3.
UPDATE_TOLERANCE = 3e-5
# The gradient steps use a large learning rate so that every tensor's update stands far
# above the float32 rounding of the parameter it is added to.
GRADIENT_LR = 20.0
# A tensor whose gradient is 0 in exact arithmetic (pool.score.bias: softmax ignores a shift
# of all scores) gets float rounding noise from manet, measured 1e-10 of the largest update.
NOISE_FLOOR = 1e-7
VERBOSE = bool(os.environ.get("VERBOSE"))  # print every tensor's update and error


def read_checkpoint(path):
    """(parameters, {slot: {name: values}}, optimizer attributes) of a manet checkpoint, h5py only."""
    with h5py.File(path, "r") as f:
        params = {name: np.asarray(f["model"][name][()], dtype=np.float64) for name in f["model"]}
        slots, attrs = {}, {}
        if "optimizer" in f:
            attrs = {key: f["optimizer"].attrs[key] for key in f["optimizer"].attrs}
            for slot in f["optimizer"]:
                slots[slot] = {name: np.asarray(f["optimizer"][slot][name][()], dtype=np.float64)
                               for name in f["optimizer"][slot]}
    return params, slots, attrs


def first_step_loss(run_dir):
    with open(run_dir / "metrics.jsonl") as f:
        for line in f:
            event = json.loads(line)
            if event["event"] == "train":
                return event["loss"]
    raise AssertionError("no train event in metrics.jsonl")


def torch_optimizer(params, o):
    if o["type"] == "sgd":
        return torch.optim.SGD(params, lr=o["lr"], momentum=o.get("momentum", 0.0), nesterov=o.get("nesterov", False),
                               weight_decay=o.get("weight_decay", 0.0))
    return torch.optim.AdamW(params, lr=o["lr"], betas=tuple(o.get("betas", (0.9, 0.999))), eps=o.get("eps", 1e-8),
                             weight_decay=o.get("weight_decay", 0.01))


def random_slots(model, seed, kind):
    """Per-parameter optimizer state as a converter would write it (float32 values)."""
    rng = np.random.default_rng(seed)
    slots = {}
    for name, p in model.named_parameters():
        shape = tuple(p.shape)
        if kind == "sgd":
            slots.setdefault("momentum_buffer", {})[name] = rng.uniform(-0.1, 0.1, shape).astype(np.float32)
        else:
            slots.setdefault("exp_avg", {})[name] = rng.uniform(-0.01, 0.01, shape).astype(np.float32)
            slots.setdefault("exp_avg_sq", {})[name] = rng.uniform(1e-6, 1e-4, shape).astype(np.float32)
    return slots


def torch_step(model, x, y, optimizer, smoothing, slots, opt_step):
    """The reference: loss, gradients and one torch.optim step in float64. Returns (loss,
    parameters after, state after) with manet's names."""
    model.train().zero_grad()  # dropout is 0 in every model here: train() changes nothing else
    loss = manet_torch.loss_fn(model(as_torch_input(x)), torch.from_numpy(y), smoothing)
    loss.backward()
    opt = torch_optimizer(model.parameters(), optimizer)
    names = {p: name for name, p in model.named_parameters()}
    for p, name in names.items():
        if "momentum_buffer" in slots:
            opt.state[p]["momentum_buffer"] = torch.from_numpy(slots["momentum_buffer"][name].astype(np.float64))
        if "exp_avg" in slots:
            opt.state[p] = {"step": torch.tensor(float(opt_step), dtype=torch.float64),
                            "exp_avg": torch.from_numpy(slots["exp_avg"][name].astype(np.float64)),
                            "exp_avg_sq": torch.from_numpy(slots["exp_avg_sq"][name].astype(np.float64))}
    # Gradients that are 0 in exact arithmetic come out of float64 as ~1e-18.
    largest = max(float(p.grad.abs().max()) for p in names)
    zero_gradient = {name for p, name in names.items() if float(p.grad.abs().max()) <= 1e-12 * largest}
    opt.step()
    after = {names[p]: p.detach().numpy().copy() for p in names}
    state = {}
    for p, name in names.items():
        for slot, value in opt.state[p].items():
            if slot != "step" and value is not None:
                state.setdefault(slot, {})[name] = value.numpy().copy()
    return float(loss), after, state, zero_gradient


class OneStepAgainstTorch(unittest.TestCase):
    def step(self, case, model_name, optimizer, smoothing=0.0, loaded=None, opt_step=0):
        """`loaded`: None (weights only) or "sgd"/"adamw": a checkpoint with that optimizer's
        state at optimizer step `opt_step`."""
        spec = REFERENCE_MODELS[model_name]
        d = TempDir("step-" + case)
        try:
            data = d / "data.h5"
            x, y = write_reference_data(data, spec, GLOBAL_BATCH, seed=len(case))
            model = reference_model(spec, seed=len(case) + 50)
            before = {name: p.detach().numpy().copy() for name, p in model.named_parameters()}
            slots = random_slots(model, len(case), loaded) if loaded else {}
            expected_loss, expected, expected_state, zero_gradient = torch_step(model, x, y, optimizer, smoothing, slots, opt_step)
            for ranks in RANKS:
                with self.subTest(ranks=ranks):
                    run = d / f"run_np{ranks}"
                    text = config_yaml(spec, data, run, optimizer=optimizer, batch_size=GLOBAL_BATCH // ranks,
                                       init_from=d / "start.h5", label_smoothing=smoothing)
                    optimizer_state = (loaded, opt_step, slots) if loaded else None
                    manet_torch.write_checkpoint(d / "start.h5", reference_model(spec, seed=len(case) + 50), text,
                                                 optimizer=optimizer_state, checksums=True)
                    with open(d / "run.yaml", "w") as f:
                        f.write(text)
                    r = manet("train", "--config", d / "run.yaml", ranks=ranks)
                    self.assertEqual(r.code, 0, r)
                    self.assertIn(f"({ranks} rank{'s' if ranks > 1 else ''} x {GLOBAL_BATCH // ranks})", r.out, r)
                    self.assertAlmostEqual(first_step_loss(run), expected_loss, delta=2e-5 * expected_loss)
                    params, got_slots, attrs = read_checkpoint(run / "step-00000001.h5")
                    self.assertEqual(set(params), set(expected))
                    # A parameter whose exact gradient is 0 (pool.score.bias: softmax ignores a
                    # shift of all scores) gets float rounding noise from manet, ~1e-9; Adam
                    # normalises that into a step of up to lr, so with no state to damp it the
                    # result is undefined, and it is left out.
                    skip = zero_gradient if optimizer["type"] == "adamw" and not loaded else set()
                    worst = self.compare(case, params, expected, before, skip)
                    if expected_state:
                        self.assertEqual(set(got_slots), set(expected_state))
                        self.assertEqual(int(attrs["step"]), opt_step + 1)
                        self.assertEqual(attrs["type"].decode() if isinstance(attrs["type"], bytes) else attrs["type"],
                                         optimizer["type"])
                        for slot in expected_state:
                            start = slots.get(slot) or {n: np.zeros_like(v) for n, v in expected_state[slot].items()}
                            worst = max(worst, self.compare(case + " " + slot, got_slots[slot], expected_state[slot], start,
                                                                    skip))
                    else:
                        self.assertEqual(got_slots, {})
                    print(f"{case} np{ranks}: worst difference {worst:.1e} of a tensor's largest update")
        finally:
            d.cleanup()

    def compare(self, what, got, expected, start, skip=()):
        """Every tensor within UPDATE_TOLERANCE of its largest update, plus the float32 rounding
        of the stored value. A tensor that does not move (a zero gradient) is held to the
        largest update of all. Returns the worst ratio to the largest update."""
        worst = 0.0
        largest = max(np.abs(want - start[name]).max() for name, want in expected.items())
        self.assertGreater(largest, 0, f"{what}: nothing moved: the comparison would prove nothing")
        for name, want in expected.items():
            if name in skip:
                continue
            update = max(np.abs(want - start[name]).max(), 1e-30)
            rounding = np.spacing(np.abs(want).astype(np.float32)).astype(np.float64) + NOISE_FLOOR * largest
            error = np.abs(got[name] - want)
            self.assertTrue(np.all(error <= UPDATE_TOLERANCE * update + rounding),
                            f"{what}: {name}: worst {(error / update).max():.2e} of the largest update "
                            f"{update:.3e}\nmanet {got[name].ravel()[:8]}\ntorch {want.ravel()[:8]}")
            worst = max(worst, float(np.max(np.maximum(error - rounding, 0)) / update))
            if VERBOSE:
                print(f"  {what} {name}: update {update / largest:.1e} of the largest, error {error.max() / update:.1e} of it")
        return worst

    # --- the gradients of every model: a plain SGD step ------------------------------------

    def test_gradients_small_image(self):
        self.step("grad_small_image", "small_image", {"type": "sgd", "lr": GRADIENT_LR}, smoothing=0.1)

    def test_gradients_every_image_block_kind(self):
        self.step("grad_image_all_kinds", "image_all_kinds", {"type": "sgd", "lr": GRADIENT_LR})

    def test_gradients_convolutions_only(self):
        self.step("grad_conv_only", "conv_only", {"type": "sgd", "lr": GRADIENT_LR}, smoothing=0.2)

    def test_gradients_tokens_through_conv_and_both_poolings(self):
        self.step("grad_tokens_conv_pool", "tokens_conv_pool", {"type": "sgd", "lr": GRADIENT_LR}, smoothing=0.1)

    def test_gradients_tokens_into_attention(self):
        self.step("grad_tokens_attention_first", "tokens_attention_first", {"type": "sgd", "lr": GRADIENT_LR})

    def test_gradients_spec_example(self):
        self.step("grad_spec_example", "spec_example", {"type": "sgd", "lr": GRADIENT_LR}, smoothing=0.1)

    # --- the optimizers ---------------------------------------------------------------------

    def test_sgd_plain(self):
        self.step("sgd_plain", "small_image", {"type": "sgd", "lr": 0.2})

    def test_sgd_momentum_with_a_loaded_buffer(self):
        self.step("sgd_momentum_loaded", "small_image", {"type": "sgd", "lr": 0.1, "momentum": 0.9}, smoothing=0.1,
                  loaded="sgd", opt_step=4)

    def test_sgd_momentum_first_step(self):
        self.step("sgd_momentum_fresh", "tokens_conv_pool", {"type": "sgd", "lr": 0.1, "momentum": 0.8})

    def test_sgd_nesterov_with_weight_decay_and_a_loaded_buffer(self):
        self.step("sgd_nesterov_wd", "image_all_kinds",
                  {"type": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
                  smoothing=0.1, loaded="sgd", opt_step=4)

    def test_sgd_weight_decay(self):
        self.step("sgd_weight_decay", "tokens_attention_first", {"type": "sgd", "lr": 0.3, "weight_decay": 0.05})

    def test_adamw_continuing_from_step_3(self):
        self.step("adamw_step3", "small_image",
                  {"type": "adamw", "lr": 0.003, "betas": [0.8, 0.99], "eps": 1e-7, "weight_decay": 0.1},
                  smoothing=0.1, loaded="adamw", opt_step=3)

    def test_adamw_continuing_from_step_3_on_tokens(self):  # the embedding's rows: touched, untouched, padding
        self.step("adamw_step3_tokens", "tokens_conv_pool",
                  {"type": "adamw", "lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.05},
                  loaded="adamw", opt_step=3)

    def test_adamw_first_step(self):
        self.step("adamw_fresh", "conv_only", {"type": "adamw", "lr": 0.002, "weight_decay": 0.01})


if __name__ == "__main__":
    unittest.main(verbosity=2)
