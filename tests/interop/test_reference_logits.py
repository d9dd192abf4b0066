"""manet's forward pass against an independent implementation: `manet eval --logits` of a
checkpoint written with h5py equals the logits of tests/reference/manet_torch.py (PyTorch,
float64, written from docs/model.md) for every model of REFERENCE_MODELS - every block
kind, every convolution path, both poolings with and without key masks, every head - and
eval's JSON (loss, accuracy, macro-F1, samples) equals what the reference's logits give.

    test_reference_logits.py --ranks 2,4    evaluation sharded over 2 and 4 ranks under mpirun
"""
import json
import unittest

import numpy as np
import torch

from common import (REFERENCE_MODELS, TempDir, as_torch_input, config_yaml, manet, manet_torch, ranks_from_argv,
                    read_logits, reference_model, write_reference_data)

RANKS = ranks_from_argv()

# float32 against float64 through a few layers: measured at most 2.0e-7 of the largest
# logit (the spec example), at 1, 2 and 4 ranks. A gate gamma off by 1e-3 moves the logits
# by about 1e-4 of their size, a wrong mask or kernel by far more.
LOGIT_TOLERANCE = 2e-6


def macro_f1(pred, y):
    """docs/cli.md: the mean of 2TP / (2TP + FP + FN) over the classes that occur as a label or
    a prediction (scikit-learn's f1_score(average="macro"))."""
    scores = []
    for k in sorted(set(pred) | set(y)):
        tp = np.sum((pred == k) & (y == k))
        fp = np.sum((pred == k) & (y != k))
        fn = np.sum((pred != k) & (y == k))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


class LogitsOfEveryModel(unittest.TestCase):
    def check(self, name, n=12):
        spec = REFERENCE_MODELS[name]
        d = TempDir("logits-" + name)
        try:
            data = d / "data.h5"
            x, y = write_reference_data(data, spec, n, seed=len(name))
            model = reference_model(spec, seed=len(name) + 100)
            ckpt = d / "ckpt.h5"
            manet_torch.write_checkpoint(ckpt, model, config_yaml(spec, data, d / "run"), checksums=True)
            with torch.no_grad():
                expected = model.eval()(as_torch_input(x)).numpy()
            log_p = expected - np.log(np.exp(expected - expected.max(1, keepdims=True)).sum(1, keepdims=True)) \
                - expected.max(1, keepdims=True)
            expected_loss = float(-np.mean(log_p[np.arange(n), y]))
            pred = expected.argmax(1)
            for ranks in RANKS:
                with self.subTest(ranks=ranks):
                    out = d / f"logits_np{ranks}.h5"
                    r = manet("eval", "--checkpoint", ckpt, "--data", data, "--logits", out, "--json", ranks=ranks)
                    self.assertEqual(r.code, 0, r)
                    logits, labels = read_logits(out)
                    np.testing.assert_array_equal(labels, y)
                    self.assertEqual(logits.shape, expected.shape)
                    worst = np.abs(logits - expected).max() / np.abs(expected).max()
                    print(f"{name} np{ranks}: worst logit difference {worst:.2e} of the largest logit")
                    self.assertLess(worst, LOGIT_TOLERANCE, f"{name}\nmanet:\n{logits}\nreference:\n{expected}")
                    result = json.loads(r.out.strip().splitlines()[-1])
                    self.assertEqual(result["samples"], n)
                    self.assertAlmostEqual(result["loss"], expected_loss, delta=1e-5 * max(1.0, expected_loss))
                    self.assertAlmostEqual(result["accuracy"], float(np.mean(pred == y)), delta=1e-9)
                    self.assertAlmostEqual(result["macro_f1"], macro_f1(pred, y), delta=1e-7)
                    recall = [float(np.mean(pred[y == k] == k)) if np.any(y == k) else 0.0
                              for k in range(spec["num_classes"])]
                    np.testing.assert_allclose(result["per_class_accuracy"], recall, atol=1e-6)
        finally:
            d.cleanup()

    def test_small_image_model(self):            # direct convolution, max pooling, rectangular kernel, tanh
        self.check("small_image")

    def test_every_image_block_kind(self):       # im2col, Winograd, max and avg pooling with a cut tail, sigmoid
        self.check("image_all_kinds")

    def test_convolutions_only(self):            # no attention block at all, 5x5 and 1x3 kernels
        self.check("conv_only")

    def test_tokens_through_conv_and_both_poolings(self):   # key masks everywhere
        self.check("tokens_conv_pool", n=20)

    def test_tokens_into_attention_without_hidden_layers(self):
        self.check("tokens_attention_first", n=16)

    def test_spec_example(self):
        self.check("spec_example", n=8)


if __name__ == "__main__":
    unittest.main(verbosity=2)
