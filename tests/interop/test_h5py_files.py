"""Files written by other tools work in every manet command, and manet's files work elsewhere:
checkpoints and data files written with plain h5py (variable-length UTF-8 strings, int64
attributes, float32 arrays with and without Fletcher-32, gzip), a manet checkpoint loaded
with h5py into PyTorch, and torch.optim.SGD's rule for a momentum buffer loaded at step 0.
Expected values come from tests/reference/manet_torch.py (PyTorch, float64), never from manet."""
import json
import os
import shutil
import unittest

import h5py
import numpy as np
import torch

from common import (SMALL_IMAGE_MODEL, SPEC_EXAMPLE_MODEL, TempDir, config_yaml, manet, manet_torch, read_logits,
                    read_model, seeded_model, write_images)


def reference_logits(model, x):
    with torch.no_grad():
        return model.eval()(torch.from_numpy(x).double()).numpy()


def reference_gradients(model, x, y):
    model.eval().zero_grad()
    loss = manet_torch.loss_fn(model(torch.from_numpy(x).double()), torch.from_numpy(y))
    loss.backward()
    return {name: p.grad.numpy().copy() for name, p in model.named_parameters()}


class H5pyWrittenCheckpoint(unittest.TestCase):
    """A checkpoint written with h5py in the documented layout, without checksums."""

    def setUp(self):
        self.dir = TempDir("h5py-ckpt")
        self.data = self.dir / "data.h5"
        self.x, self.y = write_images(self.data, 12, (1, 8, 8), 3, seed=5)
        self.model = seeded_model(SMALL_IMAGE_MODEL, seed=7)
        self.config = config_yaml(SMALL_IMAGE_MODEL, self.data, self.dir / "run")
        self.ckpt = self.dir / "torch.h5"
        manet_torch.write_checkpoint(self.ckpt, self.model, self.config, step=5)

    def tearDown(self):
        self.dir.cleanup()

    def write_config(self, **train):
        path = self.dir / "run.yaml"
        checkpoint = train.pop("checkpoint", None)
        text = config_yaml(SMALL_IMAGE_MODEL, self.data, self.dir / "run", **train)
        if checkpoint:
            text = text.replace("resume: never", checkpoint)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_inspect_reads_it_and_names_what_carries_no_checksum(self):
        r = manet("inspect", self.ckpt)
        self.assertEqual(r.code, 0, r)
        self.assertIn("0 datasets verified", r.out, r)
        self.assertIn("carry no checksum", r.out, r)
        self.assertIn("blocks.2.attn.gamma", r.out, r)
        r = manet("inspect", "--verify", self.ckpt)
        self.assertEqual(r.code, 1, r)
        self.assertIn("not verified", r.err, r)

    def test_eval_gives_the_reference_logits(self):
        out = self.dir / "logits.h5"
        r = manet("eval", "--checkpoint", self.ckpt, "--data", self.data, "--json", "--logits", out)
        self.assertEqual(r.code, 0, r)
        self.assertIn("carries no checksums", r.err, r)
        logits, labels = read_logits(out)
        expected = reference_logits(self.model, self.x)
        np.testing.assert_array_equal(labels, self.y)
        np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-5)
        result = json.loads(r.out.strip().splitlines()[-1])
        self.assertEqual(result["samples"], 12)
        self.assertAlmostEqual(result["accuracy"], float(np.mean(expected.argmax(1) == self.y)))

    def test_init_from_takes_its_weights_and_steps_as_torch_sgd(self):
        r = manet("train", "--config", self.write_config(init_from=self.ckpt))
        self.assertEqual(r.code, 0, r)
        self.assertIn("initialised from " + self.ckpt, r.out, r)
        self.assertIn("carries no checksums", r.err, r)
        after = read_model(self.dir / "run" / "step-00000001.h5")
        grads = reference_gradients(self.model, self.x, self.y)
        for name, p in self.model.named_parameters():
            update = 0.1 * grads[name]
            np.testing.assert_allclose(after[name], p.detach().numpy() - update, rtol=0,
                                       atol=1e-6 + 1e-3 * np.abs(update).max(), err_msg=name)

    def test_resume_from_its_path_continues_at_its_step(self):
        r = manet("train", "--config", self.write_config(max_steps=6, checkpoint=f"resume: {self.ckpt}"))
        self.assertEqual(r.code, 0, r)
        self.assertIn(f"resuming from {self.ckpt} at step 5", r.out, r)
        self.assertIn("carries no checksums", r.err, r)
        self.assertTrue(os.path.exists(self.dir / "run" / "step-00000006.h5"))

    def test_resume_auto_skips_it_by_name(self):
        os.makedirs(self.dir / "run")
        shutil.copy(self.ckpt, self.dir / "run" / "step-00000005.h5")
        r = manet("train", "--config", self.write_config(max_steps=6, checkpoint="resume: auto"))
        self.assertEqual(r.code, 0, r)
        self.assertIn("skipping checkpoint " + self.dir / "run" / "step-00000005.h5", r.err, r)
        self.assertIn("carries no checksums", r.err, r)
        self.assertNotIn("resuming from", r.out, r)

    def test_with_fletcher32_and_gzip_there_is_nothing_to_say(self):
        ckpt = self.dir / "checked.h5"
        manet_torch.write_checkpoint(ckpt, self.model, self.config, step=5, compression="gzip", checksums=True)
        r = manet("eval", "--checkpoint", ckpt, "--data", self.data, "--json")
        self.assertEqual(r.code, 0, r)
        self.assertNotIn("checksum", r.err, r)
        r = manet("inspect", "--verify", ckpt)
        self.assertEqual(r.code, 0, r)
        self.assertIn("verified (Fletcher-32), /config CRC-32 ok", r.out, r)

    def test_fixed_length_utf8_strings_are_read(self):
        with h5py.File(self.ckpt, "a") as f:
            del f.attrs["format"]
            f.attrs.create("format", "manet-checkpoint", dtype=h5py.string_dtype("utf-8", 16))
            crc = f["config"].attrs["crc32"]
            del f["config"]
            raw = self.config.encode()
            f.create_dataset("config", data=raw, dtype=h5py.string_dtype("utf-8", len(raw)))
            f["config"].attrs["crc32"] = crc
        r = manet("eval", "--checkpoint", self.ckpt, "--data", self.data, "--json")
        self.assertEqual(r.code, 0, r)

    def test_float64_weights_are_refused_naming_the_dataset_and_dtype(self):
        with h5py.File(self.ckpt, "a") as f:
            w = f["model/classifier.weight"][()]
            del f["model/classifier.weight"]
            f["model/classifier.weight"] = w.astype(np.float64)
        for args in (["eval", "--checkpoint", self.ckpt, "--data", self.data],
                     ["train", "--config", self.write_config(init_from=self.ckpt)]):
            r = manet(*args)
            self.assertNotEqual(r.code, 0, r)
            self.assertIn("/model/classifier.weight is float64, expected float32", r.err, r)
        r = manet("inspect", self.ckpt)
        self.assertIn("float64, expected float32", r.out, r)
        self.assertNotIn("CORRUPT", r.out, r)


class H5pyWrittenDataFile(unittest.TestCase):
    def test_a_token_file_with_h5py_strings_trains_and_evaluates(self):
        d = TempDir("h5py-data")
        try:
            path = d / "tokens.h5"
            rng = np.random.default_rng(3)
            ids = rng.integers(1, 20, size=(16, 6)).astype(np.int64)
            ids[:, 4:] = 0  # padding
            with h5py.File(path, "w") as f:
                f["x"] = ids
                f["y"] = (np.arange(16) % 2).astype(np.int64)
                f["vocab"] = "\n".join(["<pad>", "<unk>"] + [f"w{i}" for i in range(2, 20)])
                f["classes"] = "yes\nno"
                f.attrs["recipe"] = "h5py, by hand"
            model = {"input": "tokens", "vocab_size": 20, "embed_dim": 8, "seq_len": 6,
                     "blocks": [{"conv_attention": {"channels": 8, "kernel": [1, 3], "heads": 2}}],
                     "head": {"hidden": [], "activation": "relu", "dropout": 0.0}, "num_classes": 2}
            cfg = d / "run.yaml"
            with open(cfg, "w") as f:
                f.write(config_yaml(model, path, d / "run", batch_size=8, max_steps=2, token_dropout=0.2))
            r = manet("train", "--config", cfg)
            self.assertEqual(r.code, 0, r)
            r = manet("eval", "--checkpoint", d / "run" / "step-00000002.h5", "--data", path, "--json")
            self.assertEqual(r.code, 0, r)
            self.assertEqual(json.loads(r.out.strip().splitlines()[-1])["samples"], 16)
        finally:
            d.cleanup()


class ManetCheckpointInPyTorch(unittest.TestCase):
    def test_pytorch_reproduces_eval_logits_of_a_trained_spec_example(self):
        d = TempDir("into-torch")
        try:
            data = d / "data.h5"
            x, y = write_images(data, 32, (1, 28, 28), 10, seed=11)
            # Attention gates start at 0.5 (at manet's initial 0 each attention block is the
            # identity, and a wrong attention would go unseen); manet then trains 4 steps.
            start = d / "start.h5"
            text = config_yaml(SPEC_EXAMPLE_MODEL, data, d / "run", batch_size=16, max_steps=4, shuffle=True,
                               init_from=start)
            manet_torch.write_checkpoint(start, seeded_model(SPEC_EXAMPLE_MODEL, seed=2), text)
            cfg = d / "run.yaml"
            with open(cfg, "w") as f:
                f.write(text.replace("type: sgd\n  lr: 0.1", "type: adamw\n  lr: 0.01"))
            r = manet("train", "--config", cfg)
            self.assertEqual(r.code, 0, r)
            ckpt = d / "run" / "step-00000004.h5"
            out = d / "logits.h5"
            r = manet("eval", "--checkpoint", ckpt, "--data", data, "--logits", out)
            self.assertEqual(r.code, 0, r)
            model, config = manet_torch.load_checkpoint(ckpt)  # h5py only
            self.assertEqual(sum(p.numel() for p in model.parameters()), 65998)  # the spec example
            gammas = [float(p) for n, p in model.named_parameters() if n.endswith("gamma")]
            self.assertTrue(all(abs(g) > 1e-3 for g in gammas), gammas)  # attention takes part
            logits, _ = read_logits(out)
            np.testing.assert_allclose(logits, reference_logits(model, x), rtol=1e-4, atol=1e-4)
        finally:
            d.cleanup()


class SgdMomentumBufferLoadedAtStepZero(unittest.TestCase):
    """torch.optim.SGD uses a momentum_buffer whenever its state holds one; a converter
    writes /optimizer@step 0 because torch's SGD counts no steps."""

    def test_the_first_step_uses_the_loaded_buffer(self):
        d = TempDir("sgd-buffer")
        try:
            data = d / "data.h5"
            x, y = write_images(data, 12, (1, 8, 8), 3, seed=5)
            model = seeded_model(SMALL_IMAGE_MODEL, seed=9)
            rng = np.random.default_rng(4)
            buffers = {n: rng.uniform(-1, 1, size=p.shape).astype(np.float32) for n, p in model.named_parameters()}
            text = config_yaml(SMALL_IMAGE_MODEL, data, d / "run", init_from=d / "start.h5")
            text = text.replace("lr: 0.1", "lr: 0.1\n  momentum: 0.9")
            manet_torch.write_checkpoint(d / "start.h5", model, text, optimizer=("sgd", 0, {"momentum_buffer": buffers}))
            with open(d / "run.yaml", "w") as f:
                f.write(text)
            r = manet("train", "--config", d / "run.yaml")
            self.assertEqual(r.code, 0, r)
            self.assertIn("weights and sgd state at optimizer step 0", r.out, r)
            after = read_model(d / "run" / "step-00000001.h5")
            grads = reference_gradients(model, x, y)
            # torch.optim.SGD with the buffer in its state: buf = 0.9 buf + g; p -= 0.1 buf
            opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
            for name, p in model.named_parameters():
                p.grad = torch.from_numpy(grads[name])
                opt.state[p]["momentum_buffer"] = torch.from_numpy(buffers[name].astype(np.float64))
            before = {n: p.detach().clone().numpy() for n, p in model.named_parameters()}
            opt.step()
            for name, p in model.named_parameters():
                update = before[name] - p.detach().numpy()
                np.testing.assert_allclose(after[name], p.detach().numpy(), rtol=0,
                                           atol=1e-6 + 1e-3 * np.abs(update).max(), err_msg=name)
                # Without the buffer the step would be 0.1 g: far from what manet did.
                self.assertGreater(np.abs(after[name] - (before[name] - 0.1 * grads[name])).max(), 1e-2, name)
            with h5py.File(d / "run" / "step-00000001.h5", "r") as f:
                self.assertEqual(int(f["optimizer"].attrs["step"]), 1)
                self.assertIn("momentum_buffer", f["optimizer"])
        finally:
            d.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
