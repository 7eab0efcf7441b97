#!/usr/bin/env bash
# AlexNet inference on the CPU: graphrun and the PyTorch peer in one run, and their ratio.
# usage: tools/bench/cpu_infer.sh [BATCH] [STEPS]   (from the repository root, after a build)
set -euo pipefail
batch=${1:-16}
steps=${2:-10}
peer=${PEER:-../shared/bench/torch_alexnet_cpu.py}
ours=$(build/graphrun bench graphs/alexnet.pb --batch-size "$batch" --steps "$steps" --json)
theirs=$(/usr/bin/python3 "$peer" --infer --batch "$batch" --threads "$(nproc)" --steps "$steps")
echo "graphrun: $ours"
echo "pytorch:  $theirs"
/usr/bin/python3 -c '
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("ratio graphrun/pytorch img/s: %.2f" % (a["img_s"] / b["img_s"]))' "$ours" "$theirs"
