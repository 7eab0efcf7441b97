"""The VGG paper's training scales and test-time evaluation through the CLI: `convert --dense`
and `eval --dense --scales` (FC layers as convolutions, reusing the trained weights), `eval
--crops 50`, `train --scale / --scale-jitter` on `prepare --size` folders, and their errors.
usage: test_vgg_eval.py GRAPHRUN"""
import json
import os
import pathlib
import re
import sys
import tempfile

import numpy as np
from PIL import Image

from cli_util import expect_error, fail, run

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
GRAPHS = ROOT / "graphs"

# A VGG in small: three blocks (32 -> 4), fc6 reads a 4x4 map, 4 classes.
TINY = """name: "tiny"
node { name: "data" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 3, 32, 32] } } }
node { name: "conv1_1" op: "Conv2D" input: "data" attr { name: "filters" i: 8 } attr { name: "kernel" i: 3 } attr { name: "pad" i: 1 } }
node { name: "relu1_1" op: "Relu" input: "conv1_1" }
node { name: "pool1" op: "MaxPool" input: "relu1_1" attr { name: "kernel" i: 2 } attr { name: "stride" i: 2 } }
node { name: "conv2_1" op: "Conv2D" input: "pool1" attr { name: "filters" i: 8 } attr { name: "kernel" i: 3 } attr { name: "pad" i: 1 } }
node { name: "relu2_1" op: "Relu" input: "conv2_1" }
node { name: "pool2" op: "MaxPool" input: "relu2_1" attr { name: "kernel" i: 2 } attr { name: "stride" i: 2 } }
node { name: "conv3_1" op: "Conv2D" input: "pool2" attr { name: "filters" i: 8 } attr { name: "kernel" i: 3 } attr { name: "pad" i: 1 } }
node { name: "relu3_1" op: "Relu" input: "conv3_1" }
node { name: "pool3" op: "MaxPool" input: "relu3_1" attr { name: "kernel" i: 2 } attr { name: "stride" i: 2 } }
node { name: "flatten" op: "Flatten" input: "pool3" }
node { name: "fc6" op: "Dense" input: "flatten" attr { name: "units" i: 16 } }
node { name: "relu6" op: "Relu" input: "fc6" }
node { name: "drop6" op: "Dropout" input: "relu6" attr { name: "rate" f: 0.5 } }
node { name: "fc8" op: "Dense" input: "drop6" attr { name: "units" i: 4 } }
node { name: "prob" op: "Softmax" input: "fc8" }
training { batch_size: 4 epochs: 1 seed: 1 options { key: "lr" value: "0.01" } }
"""

# The first FC layer reads a ReLU of the flattened map, not the map: no dense form.
NOT_SPATIAL = """name: "flat"
node { name: "data" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 1, 8, 8] } } }
node { name: "flatten" op: "Flatten" input: "data" }
node { name: "relu" op: "Relu" input: "flatten" }
node { name: "fc" op: "Dense" input: "relu" attr { name: "units" i: 4 } }
"""


def shapes_of(graph):
    info = json.loads(run(GRAPHRUN, "inspect", graph, "--json").stdout)
    return {n["name"]: n["output_shapes"][0] for n in info["nodes"]}


def check_dense_graphs(tmp):
    """fc6 as a 7x7 convolution: a 384x384 image gives VGG a 6x6 score map, 224 a 1x1 one."""
    run(GRAPHRUN, "convert", "--dense", "384", GRAPHS / "vgg16.pbtxt", tmp / "vgg16_384.pbtxt")
    s = shapes_of(tmp / "vgg16_384.pbtxt")
    if s["fc6"] != [1, 4096, 6, 6] or s["fc8"] != [1, 1000, 6, 6] or s["dense_logits"] != [1, 1000]:
        fail(f"vgg16 dense at 384: fc6 {s['fc6']}, fc8 {s['fc8']}, dense_logits {s.get('dense_logits')}")
    run(GRAPHRUN, "convert", "--dense", "224", GRAPHS / "vgg11.pbtxt", tmp / "vgg11_224.pbtxt")
    if shapes_of(tmp / "vgg11_224.pbtxt")["fc8"] != [1, 1000, 1, 1]:
        fail("vgg11 dense at 224: the score map is not 1x1")


def he(rng, shape):
    fan_in = int(np.prod(shape[1:]))
    return (rng.randn(*shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def vgg_weights(graph, seed):
    """He-scaled random weights for every variable of `graph`, small random biases."""
    rng = np.random.RandomState(seed)
    info = json.loads(run(GRAPHRUN, "inspect", graph, "--json").stdout)
    return {v["name"]: he(rng, v["shape"]) if v["name"].endswith("weight")
            else (rng.rand(*v["shape"]) * 0.2 - 0.1).astype(np.float32) for v in info["variables"]}


def check_dense_equals_centre_at_224(tmp):
    """At Q = 224 the dense net is the net: the same weights give the same class scores."""
    np.savez(tmp / "vgg11.npz", **vgg_weights(GRAPHS / "vgg11.pbtxt", 1))
    x = np.random.RandomState(2).randn(1, 3, 224, 224).astype(np.float32)
    np.save(tmp / "x.npy", x)
    run(GRAPHRUN, "run", GRAPHS / "vgg11.pbtxt", "--weights", tmp / "vgg11.npz", "--input", f"data={tmp / 'x.npy'}",
        "--fetch", "fc8", "--output", tmp / "plain.npy", timeout=600)
    run(GRAPHRUN, "run", tmp / "vgg11_224.pbtxt", "--weights", tmp / "vgg11.npz", "--input", f"data={tmp / 'x.npy'}",
        "--fetch", "dense_logits", "--output", tmp / "dense.npy", timeout=600)
    plain, dense = np.load(tmp / "plain.npy"), np.load(tmp / "dense.npy")
    err = np.abs(plain - dense).max() / np.abs(plain).max()
    print(f"vgg11 at 224: max |dense - plain| / max |plain| = {err:.2e}")
    if plain.shape != dense.shape or not err < 1e-5:
        fail(f"dense vgg11 at 224 differs from vgg11: {plain.shape} vs {dense.shape}, relative error {err:.3g}")
    os.remove(tmp / "vgg11.npz")


def eval_numbers(out, prefix):
    m = re.search(re.escape(prefix) + r".*?(\d+) samples\s+top-1 ([\d.]+)\s+top-5 ([\d.]+)\s+loss ([\d.]+)", out)
    if not m:
        fail(f"no '{prefix}' result in:\n{out}")
    return int(m.group(1)), float(m.group(2)), float(m.group(4))


def check_dense_eval_on_mirror_images(tmp):
    """eval --dense averages an image with its flip; on mirror-symmetric images that is the plain
    evaluation exactly (vgg_mini at its own size, 28: a 1x1 score map)."""
    rng = np.random.RandomState(3)
    half = rng.rand(40, 1, 28, 14).astype(np.float32)
    images = np.concatenate([half, half[..., ::-1]], axis=3)
    np.savez(tmp / "mirror.npz", images=images, labels=rng.randint(0, 10, 40))
    np.savez(tmp / "mini.npz", **vgg_weights(GRAPHS / "vgg_mini.pbtxt", 4))
    args = ["eval", GRAPHS / "vgg_mini.pbtxt", "--weights", tmp / "mini.npz", "--data", f"npz:{tmp / 'mirror.npz'}",
            "--batch-size", "8"]
    plain = eval_numbers(run(GRAPHRUN, *args).stdout, "")
    out = run(GRAPHRUN, *args, "--dense").stdout
    dense = eval_numbers(out, "over scales 28")
    if "score map 1x1" not in out:
        fail(f"vgg_mini dense at 28 is not a 1x1 score map:\n{out}")
    if plain[0] != dense[0] or plain[1] != dense[1] or abs(plain[2] - dense[2]) > 1e-4 * max(1, plain[2]):
        fail(f"dense evaluation of mirror images {dense} differs from the plain one {plain}")


def make_image_folder(tmp):
    """4 classes x 3 PNG images of 80x60, each class its own colour pattern."""
    rng = np.random.RandomState(5)
    src = tmp / "src"
    for c in range(4):
        for i in range(3):
            d = src / f"class{c}"
            d.mkdir(parents=True, exist_ok=True)
            base = np.zeros((60, 80, 3), np.float32)
            base[..., c % 3] = 200
            img = np.clip(base + rng.randn(60, 80, 3) * 30, 0, 255).astype(np.uint8)
            Image.fromarray(img).save(d / f"img{i}.png")
    return src


def check_image_evaluations(tmp, prepared):
    (tmp / "tiny.pbtxt").write_text(TINY)
    np.savez(tmp / "tiny.npz", **vgg_weights(tmp / "tiny.pbtxt", 6))
    base = ["eval", tmp / "tiny.pbtxt", "--weights", tmp / "tiny.npz", "--data", prepared, "--batch-size", "4"]
    out = run(GRAPHRUN, *base, "--dense", "--scales", "32,48").stdout
    if "dense at 32: score map 1x1" not in out or "dense at 48: score map 3x3" not in out:
        fail(f"tiny dense at 32 and 48: want 1x1 and 3x3 score maps:\n{out}")
    eval_numbers(out, "dense over scales 32,48")
    # At Q = 32, the input size, all 25 grid crops are the whole image: 50 crops are the image
    # and its flip, as the dense evaluation at 32.
    crops = eval_numbers(run(GRAPHRUN, *base, "--crops", "50", "--scales", "32").stdout, "multi-crop over scales 32")
    dense = eval_numbers(run(GRAPHRUN, *base, "--dense", "--scales", "32").stdout, "dense over scales 32")
    if crops[1] != dense[1] or abs(crops[2] - dense[2]) > 1e-5:
        fail(f"50 crops at the input size {crops} differ from dense {dense}")
    out = run(GRAPHRUN, *base, "--dense", "--crops", "50", "--scales", "40,64").stdout
    for line in ("dense at 40", "dense at 64", "50 crops at 40", "50 crops at 64", "dense + multi-crop over scales 40,64"):
        if line not in out:
            fail(f"dense + multi-crop: no '{line}' in:\n{out}")
    return base


def check_training_scales(tmp, src, prepared):
    train = ["train", tmp / "tiny.pbtxt", "--quiet", "--steps", "3", "--batch-size", "4", "--seed", "3"]
    fixed = run(GRAPHRUN, *train, "--data", prepared, "--scale", "48").stdout
    jitter = run(GRAPHRUN, *train, "--data", prepared, "--scale-jitter", "32", "64").stdout
    again = run(GRAPHRUN, *train, "--data", prepared, "--scale-jitter", "32", "64").stdout
    if jitter != again:
        fail(f"scale jittering is not a function of (seed, epoch, sample):\n{jitter}\n{again}")
    if fixed == jitter:
        fail("--scale 48 and --scale-jitter 32 64 trained the same")
    # A raw folder decodes at the largest scale asked.
    run(GRAPHRUN, *train, "--data", src, "--scale-jitter", "40", "300")


def check_errors(tmp, src, prepared, eval_base):
    (tmp / "flat.pbtxt").write_text(NOT_SPATIAL)
    train = ["train", tmp / "tiny.pbtxt", "--steps", "1", "--batch-size", "4"]
    cases = [
        (train + ["--data", prepared, "--scale", "20"], "training scale 20 is smaller than the graph's 32x32 input"),
        (train + ["--data", prepared, "--scale-jitter", "40", "80"],
         "holds 64x64 images, too small for training scale 80: prepare the images again with --size 80"),
        (train + ["--data", prepared, "--scale-jitter", "50", "40"], "want 1 <= SMIN <= SMAX"),
        (train + ["--data", "synthetic", "--scale", "48"], "'synthetic' is not one"),
        (eval_base + ["--crops", "50", "--scales", "100"], "holds 64x64 images, too small for test scale 100"),
        (eval_base + ["--crops", "50", "--scales", "24"], "test scale 24 is smaller than the graph's 32x32 input"),
        (eval_base + ["--dense", "--scales", "16"], "--dense at 16x16"),
        (eval_base + ["--crops", "7"], "--crops 7: the paper's multi-crop evaluation takes 50"),
        (["eval", tmp / "flat.pbtxt", "--weights", tmp / "tiny.npz", "--data", "synthetic", "--dense"],
         "the first fully connected layer 'fc' reads 'relu' (Relu [1,64]), not a flattened spatial map"),
        (["prepare", src, tmp / "p0", "--size", "0"], "--size 0"),
    ]
    problems = []
    for args, expected in cases:
        problems += [f"{' '.join(map(str, args[-3:]))}: {p}" for p in expect_error(GRAPHRUN, args, expected)]
    if problems:
        fail("\n".join(problems))


if __name__ == "__main__":
    GRAPHRUN = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        check_dense_graphs(tmp)
        check_dense_equals_centre_at_224(tmp)
        check_dense_eval_on_mirror_images(tmp)
        src = make_image_folder(tmp)
        prepared = tmp / "prepared"
        run(GRAPHRUN, "prepare", src, prepared, "--size", "64", "--quiet")
        if json.loads((prepared / "prepared.json").read_text())["side"] != 64:
            fail("prepare --size 64 did not record side 64")
        eval_base = check_image_evaluations(tmp, prepared)
        check_training_scales(tmp, src, prepared)
        check_errors(tmp, src, prepared, eval_base)
    print("ok")
