"""PyTorch as the outside oracle: the paper's AlexNet built in PyTorch (Debian python3-torch)
from the same .npz weights must give graphrun's forward output of graphs/alexnet.pbtxt within
1e-4 relative error (dropout is the identity at inference). Also checks alexnet_mini.
usage: test_oracle_alexnet.py GRAPHRUN"""
import os
import pathlib
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

from cli_util import oracle_check, randomize

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent


def paper_alexnet():
    lrn = lambda: nn.LocalResponseNorm(5, 5e-4, 0.75, 2.0)
    # LRN within 2 channel groups = two LRNs over the halves (the paper's per-GPU LRN).
    class GroupLRN(nn.Module):
        def forward(self, x):
            a, b = x.chunk(2, dim=1)
            return torch.cat([lrn()(a), lrn()(b)], dim=1)
    return nn.ModuleDict(dict(
        conv1=nn.Conv2d(3, 96, 11, 4), norm1=GroupLRN(), conv2=nn.Conv2d(96, 256, 5, padding=2, groups=2),
        norm2=GroupLRN(), conv3=nn.Conv2d(256, 384, 3, padding=1), conv4=nn.Conv2d(384, 384, 3, padding=1, groups=2),
        conv5=nn.Conv2d(384, 256, 3, padding=1, groups=2), fc6=nn.Linear(9216, 4096), fc7=nn.Linear(4096, 4096),
        fc8=nn.Linear(4096, 1000)))


def alexnet_forward(m, x):
    pool = lambda t: nn.functional.max_pool2d(t, 3, 2)
    relu = torch.relu
    x = pool(m["norm1"](relu(m["conv1"](x))))
    x = pool(m["norm2"](relu(m["conv2"](x))))
    x = relu(m["conv3"](x))
    x = relu(m["conv4"](x))
    x = pool(relu(m["conv5"](x)))
    x = x.flatten(1)
    x = relu(m["fc6"](x))
    x = relu(m["fc7"](x))
    return m["fc8"](x)


def mini_alexnet():
    return nn.ModuleDict(dict(
        conv1=nn.Conv2d(1, 64, 5, padding=2), conv2=nn.Conv2d(64, 128, 3, padding=1, groups=2),
        conv3=nn.Conv2d(128, 192, 3, padding=1), conv4=nn.Conv2d(192, 192, 3, padding=1, groups=2),
        conv5=nn.Conv2d(192, 128, 3, padding=1, groups=2), fc6=nn.Linear(512, 1024), fc7=nn.Linear(1024, 1024),
        fc8=nn.Linear(1024, 10), norm1=paper_alexnet()["norm1"], norm2=paper_alexnet()["norm2"]))


def compare(name, graph, model, forward, input_shape, tmp):
    torch.manual_seed(0)
    weights = randomize(model, 1)
    x = np.random.RandomState(2).randn(*input_shape).astype(np.float32)
    oracle_check(GRAPHRUN, name, f"batch {input_shape[0]}", graph, weights, x, lambda t: forward(model, t), 1e-4, tmp)


if __name__ == "__main__":
    GRAPHRUN = os.path.abspath(sys.argv[1])
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        compare("alexnet", ROOT / "graphs" / "alexnet.pbtxt", paper_alexnet(), alexnet_forward, (2, 3, 227, 227), tmp)
        compare("alexnet_mini", ROOT / "graphs" / "alexnet_mini.pbtxt", mini_alexnet(), alexnet_forward, (4, 1, 28, 28),
                tmp)
