#!/usr/bin/env bash
# The three ways devices share a model (--parallel model|data|hybrid), in one run: `graphrun
# bench --train --profile` of a graph on one device and on two in each mode, each mode's img/s
# as a ratio to one device, and where the step's time goes (ms per step by op type, the
# transfers and gradient sums included). On this machine the two logical CPU devices share two
# cores, so the ratios show the cost of each layout's extra work, not a speed-up.
# usage: tools/bench/parallel_modes.sh [GRAPH] [BATCH] [STEPS]   (repository root, after a build)
set -euo pipefail
graph=${1:-graphs/alexnet.pb}
batch=${2:-128}
steps=${3:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bench() {  # bench NAME DEVICES PARALLEL
  build/graphrun bench "$graph" --train --batch-size "$batch" --steps "$steps" --warmup 1 --devices "$2" \
    --parallel "$3" --profile --top 5 >"$tmp/$1.txt"
  build/graphrun bench "$graph" --train --batch-size "$batch" --steps "$steps" --warmup 1 --devices "$2" \
    --parallel "$3" --json >"$tmp/$1.json"
}
bench one cpu:0 model
for mode in model data hybrid; do bench "$mode" cpu:0,cpu:1 "$mode"; done
/usr/bin/python3 - "$tmp" "$graph" "$batch" <<'PY'
import json, pathlib, sys
d, graph, batch = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
one = json.loads((d / "one.json").read_text())
print(f"{graph} training at batch {batch}")
print(f"  cpu:0               {one['img_s']:8.2f} img/s  {one['ms_per_step']:9.1f} ms/step")
for mode in ("model", "data", "hybrid"):
    r = json.loads((d / f"{mode}.json").read_text())
    print(f"  cpu:0,cpu:1 {mode:7s} {r['img_s']:8.2f} img/s  {r['ms_per_step']:9.1f} ms/step  "
          f"ratio to one device {r['img_s'] / one['img_s']:.2f}x")
for name in ("one", "model", "data", "hybrid"):
    print(f"\n--- profile: {name} ---")
    print((d / f"{name}.txt").read_text())
PY
