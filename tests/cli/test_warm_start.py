"""graphrun train --init-from W --init-map SRC=DST: the VGG paper's warm start. A small deeper
net takes exactly the mapped variables of a shallower one's weights, the rest come from its own
initializers (as a run without --init-from draws them), both lists are printed; bad maps are
one-line errors; the shipped graphs/vgg11_to_deeper.map fits every deeper VGG configuration.
usage: test_warm_start.py GRAPHRUN"""
import json
import os
import pathlib
import sys
import tempfile

import numpy as np

from cli_util import expect_error, fail, run

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent


def small_vgg(name, convs, fc_units):
    """A VGG-shaped net on 1x8x8 images: blocks of 3x3 convolutions named convB_K, then fc6, fc8."""
    lines = [f'name: "{name}"', 'node { name: "data" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 1, 8, 8] } } }']
    prev = "data"
    for b, (count, channels) in enumerate(zip(convs, [4, 8]), start=1):
        for k in range(1, count + 1):
            lines.append(f'node {{ name: "conv{b}_{k}" op: "Conv2D" input: "{prev}" attr {{ name: "filters" i: {channels} }} '
                         'attr { name: "kernel" i: 3 } attr { name: "pad" i: 1 } '
                         'attr { name: "bias_init" init { constant { value: 0.25 } } } }')
            lines.append(f'node {{ name: "relu{b}_{k}" op: "Relu" input: "conv{b}_{k}" }}')
            prev = f"relu{b}_{k}"
        lines.append(f'node {{ name: "pool{b}" op: "MaxPool" input: "{prev}" attr {{ name: "kernel" i: 2 }} attr {{ name: "stride" i: 2 }} }}')
        prev = f"pool{b}"
    lines += [f'node {{ name: "flatten" op: "Flatten" input: "{prev}" }}',
              f'node {{ name: "fc6" op: "Dense" input: "flatten" attr {{ name: "units" i: {fc_units} }} }}',
              'node { name: "relu6" op: "Relu" input: "fc6" }',
              'node { name: "fc8" op: "Dense" input: "relu6" attr { name: "units" i: 10 } }',
              'node { name: "prob" op: "Softmax" input: "fc8" }']
    return "\n".join(lines) + "\n"


def train_deeper(tmp, out, *args):
    """One step at a negligible learning rate, so the saved weights are the initial ones."""
    return run(GRAPHRUN, "train", tmp / "deep.pbtxt", "--quiet", "--data", "synthetic", "--steps", "1",
               "--batch-size", "8", "--lr", "1e-30", "--seed", "5", "--checkpoint-dir", tmp / out, *args).stdout


def check_mapped(tmp):
    rng = np.random.RandomState(0)
    source = {}
    for name, shape in {"conv1_1": (4, 1, 3, 3), "conv2_1": (8, 4, 3, 3), "fc6": (16, 32), "fc8": (10, 16),
                        "other": (8, 8, 3, 3)}.items():
        source[f"{name}/weight"] = rng.randn(*shape).astype(np.float32)
        source[f"{name}/bias"] = rng.randn(shape[0]).astype(np.float64)  # converted to the graph's float32
    np.savez(tmp / "a.npz", **source)
    (tmp / "deep.pbtxt").write_text(small_vgg("deep", [2, 2], 16))
    (tmp / "a_to_deep.map").write_text("# the paper's choice, in small\nconv1_1=conv1_1  # first conv\n\nfc6=fc6\n")
    out = train_deeper(tmp, "warm", "--init-from", tmp / "a.npz", "--init-map", tmp / "a_to_deep.map",
                       "--init-map", "fc8=fc8")
    train_deeper(tmp, "cold")
    warm, cold = np.load(tmp / "warm" / "weights.npz"), np.load(tmp / "cold" / "weights.npz")
    loaded = {"conv1_1/weight", "conv1_1/bias", "fc6/weight", "fc6/bias", "fc8/weight", "fc8/bias"}
    for name in warm.files:
        if name in loaded:
            if not np.allclose(warm[name], source[name], rtol=1e-6, atol=1e-20):
                fail(f"{name} was not loaded from a.npz")
        elif not np.array_equal(warm[name], cold[name]):
            fail(f"{name} is not the graph's initial value (a run without --init-from differs)")
    # conv2_1 fits by name and shape but is not mapped: the map is the whole list.
    if np.allclose(warm["conv2_1/weight"], source["conv2_1/weight"]):
        fail("conv2_1 was loaded although the map does not name it")
    load_line = next((l for l in out.splitlines() if "variables loaded:" in l), "")
    init_line = next((l for l in out.splitlines() if "initialised from the graph:" in l), "")
    if "6 variables loaded" not in load_line or "fc6/weight" not in load_line or "conv1_2/weight" in load_line:
        fail(f"loaded list wrong: {out}")
    if "6 variables initialised" not in init_line or "conv1_2/weight" not in init_line or "conv2_1/bias" not in init_line:
        fail(f"initialised list wrong: {out}")
    # A layer may be mapped onto a differently named one of the same shape.
    out = train_deeper(tmp, "renamed", "--init-from", tmp / "a.npz", "--init-map", "other=conv2_2")
    renamed = np.load(tmp / "renamed" / "weights.npz")
    if not np.allclose(renamed["conv2_2/weight"], source["other/weight"], rtol=1e-6, atol=1e-20):
        fail("other=conv2_2 did not load other's weights into conv2_2")
    if "conv2_2/weight <- other/weight" not in out:
        fail(f"a renamed variable is not shown with its source: {out}")
    return source


def check_by_name(tmp):
    """Without a map: every variable whose name and shape match; a shape that differs is listed."""
    (tmp / "wide.pbtxt").write_text(small_vgg("wide", [2, 2], 32))
    out = run(GRAPHRUN, "train", tmp / "wide.pbtxt", "--quiet", "--data", "synthetic", "--steps", "1", "--batch-size",
              "8", "--init-from", tmp / "a.npz").stdout
    # fc8's bias fits ([10] in both), its weight does not: each variable on its own.
    if "5 variables loaded: conv1_1/bias, conv1_1/weight, conv2_1/bias, conv2_1/weight, fc8/bias\n" not in out:
        fail(f"by-name warm start loaded the wrong variables: {out}")
    if "fc6/weight (source [16,32], graph [32,32])" not in out:
        fail(f"a variable of another shape is not listed with both shapes: {out}")


def check_errors(tmp):
    deep, a = tmp / "deep.pbtxt", tmp / "a.npz"
    base = ["train", deep, "--data", "synthetic", "--steps", "1", "--batch-size", "8", "--init-from", a]
    (tmp / "bad.map").write_text("conv1_1=conv1_1\nconv1_1 conv1_2\n")
    (tmp / "wide.pbtxt").write_text(small_vgg("wide", [2, 2], 32))
    cases = [
        (base + ["--init-map", "conv9_9=conv1_1"], "'conv9_9' names no variable or layer of"),
        (base + ["--init-map", "conv1_1=nothere"], "'conv1_1/bias' maps to 'nothere/bias', which is no variable of graph 'deep'"),
        (base + ["--init-map", tmp / "bad.map"], "bad.map:2: 'conv1_1 conv1_2' is not SRC=DST"),
        (base + ["--init-map", "conv1_1=conv1_2"], "'conv1_1/weight' of '" + str(a) + "' is [4,1,3,3], but 'conv1_2/weight' of graph 'deep' is [4,4,3,3]"),
        (["train", tmp / "wide.pbtxt", "--data", "synthetic", "--steps", "1", "--init-from", a, "--init-map", "fc6=fc6"],
         "'fc6/bias' of '" + str(a) + "' is [16], but 'fc6/bias' of graph 'wide' is [32]"),
        (base + ["--init-map", tmp / "no.map"], "neither SRC=DST nor a readable map file"),
        (["train", deep, "--data", "synthetic", "--steps", "1", "--init-from", tmp / "none.npz"], "--init-from: no file"),
        (["train", deep, "--data", "synthetic", "--steps", "1", "--init-map", "a=b"], "--init-map needs --init-from"),
        (base + ["--weights", a], "--init-from cannot be combined with --weights"),
    ]
    problems = []
    for args, expected in cases:
        problems += [f"{args[-2:]}: {p}" for p in expect_error(GRAPHRUN, args, expected)]
    if problems:
        fail("\n".join(problems))


def check_shipped_map():
    """Each line of graphs/vgg11_to_deeper.map names a layer of vgg11 whose variables have the
    shapes of the same layer in vgg13, vgg16c, vgg16 and vgg19."""
    entries = []
    for line in (ROOT / "graphs" / "vgg11_to_deeper.map").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            entries.append(tuple(line.split("=")))
    if [s for s, _ in entries] != ["conv1_1", "conv2_1", "conv3_1", "conv3_2", "fc6", "fc7", "fc8"]:
        fail(f"the map is not A's first four convolutions and three FC layers: {entries}")
    shapes = lambda g: {v["name"]: v["shape"] for v in json.loads(run(GRAPHRUN, "inspect", ROOT / "graphs" / f"{g}.pbtxt", "--json").stdout)["variables"]}
    a = shapes("vgg11")
    for deeper in ("vgg13", "vgg16c", "vgg16", "vgg19"):
        d = shapes(deeper)
        for src, dst in entries:
            for part in ("weight", "bias"):
                if a[f"{src}/{part}"] != d.get(f"{dst}/{part}"):
                    fail(f"{deeper}: {dst}/{part} is {d.get(f'{dst}/{part}')}, vgg11's {src}/{part} is {a[f'{src}/{part}']}")


if __name__ == "__main__":
    GRAPHRUN = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        check_mapped(tmp)
        check_by_name(tmp)
        check_errors(tmp)
        check_shipped_map()
    print("ok")
