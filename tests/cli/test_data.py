"""graphrun prepare / train / eval / bench-data on image folders made here from Fashion-MNIST
(500x375 JPEGs, quality 90) plus a bad-image corpus; PIL is the oracle for the preprocessing.
usage: test_data.py GRAPHRUN"""
import gzip
import os
import pathlib
import sys
import tempfile

import numpy as np

from cli_util import expect_error, fail, run

try:
    from PIL import Image
except ImportError:
    print("SKIP: python3-pil is not installed")
    sys.exit(77)

FASHION = pathlib.Path("/usr/share/datasets/fashion-mnist")
CLASSES = ["a_tshirt", "b_trouser", "c_pullover"]
TINT = [(1.0, 0.6, 0.3), (0.3, 1.0, 0.6), (0.6, 0.3, 1.0)]

TINY = """
name: "tiny_rgb"
node { name: "data" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 3, 227, 227] } } }
node { name: "conv1" op: "Conv2D" input: "data"
  attr { name: "weight_init" init { kaiming { } } }
  attr { name: "filters" i: 8 } attr { name: "kernel" i: 11 } attr { name: "stride" i: 4 } }
node { name: "relu1" op: "Relu" input: "conv1" }
node { name: "pool1" op: "MaxPool" input: "relu1" attr { name: "kernel" i: 3 } attr { name: "stride" i: 2 } }
node { name: "flatten" op: "Flatten" input: "pool1" }
node { name: "fc" op: "Dense" input: "flatten" attr { name: "units" i: 4 } }
node { name: "prob" op: "Softmax" input: "fc" }
training { batch_size: 4 epochs: 1 seed: 1 options { key: "lr" value: "0.01" } }
"""


def fashion(n_per_class):
    with gzip.open(FASHION / "train-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(FASHION / "train-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return {c: images[labels == c][:n_per_class] for c in range(len(CLASSES))}


def photo(grey, c):
    """A 28x28 Fashion-MNIST image as a 500x375 RGB picture tinted by class."""
    big = np.asarray(Image.fromarray(grey).resize((500, 375), Image.BICUBIC), np.float32)
    rgb = np.stack([big * t + 30 for t in TINT[c]], axis=2)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


def jpeg_bytes(image, **kw):
    import io
    b = io.BytesIO()
    image.save(b, "JPEG", quality=90, **kw)
    return b.getvalue()


def with_extra_scans(data, scans):
    last = data.rfind(b"\xff\xda")
    return data[:-2] + data[last:-2] * scans + b"\xff\xd9"


def make_folders(tmp):
    src = tmp / "src"
    per_split = {"train": 6, "val": 2}
    imgs = fashion(8)
    for split, n in per_split.items():
        for c, name in enumerate(CLASSES):
            d = src / split / name
            d.mkdir(parents=True)
            offset = 0 if split == "train" else 6
            for i in range(n):
                (d / f"img_{i}.jpg").write_bytes(jpeg_bytes(photo(imgs[c][offset + i], c)))
        (src / split / "d_empty").mkdir()
    good = photo(imgs[0][0], 0)
    ok = jpeg_bytes(good)
    bad = src / "train" / "a_tshirt"
    # The bad corpus: each file is skipped and counted.
    (bad / "corrupt.jpg").write_bytes(ok[:20] + bytes(range(256)) * 8)
    (bad / "truncated.jpg").write_bytes(ok[: len(ok) // 2])
    sof = ok.find(b"\xff\xc0")
    (bad / "bomb.jpg").write_bytes(ok[: sof + 5] + b"\xea\x60\xea\x60" + ok[sof + 9:])
    (bad / "scans.jpg").write_bytes(with_extra_scans(jpeg_bytes(good, progressive=True), 3000))
    (bad / "not_an_image.jpg").write_bytes(b"hello, I am text\n" * 10)
    os.symlink(tmp / "nowhere.jpg", bad / "unreadable.jpg")
    # Unusual but good files go to val (they decode; no statistics come from val).
    val = src / "val" / "b_trouser"
    good.convert("CMYK").save(val / "cmyk.jpg", "JPEG", quality=90)
    good.convert("L").save(val / "grey.jpg", "JPEG", quality=90)
    good.save(val / "png_named.jpg", "PNG")
    return src, 6


def pil_prepare(path):
    """torchvision's Resize(256) + CenterCrop(256) on PIL, the oracle."""
    im = Image.open(path).convert("RGB")
    w, h = im.size
    ow, oh = (256, 256 * h // w) if w < h else (256 * w // h, 256)
    im = im.resize((ow, oh), Image.BILINEAR)
    left, top = int(round((ow - 256) / 2.0)), int(round((oh - 256) / 2.0))
    return np.asarray(im.crop((left, top, left + 256, top + 256)), np.float64)


def check_prepare(tmp, src, bad_count):
    dst = tmp / "prepared"
    out = run(GRAPHRUN, "prepare", src, dst, "--shard-size", "8", "--quiet").stdout
    if f"{bad_count} bad files skipped" not in out:
        fail(f"prepare should skip {bad_count} bad files: {out}")
    if "27 images" not in out:  # 18 train + 9 val
        fail(f"prepare should keep 18 + 9 images: {out}")
    labels = (dst / "labels.txt").read_text().split()
    if labels != CLASSES + ["d_empty"]:
        fail(f"labels.txt: {labels}")
    bad_list = (dst / "bad_files.txt").read_text()
    for name in ("corrupt.jpg", "truncated.jpg", "bomb.jpg", "scans.jpg", "not_an_image.jpg", "unreadable.jpg"):
        if name not in bad_list:
            fail(f"bad_files.txt does not list {name}:\n{bad_list}")
    stats = np.load(dst / "stats.npz")
    files = sorted(p for p in (src / "train").glob("*/img_*.jpg"))
    oracle = np.mean([pil_prepare(p) for p in files], axis=0).transpose(2, 0, 1) / 255.0
    diff = np.abs(stats["mean"] - oracle)
    if stats["mean"].shape != (3, 256, 256) or diff.mean() > 1.0 / 255 or diff.max() > 4.0 / 255:
        fail(f"mean image differs from PIL's resize + centre crop: mean {diff.mean() * 255:.2f}, max {diff.max() * 255:.2f} levels")
    pixels = np.stack([pil_prepare(p).reshape(-1, 3) / 255.0 for p in files]).reshape(-1, 3)
    want = np.linalg.eigvalsh(np.cov(pixels.T, bias=True))[::-1]
    if not np.allclose(stats["eigval"], want, rtol=0.05, atol=1e-4):
        fail(f"PCA eigenvalues {stats['eigval']} vs numpy {want}")
    # Resume: everything is kept.
    out = run(GRAPHRUN, "prepare", src, dst, "--shard-size", "8", "--quiet").stdout
    if "0 written" not in out:
        fail(f"a second prepare should keep every shard: {out}")
    problems = expect_error(GRAPHRUN, ["prepare", src, dst, "--shard-size", "5"], "other settings")
    if problems:
        fail(f"prepare into a folder of other settings: {problems}")
    return dst


def check_train_and_eval(tmp, src, dst):
    graph = tmp / "tiny.pbtxt"
    graph.write_text(TINY)
    for data in (dst, src):
        ck = tmp / f"ck_{data.name}"
        p = run(GRAPHRUN, "train", graph, "--data", data, "--steps", "3", "--checkpoint-dir", ck, "--data-threads", "2")
        if "data wait" not in p.stderr:
            fail(f"the progress line should report the data wait:\n{p.stderr}")
        if (ck / "labels.txt").read_text().split() != CLASSES + ["d_empty"]:
            fail("train should write labels.txt beside the checkpoints")
    weights = tmp / f"ck_{dst.name}" / "weights.npz"
    one = run(GRAPHRUN, "eval", graph, "--weights", weights, "--data", dst, "--batch-size", "4").stdout
    ten = run(GRAPHRUN, "eval", graph, "--weights", weights, "--data", dst, "--batch-size", "4", "--ten-crop").stdout
    for out in (one, ten):
        if "9 samples" not in out:  # the prepared val split
            fail(f"eval should score the 9 val images: {out}")
    problems = expect_error(GRAPHRUN, ["train", pathlib.Path("graphs/alexnet_mini.pb"), "--data", dst, "--steps", "1"],
                            "needs a graph input of [batch, 3, H, W]")
    if problems:
        fail(f"a grey 28x28 graph on image data: {problems}")
    out = run(GRAPHRUN, "bench-data", dst, "--threads", "1", "2", "--batch-size", "4").stdout
    if out.count("img/s per thread") != 2:
        fail(f"bench-data should report each thread count: {out}")


def check_unusable(tmp):
    only_bad = tmp / "only_bad" / "cls"
    only_bad.mkdir(parents=True)
    (only_bad / "x.jpg").write_bytes(b"\xff\xd8\xff" + b"\x00" * 50)
    for args, expected in ([["prepare", only_bad.parent, tmp / "p2"], "could be decoded"],
                           [["prepare", tmp / "missing", tmp / "p3"], "does not exist"],
                           [["prepare", tmp / "only_bad" / "cls", tmp / "p4"], "no class subfolders"]):
        # Warnings about the skipped files may come first; the last line is the error.
        p = run(GRAPHRUN, *args, check=False)
        last = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""
        if p.returncode != 2 or not last.startswith("error: ") or expected not in last:
            fail(f"graphrun {' '.join(map(str, args))}: exit {p.returncode}, want 2 and an error with {expected!r}:\n{p.stderr}")


def main():
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        src, _ = make_folders(tmp)
        dst = check_prepare(tmp, src, 6)
        check_train_and_eval(tmp, src, dst)
        check_unusable(tmp)
    print("ok")


if __name__ == "__main__":
    GRAPHRUN = sys.argv[1]
    if not FASHION.exists():
        print("SKIP: dataset-fashion-mnist is not installed")
        sys.exit(77)
    main()
