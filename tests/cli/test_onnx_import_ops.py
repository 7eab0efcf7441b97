"""ONNX import of LeakyRelu, Clip, Tanh, Mul, BatchNormalization and Pad against PyTorch: a
small net using each (BatchNorm after a ReLU, so the exporter cannot fold it into a conv;
SiLU as Sigmoid * x; ReLU6 and hardtanh as Clip; an AvgPool with count_include_pad, which the
exporter writes as Pad + AveragePool; ZeroPad2d before a MaxPool, which stays a Pad), exported
by python3-torch at opsets 9 (Clip and Pad bounds as attrs) and 13 and 17 (as inputs), run by
graphrun straight from the .onnx file, must equal torch's forward (rel < 1e-5). The converted
graph shows where a Pad folded into the window after it and where it stayed a Pad node.
graphrun then exports what it imported (at opsets 13, 14 and 17: BatchNormalization-9, -14 and
-15): each new op written natively (ScaleShift as BatchNormalization with mean 0, variance 1,
epsilon 0), the file passing onnx's checker (full_check) and strict shape inference, and
imported again it computes what the first import did (rel < 1e-5).
usage: test_onnx_import_ops.py GRAPHRUN"""
import pathlib
import sys
import tempfile

import numpy as np
import onnx
import onnx.numpy_helper
import torch
from torch import nn

from cli_util import fail, run
from test_onnx_export import rel, structural_checks

REL = 1e-5
# The opset graphrun writes each torch export again at: BatchNormalization's three versions in
# graphrun's 13..17 (9, 14, 15), each from a different source opset.
EXPORT_OPSET = {9: 13, 13: 14, 17: 17}
# graphrun's op -> the ONNX op its export writes.
NATIVE = {"ScaleShift": "BatchNormalization", "LeakyRelu": "LeakyRelu", "Mul": "Mul", "Clip": "Clip",
          "Tanh": "Tanh", "Pad": "Pad"}


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


def exported_values_problems(m):
    """What graphrun's export of Net must hold beyond the op names: the constants it wrote."""
    problems = []
    init = {t.name: onnx.numpy_helper.to_array(t) for t in m.graph.initializer}
    for n in m.graph.node:
        inputs = [init.get(name) for name in n.input]
        if n.op_type in ["Clip", "Pad", "BatchNormalization"] and any(v is None for v in inputs[1:]):
            problems.append(f"{n.op_type} '{n.name}': inputs {list(n.input)[1:]} are not all initializers")
        elif n.op_type == "Clip":
            # torch writes ReLU6 at opset 9 as Relu + Clip(max 6), whose min is ONNX's default: the
            # lowest float; at 13 and 17 as Clip(0, 6).
            bounds = tuple(round(float(v), 6) for v in inputs[1:])
            if bounds not in [(round(float(np.finfo(np.float32).min), 6), 6.0), (0.0, 6.0), (-0.3, 0.4)]:
                problems.append(f"Clip '{n.name}': bounds {bounds}, want (lowest float or 0, 6) or (-0.3, 0.4)")
        elif n.op_type == "Pad":
            if list(inputs[1]) != [0, 0, 1, 1, 0, 0, 0, 0] or inputs[1].dtype != np.int64:
                problems.append(f"Pad '{n.name}': pads {inputs[1]!r}, want int64 [0, 0, 1, 1, 0, 0, 0, 0]")
            # -0.0: ONNX Runtime's PadFusion would fold a +0.0 Pad into the MaxPool (wrongly).
            if inputs[2] != 0 or not np.signbit(inputs[2]) or inputs[2].dtype != np.float32:
                problems.append(f"Pad '{n.name}': value {inputs[2]!r}, want float32 -0.0")
        elif n.op_type == "BatchNormalization":
            eps = [a.f for a in n.attribute if a.name == "epsilon"]
            if eps != [0.0] or not (inputs[3] == 0).all() or not (inputs[4] == 1).all():
                problems.append(f"BatchNormalization '{n.name}': epsilon {eps}, mean {inputs[3]}, var {inputs[4]}; "
                                "want epsilon 0, mean 0, var 1")
    return problems


def export_again(graphrun, path, want, graph_ops, source_opset, tmp):
    """graphrun's export of the net it imported from `path`: valid, each new op native, and
    imported again equal to `want` (graphrun's output of the first import)."""
    opset = EXPORT_OPSET[source_opset]
    again = tmp / f"again_{opset}.onnx"
    run(graphrun, "export", path, "-o", again, "--opset", opset, timeout=300)
    problems = []
    m, ops = structural_checks(again, problems)  # full_check, strict shape inference, symbolic batch
    for ours, theirs in NATIVE.items():
        if ops.count(theirs) != graph_ops.count(ours) or not ops.count(theirs):
            problems.append(f"{graph_ops.count(ours)} {ours} written as {ops.count(theirs)} {theirs}: {ops}")
    problems += exported_values_problems(m)
    run(graphrun, "run", again, "--input", f"x={tmp / 'x.npy'}", "--fetch", "y", "--output", tmp / "again.npy",
        timeout=300)
    r = rel(np.load(tmp / "again.npy"), want)
    print(f"opset {source_opset} imported, exported at {opset}, imported again: rel {r:.2e}")
    if not r < REL:
        problems.append(f"imported again it differs from the first import: rel {r:.3e}")
    if problems:
        fail(f"graphrun's export at opset {opset} of {path.name}:\n" + "\n".join(problems))


def make_net():
    """The net in eval mode with its input (test_onnx_runtime.py runs it too)."""
    torch.manual_seed(0)
    net = Net()
    with torch.no_grad():  # statistics that are not the identity, so the fold is tested
        net.bn.running_mean.uniform_(-0.5, 0.5)
        net.bn.running_var.uniform_(0.5, 2.0)
        net.bn.weight.uniform_(0.5, 1.5)
        net.bn.bias.uniform_(-0.2, 0.2)
    net.eval()
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(1)) * 2
    return net, x


def torch_export(net, x, path, opset):
    """python3-torch's ONNX of the net: input x, output y, a symbolic batch."""
    torch.onnx.export(net, x, str(path), input_names=["x"], output_names=["y"], opset_version=opset,
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})


def main():
    graphrun = sys.argv[1]
    net, x = make_net()
    with torch.no_grad():
        want = net(x).double().numpy()
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        np.save(tmp / "x.npy", x.numpy())
        for opset in [9, 13, 17]:
            path = tmp / f"net_{opset}.onnx"
            torch_export(net, x, path, opset)
            run(graphrun, "run", path, "--input", f"x={tmp / 'x.npy'}", "--fetch", "y", "--output", tmp / "y.npy",
                timeout=300)
            got = np.load(tmp / "y.npy")
            if got.shape != want.shape:
                fail(f"opset {opset}: graphrun's output has shape {got.shape}, torch's {want.shape}")
            r = rel(got, want)
            print(f"opset {opset}: rel {r:.2e}")
            if not r < REL:
                fail(f"opset {opset}: graphrun differs from torch: rel {r:.3e} >= {REL}")

            run(graphrun, "convert", path, tmp / "net.pbtxt")
            text = (tmp / "net.pbtxt").read_text()
            ops = [line.split('"')[1] for line in text.splitlines() if line.strip().startswith("op:")]
            for op in ["ScaleShift", "LeakyRelu", "Mul", "Sigmoid", "Clip", "Tanh"]:
                if op not in ops:
                    fail(f"opset {opset}: no {op} node in the converted graph: {ops}")
            if ops.count("Pad") != 1 or ops.count("Clip") != 2:
                fail(f"opset {opset}: expected one Pad (before the max pool; the average pool's folded) and two "
                     f"Clips, got {ops}")
            export_again(graphrun, path, got, ops, opset, tmp)
    print("onnx import ops: ok")


if __name__ == "__main__":
    main()
