"""ONNX import of LeakyRelu, Clip, Tanh, Mul, BatchNormalization and Pad against PyTorch: a
small net using each (BatchNorm after a ReLU, so the exporter cannot fold it into a conv;
SiLU as Sigmoid * x; ReLU6 and hardtanh as Clip; an AvgPool with count_include_pad, which the
exporter writes as Pad + AveragePool; ZeroPad2d before a MaxPool, which stays a Pad), exported
by python3-torch at opsets 9 (Clip and Pad bounds as attrs) and 13 and 17 (as inputs), run by
graphrun straight from the .onnx file, must equal torch's forward (rel < 1e-5). The converted
graph shows where a Pad folded into the window after it and where it stayed a Pad node.
usage: test_onnx_import_ops.py GRAPHRUN"""
import pathlib
import sys
import tempfile

import numpy as np
import torch
from torch import nn

from cli_util import fail, run

REL = 1e-5


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.pool1 = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=True)
        self.pad = nn.ZeroPad2d((1, 0, 1, 0))
        self.pool2 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 6, 3)
        self.fc = nn.Linear(6 * 2 * 2, 5)

    def forward(self, x):
        x = self.bn(torch.relu(self.conv1(x)))
        x = nn.functional.leaky_relu(x, 0.2)
        x = self.pool1(x)                      # Pad (folded) + AveragePool
        x = x * torch.sigmoid(x)               # Mul
        x = self.pool2(self.pad(x))            # Pad (kept: a max pool's padding is not zeros)
        x = nn.functional.relu6(self.conv2(x))  # Clip(0, 6)
        x = torch.tanh(x.flatten(1))
        return torch.clamp(self.fc(x), -0.3, 0.4)


def main():
    graphrun = sys.argv[1]
    torch.manual_seed(0)
    net = Net()
    with torch.no_grad():  # statistics that are not the identity, so the fold is tested
        net.bn.running_mean.uniform_(-0.5, 0.5)
        net.bn.running_var.uniform_(0.5, 2.0)
        net.bn.weight.uniform_(0.5, 1.5)
        net.bn.bias.uniform_(-0.2, 0.2)
    net.eval()
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(1)) * 2
    with torch.no_grad():
        want = net(x).double().numpy()
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        np.save(tmp / "x.npy", x.numpy())
        for opset in [9, 13, 17]:
            path = tmp / f"net_{opset}.onnx"
            torch.onnx.export(net, x, str(path), input_names=["x"], output_names=["y"], opset_version=opset,
                              dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
            run(graphrun, "run", path, "--input", f"x={tmp / 'x.npy'}", "--fetch", "y", "--output", tmp / "y.npy",
                timeout=300)
            got = np.load(tmp / "y.npy")
            if got.shape != want.shape:
                fail(f"opset {opset}: graphrun's output has shape {got.shape}, torch's {want.shape}")
            rel = float(np.abs(got - want).max() / np.abs(want).max())
            print(f"opset {opset}: rel {rel:.2e}")
            if not rel < REL:
                fail(f"opset {opset}: graphrun differs from torch: rel {rel:.3e} >= {REL}")

            run(graphrun, "convert", path, tmp / "net.pbtxt")
            text = (tmp / "net.pbtxt").read_text()
            ops = [line.split('"')[1] for line in text.splitlines() if line.strip().startswith("op:")]
            for op in ["ScaleShift", "LeakyRelu", "Mul", "Sigmoid", "Clip", "Tanh"]:
                if op not in ops:
                    fail(f"opset {opset}: no {op} node in the converted graph: {ops}")
            if ops.count("Pad") != 1 or ops.count("Clip") != 2:
                fail(f"opset {opset}: expected one Pad (before the max pool; the average pool's folded) and two "
                     f"Clips, got {ops}")
    print("onnx import ops: ok")


if __name__ == "__main__":
    main()
