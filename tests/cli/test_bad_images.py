"""A mutated-image corpus through `graphrun prepare`: bit flips, overwrites, truncations and
splices of valid JPEGs (baseline, progressive, grey) and PNGs. Each file must be prepared or
skipped with a warning; never a crash, a hang or a sanitizer report. tools/dev.sh test runs it
again on the AddressSanitizer build, which makes it a fuzz of the decode entry point.
usage: test_bad_images.py GRAPHRUN"""
import io
import pathlib
import random
import sys
import tempfile

import numpy as np

from cli_util import fail, run

try:
    from PIL import Image
except ImportError:
    print("SKIP: python3-pil is not installed")
    sys.exit(77)

MUTANTS = 400


def seeds():
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:48, 0:64]
    rgb = np.stack([128 + 100 * np.sin(0.1 * xx + k) * np.cos(0.07 * yy) for k in range(3)], 2)
    im = Image.fromarray(np.clip(rgb + rng.normal(0, 5, rgb.shape), 0, 255).astype(np.uint8))
    out = []
    for kw, mode, fmt in (({}, "RGB", "JPEG"), ({"progressive": True}, "RGB", "JPEG"), ({}, "L", "JPEG"),
                          ({}, "CMYK", "JPEG"), ({}, "RGB", "PNG"), ({}, "P", "PNG")):
        b = io.BytesIO()
        im.convert(mode).save(b, fmt, **kw)
        out.append(b.getvalue())
    return out


def mutate(data, rng):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        kind, at = rng.random(), rng.randrange(len(data))
        if kind < 0.5:
            data[at] ^= 1 << rng.randrange(8)
        elif kind < 0.8:
            data[at] = rng.randrange(256)
        elif kind < 0.9:
            del data[max(at, 1):]
        else:
            data[at:at] = data[: min(at, 64)]
    return bytes(data)


def main(graphrun):
    rng = random.Random(17)
    originals = seeds()
    with tempfile.TemporaryDirectory() as d:
        src = pathlib.Path(d) / "src"
        for c in range(2):
            (src / f"c{c}").mkdir(parents=True)
        for i, data in enumerate(originals):
            (src / "c0" / f"good_{i}.jpg").write_bytes(data)
        for i in range(MUTANTS):
            (src / f"c{i % 2}" / f"m_{i:04d}.jpg").write_bytes(mutate(originals[i % len(originals)], rng))
        p = run(graphrun, "prepare", src, pathlib.Path(d) / "dst", "--quiet", "--shard-size", "128", timeout=600)
        summary = p.stdout
        images = int(summary.split(": ")[1].split()[0])
        bad = int(summary.split("shards")[1].split(", ")[-1].split()[0]) if "bad files" in summary else -1
        if images + bad != MUTANTS + len(originals):
            fail(f"every file must be prepared or counted bad: {summary}")
        if images < len(originals) or bad < 1:
            fail(f"some mutants should decode and some should not: {summary}")
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1])
