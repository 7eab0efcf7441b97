#!/usr/bin/env bash
# The blocked-layout pass's before and after, in one run: `graphrun bench --layouts plain` and
# `--layouts blocked` alternately, N pairs, then each pair's ratio and the median. Alternating
# pairs, not two long runs, because this machine's speed drifts by up to 30% within minutes.
# usage: tools/bench/layouts_ab.sh GRAPH BATCH [--train] [PAIRS]   (repository root, after a build)
set -euo pipefail
graph=$1 batch=$2 mode=${3:-} pairs=${4:-5}
for _ in $(seq "$pairs"); do
  for layouts in plain blocked; do
    build/graphrun bench "$graph" $mode --batch-size "$batch" --steps 6 --warmup 1 --layouts "$layouts" --json |
      tail -n 1
  done
done | /usr/bin/python3 -c '
import json, statistics, sys
runs = [json.loads(line) for line in sys.stdin]
plain = [r["img_s"] for r in runs if r["layouts"] == "plain"]
blocked = [r["img_s"] for r in runs if r["layouts"] == "blocked"]
ratios = [b / p for p, b in zip(plain, blocked)]
graph, mode, batch = runs[0]["graph"], runs[0]["mode"], runs[0]["batch"]
print(f"{graph} {mode} batch {batch}: median img/s plain {statistics.median(plain):.1f}, "
      f"blocked {statistics.median(blocked):.1f}; blocked/plain per pair " + " ".join(f"{r:.2f}" for r in ratios) +
      f"; median {statistics.median(ratios):.2f}x")
'
