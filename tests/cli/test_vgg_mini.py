"""graphs/vgg_mini.pbtxt, VGG's recipe for Fashion-MNIST: its layers are the paper's kinds (3x3
convolutions in blocks, 2x2 max pooling, two dropout FC layers, no LRN), its training section is
the paper's (momentum 0.9, weight decay 5e-4, a plateau schedule dividing by 10), and a short
run's test accuracy is honest: graphrun's `eval` on the t10k split equals PyTorch's evaluation of
the exported weights on the same files, and it has learned (>= 0.70 after 200 steps; a full run
is a figure in docs/vgg.md, not a test).
usage: test_vgg_mini.py GRAPHRUN"""
import gzip
import json
import os
import pathlib
import re
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

from cli_util import fail, run

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
GRAPH = ROOT / "graphs" / "vgg_mini.pbtxt"
FASHION = pathlib.Path("/usr/share/datasets/fashion-mnist")


def check_recipe():
    info = json.loads(run(GRAPHRUN, "inspect", GRAPH, "--json").stdout)
    nodes = [n for n in info["nodes"] if not n["implicit"]]
    ops = [n["op"] for n in nodes]
    if "LRN" in ops or ops.count("Conv2D") != 8 or ops.count("MaxPool") != 3 or ops.count("Dropout") != 2 \
            or ops.count("Dense") != 3:
        fail(f"vgg_mini is not 8 convolutions, 3 poolings, 2 dropouts, 3 FC layers without LRN: {ops}")
    shapes = {v["name"]: v["shape"] for v in info["variables"]}
    if any(s[2:] != [3, 3] for name, s in shapes.items() if name.startswith("conv") and name.endswith("weight")):
        fail(f"vgg_mini has convolutions other than 3x3: {shapes}")
    text = GRAPH.read_text()
    for key, value in (("momentum", "0.9"), ("weight_decay", "0.0005"), ("schedule", "plateau"), ("gamma", "0.1")):
        if f'key: "{key}" value: "{value}"' not in text:
            fail(f"vgg_mini's training section lacks {key} = {value}")


def idx(name, offset):
    with gzip.open(FASHION / name) as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def torch_vgg_mini(weights):
    """The same net in PyTorch, its depth and widths read off the weights; the last pooling is
    padded when fc6 reads a 4x4 map (a 7x7 map pooled with pad 1) rather than 3x3."""
    layers, cin = [], 1
    for b in (1, 2, 3):
        k = 0
        while f"conv{b}_{k + 1}/weight" in weights:
            k += 1
            w = weights[f"conv{b}_{k}/weight"]
            conv = nn.Conv2d(cin, w.shape[0], 3, padding=1)
            conv.weight.data = torch.from_numpy(w)
            conv.bias.data = torch.from_numpy(weights[f"conv{b}_{k}/bias"])
            layers += [conv, nn.ReLU()]
            cin = w.shape[0]
        side = round((weights["fc6/weight"].shape[1] / cin) ** 0.5)
        layers.append(nn.MaxPool2d(2, 2, padding=1 if b == 3 and side == 4 else 0))
    layers.append(nn.Flatten())
    for fc in ("fc6", "fc7", "fc8"):
        w = weights[f"{fc}/weight"]
        linear = nn.Linear(w.shape[1], w.shape[0])
        linear.weight.data = torch.from_numpy(w)
        linear.bias.data = torch.from_numpy(weights[f"{fc}/bias"])
        layers += [linear] + ([nn.ReLU(), nn.Dropout(0.5)] if fc != "fc8" else [])
    return nn.Sequential(*layers).eval()


def check_short_run(tmp):
    run(GRAPHRUN, "train", GRAPH, "--steps", "200", "--quiet", "--checkpoint-dir", tmp / "ck", timeout=900)
    out = run(GRAPHRUN, "eval", GRAPH, "--weights", tmp / "ck" / "latest.ckpt", "--data", "fashion-mnist",
              timeout=900).stdout
    m = re.search(r"fashion-mnist/t10k: 10000 samples\s+top-1 ([\d.]+)", out)
    if not m:
        fail(f"eval printed no t10k top-1:\n{out}")
    graphrun_top1 = float(m.group(1))
    run(GRAPHRUN, "export-weights", tmp / "ck" / "latest.ckpt", tmp / "w.npz")
    weights = dict(np.load(tmp / "w.npz"))
    # The preprocessing, independently: [0, 1] pixels minus the training set's mean image.
    mean = idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28).astype(np.float64).mean(0) / 255.0
    images = idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255.0
    labels = idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int64)
    x = torch.from_numpy((images - mean.astype(np.float32)).astype(np.float32))
    model = torch_vgg_mini(weights)
    with torch.no_grad():
        predicted = torch.cat([model(x[i:i + 1000]).argmax(1) for i in range(0, len(x), 1000)]).numpy()
    torch_top1 = float((predicted == labels).mean())
    print(f"vgg_mini after 200 steps: t10k top-1 graphrun {graphrun_top1:.4f}, PyTorch on the exported weights "
          f"{torch_top1:.4f}")
    # Rounding of near-ties may flip a sample or two; eval prints 4 decimals.
    if abs(graphrun_top1 - torch_top1) > 2.5e-4:
        fail(f"graphrun's t10k top-1 {graphrun_top1} is not PyTorch's {torch_top1} for the same weights")
    if graphrun_top1 < 0.70:
        fail(f"vgg_mini reached only {graphrun_top1} top-1 after 200 steps")


if __name__ == "__main__":
    GRAPHRUN = os.path.abspath(sys.argv[1])
    torch.set_num_threads(2)
    check_recipe()
    with tempfile.TemporaryDirectory() as d:
        check_short_run(pathlib.Path(d))
    print("ok")
