#!/usr/bin/env bash
# AlexNet on the CPU: graphrun and the PyTorch peer in one run, their img/s ratio and peak
# memory (max RSS, by /usr/bin/time for both).
# usage: tools/bench/cpu_alexnet.sh infer|train [BATCH] [STEPS]   (repository root, after a build)
set -euo pipefail
mode=${1:-infer}
batch=${2:-16}
steps=${3:-5}
peer=${PEER:-../shared/bench/torch_alexnet_cpu.py}
case "$mode" in
  infer) ours_flag="" peer_flag="--infer" ;;
  train) ours_flag="--train" peer_flag="" ;;
  *) echo "usage: $0 infer|train [BATCH] [STEPS]" >&2; exit 2 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/time -f %M -o "$tmp/ours.rss" build/graphrun bench graphs/alexnet.pb $ours_flag --batch-size "$batch" \
  --steps "$steps" --json >"$tmp/ours.json"
/usr/bin/time -f %M -o "$tmp/peer.rss" /usr/bin/python3 "$peer" $peer_flag --batch "$batch" --threads "$(nproc)" \
  --steps "$steps" >"$tmp/peer.json"
/usr/bin/python3 - "$tmp" <<'PY'
import json, pathlib, sys
d = pathlib.Path(sys.argv[1])
ours, peer = json.loads((d / "ours.json").read_text()), json.loads((d / "peer.json").read_text())
ours_rss, peer_rss = (int((d / f).read_text().split()[-1]) / 1024 for f in ("ours.rss", "peer.rss"))
print(f"graphrun {ours['mode']}: {ours['img_s']:.2f} img/s ({ours['ms_per_step']} ms/step), max RSS {ours_rss:.0f} MiB")
print(f"{peer['peer']} {peer['mode']}: {peer['img_s']:.2f} img/s ({peer['ms_per_step']} ms/step), max RSS {peer_rss:.0f} MiB")
print(f"ratio graphrun/pytorch: {ours['img_s'] / peer['img_s']:.2f}x img/s, {ours_rss / peer_rss:.2f}x memory")
PY
