"""Training what was imported: torchvision's alexnet (weights=None) from torch's ONNX trains two
steps on two devices (--devices cpu:0,cpu:1, the model split across them) starting from the
ONNX initializers; the trained weights differ from them, and the model exported with them loads
again in graphrun and computes what the trained weights compute (rel < 1e-6).
usage: test_onnx_train.py GRAPHRUN"""
import pathlib
import sys
import tempfile

import numpy as np
import torch
import torchvision

from cli_util import fail, run


def main():
    graphrun = sys.argv[1]
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        model = torchvision.models.alexnet(weights=None).eval()
        src = tmp / "alexnet.onnx"
        torch.onnx.export(model, torch.zeros(1, 3, 224, 224), str(src), input_names=["x"], output_names=["logits"],
                          opset_version=14, dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})
        ckpt = tmp / "run"
        out = run(graphrun, "train", src, "--devices", "cpu:0,cpu:1", "--steps", 2, "--batch-size", 4, "--data",
                  "synthetic", "--lr", 0.001, "--checkpoint-dir", ckpt, "--quiet", timeout=900).stdout
        if "done: 2 steps" not in out:
            fail(f"training the imported alexnet did not run 2 steps:\n{out}")
        trained = dict(np.load(ckpt / "weights.npz"))
        initial = {n: p.detach().numpy() for n, p in model.named_parameters()}
        for name, value in initial.items():
            if name not in trained:
                fail(f"trained weights lack '{name}' (have {sorted(trained)[:8]} ...)")
            if trained[name].shape != value.shape:
                fail(f"'{name}': trained shape {trained[name].shape}, torch's {value.shape}")
        moved = [n for n in initial if not np.array_equal(trained[n], initial[n])]
        if len(moved) != len(initial):
            fail(f"training left weights unchanged: {sorted(set(initial) - set(moved))}")
        # Training started from the initializers, not from a fresh draw: a step of SGD moves
        # them only a little.
        change = max(float(np.abs(trained[n] - initial[n]).max() / np.abs(initial[n]).max()) for n in initial
                     if np.abs(initial[n]).max() > 0)
        if not change < 0.5:
            fail(f"trained weights are far from the ONNX initializers (max relative change {change:.3f})")

        exported = tmp / "trained.onnx"
        run(graphrun, "export", src, "--weights", ckpt / "weights.npz", "-o", exported, timeout=900)
        x = np.random.default_rng(2).standard_normal((2, 3, 224, 224)).astype(np.float32)
        np.save(tmp / "x.npy", x)
        outs = {}
        for label, args in [("exported", [exported]), ("weights", [src, "--weights", ckpt / "weights.npz"]),
                            ("untrained", [src])]:
            run(graphrun, "run", *args, "--input", f"x={tmp / 'x.npy'}", "--fetch", "logits", "--output",
                tmp / f"{label}.npy", timeout=900)
            outs[label] = np.load(tmp / f"{label}.npy").astype(np.float64)
        r = float(np.abs(outs["exported"] - outs["weights"]).max() / np.abs(outs["weights"]).max())
        print(f"trained alexnet exported and loaded again: rel {r:.2e}; max weight change {change:.2e}")
        if not r < 1e-6:
            fail(f"the exported trained model differs from the trained weights: rel {r:.3e}")
        if np.array_equal(outs["exported"], outs["untrained"]):
            fail("the exported model computes the untrained outputs")
    print("onnx train: ok")


if __name__ == "__main__":
    main()
