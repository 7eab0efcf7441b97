"""ONNX Runtime as the outside consumer of graphrun's exports: a virtual environment (beside the
graphrun binary, made once) gets onnxruntime 1.31 (CPU) and a current onnx from PyPI; ONNX
Runtime then runs graphrun's exported paper AlexNet and VGG-11 and torchvision's alexnet and
vgg11 imported from torch's ONNX and exported again by graphrun, and test_onnx_import_ops.py's
net (LeakyRelu, Tanh, Clip, Mul, BatchNormalization, Pad) likewise at opsets 13 and 17. Its
outputs must equal graphrun's on the same input (rel = max|ort - graphrun| / max|graphrun|
< 1e-5), and the current onnx's checker (full_check) must accept every export.
usage: test_onnx_runtime.py GRAPHRUN"""
import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torchvision

from cli_util import fail, run
from test_onnx_import_ops import make_net, torch_export

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
ORT_VERSION = "1.31.0"

RUNNER = """
import sys, numpy as np, onnx, onnxruntime as ort
model, x, out = sys.argv[1:4]
onnx.checker.check_model(model, full_check=True)
s = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
y = s.run(None, {s.get_inputs()[0].name: np.load(x)})[0]
np.save(out, y)
print("onnxruntime", ort.__version__, "onnx", onnx.__version__)
"""


def venv_python(graphrun):
    venv = pathlib.Path(graphrun).resolve().parent / "onnx-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run(["/usr/bin/python3", "-m", "venv", str(venv)], check=True)
    probe = subprocess.run([str(python), "-c", "import onnxruntime; print(onnxruntime.__version__)"],
                           capture_output=True, text=True)
    if probe.stdout.strip() != ORT_VERSION:
        p = subprocess.run([str(python), "-m", "pip", "install", "-q", f"onnxruntime=={ORT_VERSION}", "onnx", "numpy"],
                           capture_output=True, text=True, timeout=900)
        if p.returncode != 0:
            fail(f"cannot install onnxruntime {ORT_VERSION} from PyPI into {venv}:\n{p.stderr[-2000:]}")
    return python


def rel(a, b):
    return float(np.abs(a.astype(np.float64) - b).max() / np.abs(b).max())


def main():
    graphrun = sys.argv[1]
    python = venv_python(graphrun)
    problems = []
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        (tmp / "runner.py").write_text(RUNNER)

        def compare(label, graph, onnx_path, size, feed, fetch, *extra):
            x = np.random.default_rng(7).standard_normal((2, 3, size, size)).astype(np.float32)
            np.save(tmp / "x.npy", x)
            run(graphrun, "run", graph, "--input", f"{feed}={tmp / 'x.npy'}", "--fetch", fetch, "--output",
                tmp / "want.npy", *extra, timeout=900)
            p = subprocess.run([str(python), str(tmp / "runner.py"), str(onnx_path), str(tmp / "x.npy"),
                                str(tmp / "got.npy")], capture_output=True, text=True, timeout=900)
            if p.returncode != 0:
                problems.append(f"{label}: ONNX Runtime failed:\n{p.stderr[-2000:]}")
                return
            r = rel(np.load(tmp / "got.npy"), np.load(tmp / "want.npy").astype(np.float64))
            print(f"{label}: ONNX Runtime vs graphrun rel {r:.2e} ({p.stdout.strip()})")
            if not r < 1e-5:
                problems.append(f"{label}: ONNX Runtime differs from graphrun: rel {r:.3e}")

        # The ops graphrun added for ONNX, imported and exported again (first: it takes a second).
        # Its zero Pad before a MaxPool is what ONNX Runtime's PadFusion gets wrong (rel ~1e-2 on
        # torch's own export of this net); graphrun's export keeps the Pad out of its reach.
        net, x = make_net()
        src = tmp / "ops.onnx"
        torch_export(net, x, src, 13)
        for opset in [13, 17]:
            again = tmp / f"ops_{opset}.onnx"
            run(graphrun, "export", src, "-o", again, "--opset", opset, timeout=300)
            compare(f"new-ops net imported and exported at opset {opset}", src, again, x.shape[-1], "x", "y")

        # graphrun's own models, exported (weights: the initializers at --seed 5).
        for name, size in [("alexnet", 227), ("vgg11", 224)]:
            out = tmp / f"{name}.onnx"
            run(graphrun, "export", ROOT / f"graphs/{name}.pb", "-o", out, "--seed", 5, timeout=900)
            compare(f"graphrun {name} exported", ROOT / f"graphs/{name}.pb", out, size, "data", "prob", "--seed", 5)
            out.unlink()

        # torchvision's, imported from torch's ONNX and exported again.
        torch.manual_seed(0)
        for name in ["alexnet", "vgg11"]:
            model = getattr(torchvision.models, name)(weights=None).eval()
            src = tmp / f"tv_{name}.onnx"
            torch.onnx.export(model, torch.zeros(1, 3, 224, 224), str(src), input_names=["x"], output_names=["logits"],
                              opset_version=14, dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})
            again = tmp / f"tv_{name}_again.onnx"
            run(graphrun, "export", src, "-o", again, "--opset", 17, timeout=900)
            compare(f"torchvision {name} imported and exported", src, again, 224, "x", "logits")
            src.unlink()
            again.unlink()
    if problems:
        fail("\n".join(problems))
    print("onnx runtime: ok")


if __name__ == "__main__":
    main()
