"""ONNX import against PyTorch, the outside oracle: torchvision's alexnet and vgg11
(weights=None, seeded) exported by Debian's python3-torch (torch.onnx.export, a dynamic batch)
and run by graphrun straight from the .onnx file must equal torch's forward on the same input
(rel = max|graphrun - torch| / max|torch| < 1e-5). AlexNet is also exported at opsets 9 and 17,
converted (`graphrun convert model.onnx model.pbtxt` -> model.pbtxt + model.npz) and run from
the graph file and weights, inspected (parameters = torch's), and run with --weights overriding
the initializers.
usage: test_onnx_import.py GRAPHRUN"""
import pathlib
import sys
import tempfile

import numpy as np
import torch
import torchvision

from cli_util import fail, run

REL = 1e-5


def export(model, path, opset, size):
    x = torch.zeros(1, 3, size, size)
    torch.onnx.export(model, x, str(path), input_names=["x"], output_names=["logits"], opset_version=opset,
                      dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})


def rel_error(got, want):
    return float(np.abs(got.astype(np.float64) - want).max() / np.abs(want).max())


def graphrun_forward(graphrun, tmp, graph, x, *extra):
    xp, yp = tmp / "x.npy", tmp / "y.npy"
    np.save(xp, x)
    run(graphrun, "run", graph, "--input", f"x={xp}", "--fetch", "logits", "--output", yp, *extra, timeout=600)
    return np.load(yp)


def check(name, got, want):
    if got.shape != want.shape:
        fail(f"{name}: graphrun's output has shape {got.shape}, torch's {want.shape}")
    rel = rel_error(got, want)
    print(f"{name}: rel {rel:.2e} (max |torch| {np.abs(want).max():.3g})")
    if not rel < REL:
        fail(f"{name}: graphrun differs from torch: rel {rel:.3e} >= {REL}")


def main():
    graphrun = sys.argv[1]
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        models = [("alexnet", torchvision.models.alexnet(weights=None), 224, [9, 14, 17]),
                  ("vgg11", torchvision.models.vgg11(weights=None), 224, [14])]
        for name, model, size, opsets in models:
            model.eval()
            x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(1))
            with torch.no_grad():
                want = model(x).double().numpy()
            for opset in opsets:
                path = tmp / f"{name}_{opset}.onnx"
                export(model, path, opset, size)
                check(f"{name} opset {opset}", graphrun_forward(graphrun, tmp, path, x.numpy()), want)

            # inspect: the imported parameters are torch's.
            path = tmp / f"{name}_{opsets[-1]}.onnx"
            out = run(graphrun, "inspect", path, timeout=600).stdout
            params = sum(p.numel() for p in model.parameters())
            if f"{params:,}" not in out and str(params) not in out:
                fail(f"{name}: inspect does not report torch's {params} parameters:\n{out[-1500:]}")

            if name != "alexnet":
                continue
            # convert: graph file + weights beside it, the same numbers.
            pbtxt = tmp / "alexnet.pbtxt"
            run(graphrun, "convert", path, pbtxt)
            if not (tmp / "alexnet.npz").exists():
                fail("convert wrote no alexnet.npz beside alexnet.pbtxt")
            if "value(" in pbtxt.read_text() or len(pbtxt.read_text()) > 200_000:
                fail("convert left the weights in the graph file")
            check("alexnet from convert's .pbtxt + .npz",
                  graphrun_forward(graphrun, tmp, pbtxt, x.numpy(), "--weights", tmp / "alexnet.npz"), want)

            # --weights overrides the initializers: scaled weights of the last layer scale the logits.
            weights = dict(np.load(tmp / "alexnet.npz"))
            last = [k for k in weights if k.startswith("classifier.6")]
            if len(last) != 2:
                fail(f"expected classifier.6's weight and bias among the weights, got {sorted(weights)}")
            for k in last:
                weights[k] = weights[k] * 2
            np.savez(tmp / "scaled.npz", **weights)
            check("alexnet --weights overriding the initializers",
                  graphrun_forward(graphrun, tmp, path, x.numpy(), "--weights", tmp / "scaled.npz"), want * 2)
    print("onnx import: ok")


if __name__ == "__main__":
    main()
