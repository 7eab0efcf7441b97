#!/usr/bin/env bash
# A before and an after in one run: `A bench ...` and `B bench ...` alternately, N pairs, then
# each pair's ratio B/A and the median. A and B are graphrun commands with options of their own,
# e.g. "build/graphrun --layouts plain" (options go after `bench GRAPH`), or an older build's
# binary. Alternating pairs, not two long runs, because this machine's speed drifts by up to 30%
# within minutes.
# usage: tools/bench/ab.sh "A" "B" GRAPH BATCH [--train] [PAIRS]   (repository root, after a build)
set -euo pipefail
a=$1 b=$2 graph=$3 batch=$4 mode=${5:-} pairs=${6:-5}
bench() {  # bench "BINARY OPTIONS...": one JSON line
  local words=($1)
  "${words[0]}" bench "$graph" "${words[@]:1}" $mode --batch-size "$batch" --steps 6 --warmup 1 --json | tail -n 1
}
for _ in $(seq "$pairs"); do
  echo "A $(bench "$a")"
  echo "B $(bench "$b")"
done | A="$a" B="$b" /usr/bin/python3 -c '
import json, os, statistics, sys
runs = [(line[0], json.loads(line[2:])) for line in sys.stdin]
a = [r["img_s"] for side, r in runs if side == "A"]
b = [r["img_s"] for side, r in runs if side == "B"]
ratios = [y / x for x, y in zip(a, b)]
graph, mode, batch = runs[0][1]["graph"], runs[0][1]["mode"], runs[0][1]["batch"]
print(f"{graph} {mode} batch {batch}: median img/s A {statistics.median(a):.1f}, B {statistics.median(b):.1f}; "
      "B/A per pair " + " ".join(f"{r:.2f}" for r in ratios) + f"; median {statistics.median(ratios):.2f}x")
print("A:", os.environ["A"], " B:", os.environ["B"])
'
