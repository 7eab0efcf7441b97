"""PyTorch as the oracle for training: on graphs/alexnet.pbtxt with random .npz weights, batch 2
and dropout disabled, the loss and the gradient of every variable agree with PyTorch within
1e-4 relative, and one `graphrun train` step gives the weights of the paper's update rule
(v <- 0.9 v - 0.0005 lr w - lr grad; w <- w + v) computed here from PyTorch's gradients.
usage: test_oracle_train.py GRAPHRUN"""
import os
import pathlib
import sys
import tempfile

import numpy as np
import torch

from cli_util import fail, run
from test_oracle_alexnet import alexnet_forward, paper_alexnet, randomize

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent


def rel(a, b):
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


if __name__ == "__main__":
    GRAPHRUN = os.path.abspath(sys.argv[1])
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        graph = tmp / "alexnet_nodropout.pbtxt"
        graph.write_text((ROOT / "graphs" / "alexnet.pbtxt").read_text().replace(
            'attr { name: "rate" f: 0.5 }', 'attr { name: "rate" f: 0 }'))
        model = paper_alexnet()
        weights = randomize(model, 1)
        np.savez(tmp / "w.npz", **weights)
        x = np.random.RandomState(3).randn(2, 3, 227, 227).astype(np.float32)
        y = np.array([7, 923], dtype=np.int64)
        np.save(tmp / "x.npy", x)
        np.save(tmp / "y.npy", y)
        np.savez(tmp / "data.npz", images=x, labels=y)

        logits = alexnet_forward(model, torch.from_numpy(x))
        loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y))
        loss.backward()
        want = {f"{name}/{p}": getattr(m, p).grad.numpy().astype(np.float64)
                for name, m in model.items() if hasattr(m, "weight") for p in ("weight", "bias")}

        run(GRAPHRUN, "gradients", graph, "--weights", tmp / "w.npz", "--input", tmp / "x.npy", "--labels",
            tmp / "y.npy", "--output", tmp / "g.npz", timeout=600)
        got = np.load(tmp / "g.npz")
        problems = []
        loss_err = abs(float(got["loss"]) - loss.item()) / abs(loss.item())
        print(f"loss: graphrun {float(got['loss']):.6f}, pytorch {loss.item():.6f}, relative error {loss_err:.1e}")
        if not loss_err < 1e-4:
            problems.append(f"loss relative error {loss_err:.3g}")
        worst = 0.0
        for name, g in want.items():
            err = rel(got[name], g)
            worst = max(worst, err)
            if not err < 1e-4:
                problems.append(f"gradient of {name}: relative error {err:.3g}")
        print(f"gradients of {len(want)} variables: worst relative error {worst:.1e}")

        lr = 1.0  # a large step keeps the update far above float32 rounding of the weights
        run(GRAPHRUN, "train", graph, "--quiet", "--weights", tmp / "w.npz", "--data", f"npz:{tmp / 'data.npz'}",
            "--batch-size", "2", "--steps", "1", "--lr", str(lr), "--checkpoint-dir", tmp / "ck", timeout=600)
        stepped = np.load(tmp / "ck" / "weights.npz")
        worst = 0.0
        for name, g in want.items():
            w = weights[name].astype(np.float64)
            v = -0.0005 * lr * w - lr * g  # momentum buffer starts at 0
            err = float(np.abs((stepped[name] - w) - v).max() / max(np.abs(v).max(), 1e-30))
            worst = max(worst, err)
            if not err < 1e-4:
                problems.append(f"SGD step of {name}: relative error {err:.3g}")
        print(f"one SGD step against the paper's rule: worst relative error {worst:.1e}")
        if problems:
            fail("\n".join(problems))
