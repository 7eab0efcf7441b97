#!/usr/bin/env bash
# Importing VGG-16's ONNX file (torchvision vgg16, weights=None, 138 M parameters, ~553 MB),
# graphrun against python3-onnx's onnx.load of the same file, in one run: wall time and peak
# memory (max RSS, by /usr/bin/time for both). graphrun's figure is `graphrun inspect`: read,
# shape inference, conversion, graph build. The peer's is a process that imports onnx and calls
# onnx.load (the in-process time of onnx.load alone is printed beside it). A benchmark, not a test.
# usage: tools/bench/onnx_import.sh   (repository root, after a build; needs /usr/bin/python3 with torch)
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$tmp/vgg16.onnx" <<'PY'
import sys, torch, torchvision
torch.manual_seed(0)
model = torchvision.models.vgg16(weights=None).eval()
torch.onnx.export(model, torch.zeros(1, 3, 224, 224), sys.argv[1], input_names=["x"], output_names=["logits"],
                  opset_version=14, dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})
PY
size_mb=$(( $(stat -c %s "$tmp/vgg16.onnx") / 1000000 ))
/usr/bin/time -f "%e %M" -o "$tmp/ours.time" build/graphrun inspect "$tmp/vgg16.onnx" >"$tmp/ours.out"
/usr/bin/time -f "%e %M" -o "$tmp/peer.time" /usr/bin/python3 -c '
import sys, time, onnx
start = time.perf_counter()
model = onnx.load(sys.argv[1])
print(f"{time.perf_counter() - start:.3f}")' "$tmp/vgg16.onnx" >"$tmp/peer.out"
/usr/bin/python3 - "$tmp" "$size_mb" <<'PY'
import pathlib, sys
d, size_mb = pathlib.Path(sys.argv[1]), sys.argv[2]
ours_s, ours_kb = map(float, (d / "ours.time").read_text().split()[-2:])
peer_s, peer_kb = map(float, (d / "peer.time").read_text().split()[-2:])
load_s = float((d / "peer.out").read_text().split()[-1])
print(f"VGG-16 ONNX file: {size_mb} MB")
print(f"graphrun inspect: {ours_s:.2f} s, max RSS {ours_kb / 1024:.0f} MiB")
print(f"python3 onnx.load: {peer_s:.2f} s for the process ({load_s:.2f} s in onnx.load), max RSS {peer_kb / 1024:.0f} MiB")
print(f"ratio graphrun/onnx.load: {ours_s / peer_s:.2f}x time, {ours_kb / peer_kb:.2f}x memory")
PY
