#!/usr/bin/env bash
# The GPU checks of issue 6, in phases that each fit one call of the GPU machine (10 minutes).
#   here:  tools/gpu/verify.sh bundle        builds (CUDA on) and bundles into .gpu/ with the
#                                            PyTorch peer script (../shared/bench/)
#   there: tools/gpu/verify.sh tests         every "cuda: " test case           -> $OUT/gpu_tests.log
#          tools/gpu/verify.sh bench         bench --train vs PyTorch, batch 128 -> $OUT/bench.jsonl
#          tools/gpu/verify.sh train         alexnet on gpu:0,gpu:1 (synthetic), then the JPEG
#                                            pipeline end to end on every core -> $OUT/train_*.log
# `there` runs in the repository root with .gpu/ beside it (the run tool's carry: [".gpu"]).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-.}
phase=${1:-}

# PyTorch (and PIL, for the JPEGs) there: the image's venv, else whatever python3 has them.
PY=${PY:-$(ls /opt/torch/.venv/bin/python 2>/dev/null || echo python3)}

there() {
  # shellcheck disable=SC1091
  source .gpu/env.sh
  nvidia-smi -L
  echo "cores: $(nproc)"
}

case "$phase" in
  bundle)
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGRAPHRUN_CUDA=ON >/dev/null
    ninja -C build graphrun graphrun_tests
    mkdir -p .git/info && (grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo /.gpu/ >> .git/info/exclude)
    ../shared/gpu/bundle.sh .gpu build/graphrun build/tests/graphrun_tests
    cp ../shared/bench/torch_alexnet_gpu.py .gpu/
    du -sh .gpu
    ;;
  tests)
    there
    .gpu/bin/graphrun_tests --gpu-tests --test-case='cuda:*' --no-intro 2>&1 | tee "$OUT/gpu_tests.log" | tail -n 40
    ;;
  bench)
    there
    for devices in gpu:0 gpu:0,gpu:1; do
      for precision in fp32 tf32; do
        .gpu/bin/graphrun bench graphs/alexnet.pbtxt --train --batch-size 128 --steps 30 --warmup 10 \
          --devices "$devices" --precision "$precision" --json | tee -a "$OUT/bench.jsonl"
      done
    done
    # The peer in the same call: the paper's AlexNet at batch 128, fp32 and TF32 eager, TF32 compiled.
    (cd .gpu && "$PY" -c "
import json, os, torch_alexnet_gpu as t
out = []
for mode, compiled in (('fp32', False), ('tf32', False), ('tf32', True)):
    try:
        out.append(t.bench('paper_alexnet', t.paper_alexnet, 227, 128, mode, compile_=compiled))
    except Exception as e:
        print('peer failed', mode, compiled, repr(e)[:300], flush=True)
") | tee -a "$OUT/bench.jsonl"
    # Where the time goes, node by node (each GPU node then runs alone: not a throughput figure),
    # and the timeline of the two logical GPUs' streams.
    .gpu/bin/graphrun bench graphs/alexnet.pbtxt --train --batch-size 128 --steps 5 --warmup 3 --devices gpu:0 \
      --profile --top 25 | tee "$OUT/profile_gpu0.txt"
    .gpu/bin/graphrun bench graphs/alexnet.pbtxt --train --batch-size 128 --steps 3 --warmup 3 --devices gpu:0,gpu:1 \
      --trace "$OUT/trace_gpu01.json" >/dev/null
    ;;
  train)
    there
    .gpu/bin/graphrun train graphs/alexnet.pbtxt --data synthetic --devices gpu:0,gpu:1 --batch-size 128 --steps 200 \
      --metrics "$OUT/train_synthetic.jsonl" 2>&1 | tr '\r' '\n' | tail -n 25 | tee "$OUT/train_synthetic.log"
    dir=$(mktemp -d)
    "$PY" tools/bench/torch_data.py make "$dir/images" "${IMAGES:-8192}" >/dev/null
    .gpu/bin/graphrun train graphs/alexnet.pbtxt --data "$dir/images" --devices gpu:0 --batch-size 128 --steps 120 \
      --data-threads "$(nproc)" --metrics "$OUT/train_jpeg.jsonl" 2>&1 | tr '\r' '\n' | tail -n 25 | tee "$OUT/train_jpeg.log"
    ;;
  *)
    echo "usage: tools/gpu/verify.sh bundle|tests|bench|train" >&2
    exit 2
    ;;
esac
