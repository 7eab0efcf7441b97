"""graphrun train / eval / export-weights end to end on small runs.
usage: test_train.py GRAPHRUN"""
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

from cli_util import expect_error, fail, run

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
MINI = ROOT / "graphs" / "alexnet_mini.pb"


def train(*args, timeout=600):
    return run(GRAPHRUN, "train", MINI, "--quiet", *args, timeout=timeout)


def check_loss_falls_and_metrics(tmp):
    metrics = tmp / "m.jsonl"
    train("--data", "synthetic", "--epochs", "2", "--batch-size", "32", "--lr", "0.01", "--metrics", metrics,
          "--checkpoint-dir", tmp / "ck")
    lines = [json.loads(line) for line in metrics.read_text().splitlines()]
    steps = [m for m in lines if m["type"] == "step"]
    epochs = [m for m in lines if m["type"] == "epoch"]
    if len(steps) != 2 * (2048 // 32) or len(epochs) != 2:
        fail(f"metrics: {len(steps)} step lines, {len(epochs)} epoch lines")
    first = np.mean([m["loss"] for m in steps[:5]])
    last = np.mean([m["loss"] for m in steps[-5:]])
    if not last < 0.7 * first:
        fail(f"synthetic loss did not fall: {first:.3f} -> {last:.3f}")
    for key in ("val_top1", "val_top5", "val_loss", "lr", "train_loss"):
        if key not in epochs[-1]:
            fail(f"epoch metrics lack {key}: {epochs[-1]}")
    if epochs[-1]["val_top1"] < 0.5:
        fail(f"synthetic val top-1 only {epochs[-1]['val_top1']}")
    # The checkpoint evaluates to the same accuracy, and exports to an .npz that `run` takes.
    out = run(GRAPHRUN, "eval", MINI, "--weights", tmp / "ck" / "latest.ckpt", "--data", "synthetic").stdout
    top1 = float(out.split("top-1")[1].split()[0])
    if abs(top1 - epochs[-1]["val_top1"]) > 1e-9:
        fail(f"eval of the checkpoint gives top-1 {top1}, training reported {epochs[-1]['val_top1']}")
    run(GRAPHRUN, "export-weights", tmp / "ck" / "latest.ckpt", tmp / "w.npz")
    w = np.load(tmp / "w.npz")
    if w["conv1/weight"].shape != (64, 1, 5, 5) or any(k.endswith("momentum") for k in w.files):
        fail(f"export-weights wrote {w.files}")
    run(GRAPHRUN, "eval", MINI, "--weights", tmp / "w.npz", "--data", "synthetic")


def check_pictures(tmp):
    """`filters` draws conv1's kernels from the run of check_loss_falls_and_metrics, `plot` its curves."""
    from PIL import Image
    import xml.etree.ElementTree as ET
    png = tmp / "conv1.png"
    run(GRAPHRUN, "filters", tmp / "ck" / "latest.ckpt", "--groups", "2", "--scale", "3", "-o", png)
    w = np.load(tmp / "w.npz")["conv1/weight"]  # [64, 1, 5, 5]
    image = np.asarray(Image.open(png).convert("RGB")).astype(np.float64)
    # 16 tiles of 5x5 weights at 3 pixels, 2 pixels apart; two blocks of two rows, 8 pixels apart.
    if image.shape != (2 + 4 * 17 + 8, 2 + 16 * 17, 3):
        fail(f"filters: a {image.shape} picture")
    for o in range(64):
        top = 2 + (o // 32) * (2 * 17 + 8) + (o % 32) // 16 * 17
        left = 2 + o % 16 * 17
        tile = image[top:top + 15:3, left:left + 15:3, 0]  # one pixel per weight
        k = w[o, 0]
        want = 255 * (k - k.min()) / (k.max() - k.min())
        if np.abs(tile - want).max() > 0.51 or not (image[top:top + 15, left:left + 15, 0] == image[top:top + 15, left:left + 15, 2]).all():
            fail(f"filters: kernel {o} is drawn wrong (max error {np.abs(tile - want).max():.2f})")
    # Two towers' layers (alexnet_towers' conv1a and conv1b) drawn as two blocks, in colour.
    rng = np.random.default_rng(0)
    towers = {"conv1a/weight": rng.normal(size=(4, 3, 3, 3)).astype(np.float32),
              "conv1b/weight": rng.normal(size=(4, 3, 3, 3)).astype(np.float32)}
    np.savez(tmp / "towers.npz", **towers)
    run(GRAPHRUN, "filters", tmp / "towers.npz", "--layer", "conv1a", "--layer", "conv1b", "--scale", "1", "-o",
        tmp / "towers.png")
    image = np.asarray(Image.open(tmp / "towers.png").convert("RGB")).astype(np.float64)
    if image.shape != (2 + 5 + 8 + 5, 2 + 4 * 5, 3):
        fail(f"filters of two layers: a {image.shape} picture")
    for block, name in enumerate(towers):
        for o in range(4):
            k = towers[name][o].transpose(1, 2, 0)  # HWC, as the picture
            want = 255 * (k - k.min()) / (k.max() - k.min())
            top, left = 2 + block * 13, 2 + o * 5
            if np.abs(image[top:top + 3, left:left + 3] - want).max() > 0.51:
                fail(f"filters: {name} kernel {o} is drawn wrong")
    expect_error(GRAPHRUN, ["filters", tmp / "ck" / "latest.ckpt", "--layer", "conv1", "--layer", "conv2"],
                 "need the same kernel shape")
    expect_error(GRAPHRUN, ["filters", tmp / "ck" / "latest.ckpt", "--layer", "fc6"], "no variable 'fc6/weight'")
    expect_error(GRAPHRUN, ["filters", tmp / "ck" / "latest.ckpt", "--groups", "3"], "3 groups do not divide")

    svg = tmp / "curves.svg"
    run(GRAPHRUN, "plot", tmp / "m.jsonl", "-o", svg)
    root = ET.parse(svg).getroot()
    lines = {p.get("data-label"): p.get("points").split() for p in root.iter("{http://www.w3.org/2000/svg}polyline")}
    want = {"loss per step": 128, "smoothed": 128, "validation loss": 2, "validation top-1": 2, "validation top-5": 2,
            "img/s": 128}
    if {k: len(v) for k, v in lines.items()} != want:
        fail(f"plot: series {({k: len(v) for k, v in lines.items()})}, want {want}")
    ys = [float(p.split(",")[1]) for p in lines["smoothed"]]
    if not ys[-1] > ys[0]:  # the loss fell: its last point is lower, a larger SVG y
        fail("plot: the smoothed loss is not drawn falling")
    # librsvg2-bin is a test package (tools/dev.sh): the SVG is always rendered.
    subprocess.run(["rsvg-convert", svg, "-o", tmp / "curves.png"], check=True)
    pixels = np.asarray(Image.open(tmp / "curves.png").convert("RGB")).reshape(-1, 3)
    if not (np.abs(pixels - [0x1f, 0x77, 0xb4]).sum(axis=1) < 30).any():
        fail("plot: the rendered SVG shows no loss curve")
    bad = tmp / "bad.jsonl"
    bad.write_text('{"type":"step","step":1,"loss":2}\n{"type":"step"\n')
    expect_error(GRAPHRUN, ["plot", bad], "bad.jsonl:2: not a JSON object")


def check_resume_is_exact(tmp):
    """N steps, stop, resume for M: the same weights, bit for bit, as N+M uninterrupted."""
    common = ["--data", "synthetic", "--batch-size", "16", "--epochs", "2", "--seed", "5"]
    train(*common, "--steps", "150", "--checkpoint-dir", tmp / "full")
    train(*common, "--steps", "90", "--checkpoint-dir", tmp / "part")  # stops inside epoch 1 (128 steps/epoch)
    train(*common, "--steps", "150", "--checkpoint-dir", tmp / "part", "--resume", tmp / "part" / "latest.ckpt")
    a = np.load(tmp / "full" / "weights.npz")
    b = np.load(tmp / "part" / "weights.npz")
    for k in a.files:
        if not np.array_equal(a[k], b[k]):
            fail(f"resume is not exact: {k} differs by {np.abs(a[k] - b[k]).max()}")


def check_bad_checkpoints(tmp):
    good = tmp / "full" / "latest.ckpt"
    data = good.read_bytes()
    (tmp / "cut.ckpt").write_bytes(data[: len(data) // 2])
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    (tmp / "flip.ckpt").write_bytes(bytes(flipped))
    problems = []
    for name, expected in (("cut.ckpt", "is truncated or corrupt"), ("flip.ckpt", "CRC-32 mismatch")):
        problems += expect_error(GRAPHRUN, ["train", MINI, "--data", "synthetic", "--batch-size", "16", "--resume",
                                            tmp / name], expected)
        problems += expect_error(GRAPHRUN, ["eval", MINI, "--data", "synthetic", "--weights", tmp / name], expected)
    problems += expect_error(GRAPHRUN, ["train", MINI, "--data", "nowhere"], "unknown data 'nowhere'")
    problems += expect_error(GRAPHRUN, ["train", MINI, "--data", "synthetic", "--batch-size", "8", "--resume", good],
                             "resume with --batch-size 16")
    if problems:
        fail("\n".join(problems))


def check_ctrl_c_writes_checkpoint(tmp):
    ck = tmp / "int"
    p = subprocess.Popen([GRAPHRUN, "train", MINI, "--quiet", "--data", "synthetic", "--batch-size", "16", "--epochs",
                          "50", "--checkpoint-dir", ck], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(6)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    if p.returncode != 0 or "interrupted" not in out or not (ck / "latest.ckpt").exists():
        fail(f"Ctrl-C: exit {p.returncode}, stdout {out!r}, stderr {err[-500:]!r}")


def check_numerics(tmp):
    """A diverging run stops naming the first node that produced NaN or Inf; the checkpoint of
    the last good epoch stays as it was. The default scans only the loss and the gradients and
    re-runs the failing step to name the node: the same node as scanning every node every step."""
    ck = tmp / "nan"
    train("--data", "synthetic", "--batch-size", "32", "--epochs", "1", "--checkpoint-dir", ck)
    before = (ck / "latest.ckpt").read_bytes()
    errors = {}
    for mode in ("gradients", "nodes", "off"):
        p = run(GRAPHRUN, "train", MINI, "--quiet", "--data", "synthetic", "--batch-size", "32", "--epochs", "3",
                "--lr", "1e30", "--checkpoint-dir", ck, "--resume", ck / "latest.ckpt", "--check-numerics", mode,
                check=False)
        # The run's banner comes first on stderr; the error is the one last line.
        errors[mode] = p.stderr.strip().splitlines()[-1]
        if p.returncode != 2 or not errors[mode].startswith("error: "):
            fail(f"a diverging run (--check-numerics {mode}): exit {p.returncode}, stderr {p.stderr[-800:]!r}")
        if (ck / "latest.ckpt").read_bytes() != before:
            fail(f"the last good checkpoint was overwritten by a diverging run (--check-numerics {mode})")
    for mode in ("gradients", "nodes"):
        if not errors[mode].startswith("error: step ") or "': produced " not in errors[mode] or \
                "[check-numerics]" not in errors[mode]:
            fail(f"--check-numerics {mode} does not name the node: {errors[mode]!r}")
    if errors["gradients"] != errors["nodes"]:
        fail(f"the re-run names another node than scanning every node: {errors['gradients']!r} against "
             f"{errors['nodes']!r}")
    if "the loss is" not in errors["off"]:
        fail(f"--check-numerics off: {errors['off']!r}")


def check_fashion_mnist(tmp):
    """Real data: 300 steps of alexnet_mini on Fashion-MNIST reach well above chance."""
    if not pathlib.Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").exists():
        fail("Fashion-MNIST is missing: tools/dev.sh installs dataset-fashion-mnist")
    metrics = tmp / "fm.jsonl"
    train("--data", "fashion-mnist", "--steps", "300", "--epochs", "1", "--metrics", metrics, "--checkpoint-dir",
          tmp / "fm")
    steps = [json.loads(line) for line in metrics.read_text().splitlines()]
    if not np.mean([m["loss"] for m in steps[-20:]]) < 0.8:
        fail(f"Fashion-MNIST loss after 300 steps: {np.mean([m['loss'] for m in steps[-20:]]):.3f}")
    out = run(GRAPHRUN, "eval", MINI, "--weights", tmp / "fm" / "weights.npz", "--data", "fashion-mnist").stdout
    top1 = float(out.split("top-1")[1].split()[0])
    print(f"Fashion-MNIST after 300 steps: test top-1 {top1:.4f}")
    if not top1 > 0.72:
        fail(f"Fashion-MNIST test top-1 after 300 steps only {top1}")
    check_classify(tmp / "fm", tmp)


def check_classify(run_dir, tmp):
    """`classify` on PNG/JPEG files of test images: the probabilities `run` gives for the same
    images prepared as the data set prepares them (pixels / 255 - the training mean)."""
    import gzip
    from PIL import Image
    root = pathlib.Path("/usr/share/datasets/fashion-mnist")
    pixels = np.frombuffer(gzip.open(root / "t10k-images-idx3-ubyte.gz").read()[16:], np.uint8).reshape(-1, 28, 28)
    labels = np.frombuffer(gzip.open(root / "t10k-labels-idx1-ubyte.gz").read()[8:], np.uint8)
    names = (run_dir / "labels.txt").read_text().splitlines()
    if len(names) != 10 or names[9] != "Ankle boot":
        fail(f"train wrote labels.txt {names}")
    mean = np.load(run_dir / "mean.npz")["mean"]
    if mean.shape != (1, 28, 28) or not 0.1 < mean.mean() < 0.5:
        fail(f"train wrote a mean image of {mean.shape}, mean {mean.mean():.3f}")
    n = 40
    files = []
    for i in range(n):
        files.append(tmp / f"test_{i}.png")
        Image.fromarray(pixels[i]).save(files[-1])
    # The same image larger and in colour: resized to 28x28 and turned grey on the way in.
    Image.fromarray(pixels[0]).resize((84, 84), Image.NEAREST).convert("RGB").save(tmp / "big_0.png")
    out = run(GRAPHRUN, "classify", MINI, *files, tmp / "big_0.png", "--weights", run_dir / "weights.npz", "--top",
              "10", "--batch-size", "16", "--json").stdout
    results = [json.loads(line) for line in out.splitlines()]
    if [r["image"] for r in results] != [str(f) for f in files] + [str(tmp / "big_0.png")]:
        fail("classify: not one line per image, in order")
    x = (pixels[:n].astype(np.float32) / np.float32(255) - mean[0])[:, None]
    np.save(tmp / "x.npy", x)
    run(GRAPHRUN, "run", MINI, "--weights", run_dir / "weights.npz", "--input", f"data={tmp / 'x.npy'}", "--fetch",
        "fc8", "--output", tmp / "logits.npy")
    logits = np.load(tmp / "logits.npy").astype(np.float64)
    want = np.exp(logits - logits.max(axis=1, keepdims=True))
    want /= want.sum(axis=1, keepdims=True)
    for i, r in enumerate(results[:n]):
        got = np.zeros(10)
        for entry in r["top"]:
            got[entry["class"]] = entry["p"]
            if entry["label"] != names[entry["class"]]:
                fail(f"classify: class {entry['class']} labelled {entry['label']!r}")
        if np.abs(got - want[i]).max() > 1e-5:
            fail(f"classify {files[i].name}: {got.round(4)}, run gives {want[i].round(4)}")
    if results[-1]["top"][0]["class"] != results[0]["top"][0]["class"]:
        fail(f"classify: the 84x84 colour copy of test image 0 is not classified as the 28x28 grey one: {results[-1]}")
    accuracy = np.mean([r["top"][0]["class"] == labels[i] for i, r in enumerate(results[:n])])
    if accuracy < 0.6:
        fail(f"classify: top-1 on {n} test images only {accuracy}")
    # --picture: a card per image, its thumbnail and its top classes (the paper's Figure 4).
    import xml.etree.ElementTree as ET
    run(GRAPHRUN, "classify", MINI, *files[:5], "--weights", run_dir / "weights.npz", "--picture", tmp / "cards.svg")
    root = ET.parse(tmp / "cards.svg").getroot()
    images = list(root.iter("{http://www.w3.org/2000/svg}image"))
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    if len(images) != 5 or [t for t in texts if t.startswith("test_")] != [f.name for f in files[:5]]:
        fail(f"classify --picture: {len(images)} images, titles {texts[:8]}")
    if names[results[0]["top"][0]["class"]] not in texts[1]:
        fail(f"classify --picture: the first card's top class is {texts[1]!r}")
    text = run(GRAPHRUN, "classify", MINI, files[0], "--weights", run_dir / "weights.npz", "--top", "3").stdout
    if len(text.splitlines()) != 4 or names[results[0]["top"][0]["class"]] not in text:
        fail(f"classify prints:\n{text}")
    expect_error(GRAPHRUN, ["classify", MINI, files[0], "--weights", run_dir / "weights.npz", "--ten-crop"],
                 "ten-crop views need a colour model")
    (tmp / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00")
    expect_error(GRAPHRUN, ["classify", MINI, files[0], tmp / "broken.jpg", "--weights", run_dir / "weights.npz"],
                 "broken.jpg")


if __name__ == "__main__":
    GRAPHRUN = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        check_loss_falls_and_metrics(tmp)
        check_pictures(tmp)
        check_resume_is_exact(tmp)
        check_bad_checkpoints(tmp)
        check_ctrl_c_writes_checkpoint(tmp)
        check_numerics(tmp)
        check_fashion_mnist(tmp)
    print("train: all checks passed")
