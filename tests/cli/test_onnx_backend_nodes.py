"""ONNX's backend node test cases (model, inputs and expected outputs that python3-onnx's
generators write) run by graphrun: every case whose ops are all ones graphrun imports is run with
`graphrun run` and compared with the expected outputs (ONNX's backend tolerances, rtol 1e-3,
atol 1e-7). A case is first run as written (every graph input fed); where graphrun refuses that,
again with the inputs after the first bound as initializers, the form graphrun takes weights in
(Conv's W, Gemm's B, BatchNormalization's statistics, Clip's bounds, Reshape's shape). A case
graphrun's importer refuses both ways (an attr value or dtype it does not take) is skipped and
listed with the importer's reason; wrong numbers, a crash or an error after import fail the test,
and so does an op with no case run.
usage: test_onnx_backend_nodes.py GRAPHRUN"""
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnx.version_converter
from onnx import numpy_helper

from cli_util import fail

SUPPORTED = ["Conv", "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "MaxPool", "AveragePool", "GlobalAveragePool",
             "LRN", "BatchNormalization", "Gemm", "MatMul", "Add", "Mul", "Concat", "Flatten", "Reshape", "Dropout",
             "Softmax", "Identity", "Constant", "Pad"]
RTOL, ATOL = 1e-3, 1e-7
FLOATS = (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE)

# python3-onnx (1.12) writes the cases with numpy aliases Debian's numpy 1.24 removed.
GENERATE = """
import sys, numpy
numpy.float, numpy.int, numpy.bool, numpy.object = float, int, bool, object
from onnx.backend.test.cmd_tools import main
sys.argv = ["generate", "generate-data", "-o", sys.argv[1]]
main()
"""


def sanitize(name):
    """graphrun's node name for an ONNX tensor name (core/onnx/onnx_import.cc, sanitize)."""
    return "".join("_" if c in ":\t\n \"'" else c for c in name) or "_"


def read_tensors(folder, prefix):
    files = sorted(folder.glob(f"{prefix}_*.pb"), key=lambda p: int(p.stem.split("_")[1]))
    tensors = []
    for f in files:
        t = onnx.TensorProto()
        t.ParseFromString(f.read_bytes())
        tensors.append(t)
    return tensors


class Refused(Exception):
    """graphrun refused the model at import (a clean error naming the model file)."""


def run_graphrun(graphrun, model, model_path, feeds, work):
    args = [graphrun, "run", str(model_path)]
    for name, value in feeds.items():
        path = work / f"in_{sanitize(name)}.npy"
        np.save(path, value)
        args += ["--input", f"{sanitize(name)}={path}"]
    if feeds:
        args += ["--batch-size", str(max(1, next(iter(feeds.values())).shape[0] if next(iter(feeds.values())).ndim else 1))]
    for out in model.graph.output:
        args += ["--fetch", sanitize(out.name)]
    args += ["--output", str(work / "out.npz")]
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise AssertionError("graphrun hung (> 120 s)")
    if p.returncode == 2 and p.stderr.startswith(f"error: {model_path}: "):
        raise Refused(p.stderr.strip().splitlines()[0][len(f"error: {model_path}: "):])
    if p.returncode != 0:
        raise AssertionError(f"graphrun exited {p.returncode}: {p.stderr.strip()[-1500:]}")
    outs = np.load(work / "out.npz")
    return [outs[sanitize(o.name)] for o in model.graph.output]


def with_weights_bound(model, inputs):
    """The model with graph inputs 1.. turned into initializers holding the case's values."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for info, value in list(zip(model.graph.input, inputs))[1:]:
        t = onnx.TensorProto()
        t.CopyFrom(value)
        t.name = info.name
        m.graph.initializer.append(t)
    keep = [i for i in m.graph.input if i.name == model.graph.input[0].name]
    del m.graph.input[:]
    m.graph.input.extend(keep)
    return m


def compare(got, want_protos):
    problems = []
    for k, (g, w) in enumerate(zip(got, want_protos)):
        w = numpy_helper.to_array(w)
        if g.shape != w.shape:
            problems.append(f"output {k}: shape {g.shape}, expected {w.shape}")
        elif not np.allclose(g, w, rtol=RTOL, atol=ATOL):
            bad = np.abs(g.astype(np.float64) - w) > ATOL + RTOL * np.abs(w)
            problems.append(f"output {k}: {int(bad.sum())} of {w.size} values differ, max |diff| "
                            f"{float(np.abs(g.astype(np.float64) - w).max()):.3g}")
    return problems


def run_case(graphrun, case, work):
    """Returns (how it ran, None) or (None, skip reason); raises AssertionError on a failure."""
    model = onnx.load(case / "model.onnx")
    for info in list(model.graph.input) + list(model.graph.output):
        if not info.type.HasField("tensor_type"):
            return None, f"'{info.name}' is a {info.type.WhichOneof('value')}, not a tensor"
    data = case / "test_data_set_0"
    inputs, outputs = read_tensors(data, "input"), read_tensors(data, "output")
    if len(inputs) != len(model.graph.input):
        return None, f"{len(model.graph.input)} graph inputs but {len(inputs)} given (optional inputs left out)"
    # The data graphrun computes on must be float; what is bound as an initializer may be an
    # integer (Reshape's shape, Pad's pads) or a bool (Dropout's training_mode).
    for kind, tensors in (("input", inputs[:1]), ("output", outputs)):
        for k, t in enumerate(tensors):
            if t.data_type not in FLOATS:
                return None, f"{kind} {k} is {onnx.TensorProto.DataType.Name(t.data_type)} (graphrun computes float32/float64)"
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)
    converted = ""
    if opset < 7:  # graphrun reads opsets 7 to 17; its error names this remedy
        model = onnx.version_converter.convert_version(model, 7)
        converted = f", converted from opset {opset} to 7 by onnx.version_converter"
    feeds = {info.name: numpy_helper.to_array(t) for info, t in zip(model.graph.input, inputs)}
    path = work / "model.onnx"
    attempts = []
    if all(t.data_type in FLOATS for t in inputs):
        attempts.append(("as written" + converted, model, feeds))
    if len(inputs) > 1:
        first = model.graph.input[0].name
        attempts.append(("inputs 1.. as initializers" + converted, with_weights_bound(model, inputs),
                         {first: feeds[first]}))
    reasons = []
    for how, m, f in attempts:
        onnx.save(m, path)
        try:
            got = run_graphrun(graphrun, m, path, f, work)
        except Refused as e:
            reasons.append(f"{how}: {str(e).split('. Supported ops')[0]}")
            continue
        problems = compare(got, outputs)
        if problems:
            raise AssertionError(f"{how}: " + "; ".join(problems))
        return how, None
    return None, " | ".join(reasons)


def main():
    graphrun = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        subprocess.run([sys.executable, "-c", GENERATE, str(tmp / "data")], check=True, capture_output=True, timeout=600)
        cases = sorted((tmp / "data" / "node").iterdir())
        if len(cases) < 500:
            fail(f"python3-onnx generated only {len(cases)} node cases")
        ran, skipped, failed = [], [], []
        ran_ops = set()
        for case in cases:
            ops = {n.op_type for n in onnx.load(case / "model.onnx").graph.node}
            if not ops or not ops <= set(SUPPORTED):
                continue
            work = tmp / "work"
            work.mkdir(exist_ok=True)
            try:
                how, reason = run_case(graphrun, case, work)
            except AssertionError as e:
                failed.append(f"{case.name}: {e}")
                continue
            if reason:
                skipped.append(f"{case.name}: {reason}")
            else:
                ran.append(f"{case.name} ({how})")
                ran_ops |= ops
        print(f"ran {len(ran)} cases:")
        for line in ran:
            print("  ", line)
        print(f"skipped {len(skipped)} cases:")
        for line in skipped:
            print("  ", line)
        problems = [f"failed: {line}" for line in failed]
        problems += [f"no case of {op} ran" for op in SUPPORTED if op not in ran_ops]
        if problems:
            fail(f"{len(failed)} case(s) failed:\n" + "\n".join(problems))
    print(f"onnx backend node cases: {len(ran)} ran, {len(skipped)} skipped: ok")


if __name__ == "__main__":
    main()
