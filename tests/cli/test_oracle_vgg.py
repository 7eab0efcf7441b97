"""The six VGG configurations of Simonyan & Zisserman 2015 (graphs/vgg*.pbtxt, written by
tools/graphs/make_vgg.py): each has the paper's parameter count, and each forward pass equals a
PyTorch build of the paper's Table 1 from the same .npz weights (relative error < 1e-5; dropout
is the identity at inference).
usage: test_oracle_vgg.py GRAPHRUN"""
import json
import os
import pathlib
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

from cli_util import fail, oracle_check, randomize, run

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent

# The paper's Table 1, written independently of make_vgg.py: per block, the kernel size of each
# convolution; "L" is LRN after the first ReLU (A-LRN). Parameter counts: the paper's Table 2.
TABLE = {
    "vgg11": ([[3], [3], [3, 3], [3, 3], [3, 3]], False, 132_863_336),
    "vgg11_lrn": ([[3], [3], [3, 3], [3, 3], [3, 3]], True, 132_863_336),
    "vgg13": ([[3, 3], [3, 3], [3, 3], [3, 3], [3, 3]], False, 133_047_848),
    "vgg16c": ([[3, 3], [3, 3], [3, 3, 1], [3, 3, 1], [3, 3, 1]], False, 133_638_952),
    "vgg16": ([[3, 3], [3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3]], False, 138_357_544),
    "vgg19": ([[3, 3], [3, 3], [3, 3, 3, 3], [3, 3, 3, 3], [3, 3, 3, 3]], False, 143_667_240),
}
CHANNELS = [64, 128, 256, 512, 512]


def torch_vgg(blocks, lrn):
    """(nn.Sequential, {graphrun variable name: parameter}) of one configuration."""
    layers, names, cin = [], {}, 3
    for b, (kernels, cout) in enumerate(zip(blocks, CHANNELS), start=1):
        for k, kernel in enumerate(kernels, start=1):
            conv = nn.Conv2d(cin, cout, kernel, padding=kernel // 2)
            layers += [conv, nn.ReLU()]
            names[f"conv{b}_{k}"] = conv
            if lrn and b == 1 and k == 1:
                layers.append(nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0))
            cin = cout
        layers.append(nn.MaxPool2d(2, 2))
    layers.append(nn.Flatten())
    for fc, (fin, fout) in {"fc6": (512 * 7 * 7, 4096), "fc7": (4096, 4096), "fc8": (4096, 1000)}.items():
        linear = nn.Linear(fin, fout)
        layers.append(linear)
        names[fc] = linear
        if fc != "fc8":
            layers += [nn.ReLU(), nn.Dropout(0.5)]
    return nn.Sequential(*layers).eval(), names


def check(name, tmp):
    blocks, lrn, paper_count = TABLE[name]
    graph = ROOT / "graphs" / f"{name}.pbtxt"
    info = json.loads(run(GRAPHRUN, "inspect", graph, "--json").stdout)
    model, names = torch_vgg(blocks, lrn)
    torch_count = sum(p.numel() for p in model.parameters())
    if info["parameters"] != paper_count or torch_count != paper_count:
        fail(f"{name}: graphrun counts {info['parameters']} parameters, PyTorch {torch_count}, the paper {paper_count}")
    weights = randomize(names, seed=len(name))
    x = np.random.RandomState(3).randn(1, 3, 224, 224).astype(np.float32)
    oracle_check(GRAPHRUN, name, f"{paper_count:,} parameters", graph, weights, x, model, 1e-5, tmp)


if __name__ == "__main__":
    GRAPHRUN = os.path.abspath(sys.argv[1])
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as d:
        for name in TABLE:
            check(name, pathlib.Path(d))
    print("ok")
