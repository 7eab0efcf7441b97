#!/usr/bin/env bash
# CNNs on the CPU, in one run: graphrun and every peer a user would pick, each at its best, with
# img/s, GFLOP/s (graphrun's FLOP count per image, the same for every peer), the share of the
# machine's fp32 peak (build/peak_flops, measured in the same run) and graphrun's ratio to the
# best peer. Peers: Debian's python3-torch 1.13 (with libopenblas0-pthread, which its Linear
# layers need to be fair), PyTorch from PyPI (eager, channels_last, torch.compile) and, for
# inference, ONNX Runtime on the model graphrun exports; and graphrun with --precision bf16 where the
# CPU has AVX512_BF16, beside the bf16 dot product's peak. The load average is printed: other work
# on the machine makes every figure indicative only.
# usage: tools/bench/cpu_alexnet.sh infer|train|vgg16 [BATCH] [STEPS]   (repository root, after a build)
#   infer, train: the paper's AlexNet (batch 16, 32 by default); vgg16: VGG-16 training (batch 8)
#   PEERS="debian pypi ort" limits the peers; tools/bench/peers_venv.sh makes the PyPI ones.
set -euo pipefail
mode=${1:-infer}
here=$(dirname "$0")
case "$mode" in
  infer) graph=graphs/alexnet.pb model=alexnet batch=${2:-16} ours_flag="" peer_flag="--infer" ;;
  train) graph=graphs/alexnet.pb model=alexnet batch=${2:-32} ours_flag="--train" peer_flag="" ;;
  vgg16) graph=graphs/vgg16.pb model=vgg16 batch=${2:-8} ours_flag="--train" peer_flag="" ;;
  *) echo "usage: $0 infer|train|vgg16 [BATCH] [STEPS]" >&2; exit 2 ;;
esac
steps=${3:-5}
peers=${PEERS:-debian pypi ort}
threads=$(nproc)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Without an optimized BLAS, Debian's torch runs Linear layers through the reference BLAS
# (4x slower AlexNet inference): any Debian user with numpy has this package.
if [[ " $peers " == *" debian "* ]] && ! dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
  echo "installing libopenblas0-pthread for Debian's python3-torch" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q libopenblas0-pthread >&2
fi
venv_python=""
if [[ " $peers " == *" pypi "* || " $peers " == *" ort "* ]]; then
  venv_python=$("$here/peers_venv.sh" | tail -n 1) || { echo "no PyPI peers: peers_venv.sh failed" >&2; venv_python=""; }
fi

uptime >"$tmp/load_before"
build/peak_flops 1 --json >"$tmp/peak.json"
/usr/bin/time -f %M -o "$tmp/graphrun.rss" build/graphrun bench "$graph" $ours_flag --batch-size "$batch" \
  --steps "$steps" --json >"$tmp/graphrun.jsonl"
# The same with every activation plain (each oneDNN kernel reordering its own): the blocked-layout
# pass's before and after, in one run.
build/graphrun bench "$graph" $ours_flag --layouts plain --batch-size "$batch" --steps "$steps" --json \
  >"$tmp/graphrun_plain.jsonl"
# bf16 mixed precision where the CPU has AVX512_BF16 (peak_flops measured its dot product).
if grep -q bf16_gflops "$tmp/peak.json"; then
  /usr/bin/time -f %M -o "$tmp/graphrun_bf16.rss" build/graphrun bench "$graph" $ours_flag --precision bf16 \
    --batch-size "$batch" --steps "$steps" --json >"$tmp/graphrun_bf16.jsonl"
fi
peer() {  # peer NAME COMMAND...: its JSON lines and max RSS
  /usr/bin/time -f %M -o "$tmp/$1.rss" "${@:2}" >"$tmp/$1.jsonl" 2>"$tmp/$1.err" ||
    echo "$1 failed (its stderr below)" >&2
  grep -v '^{' "$tmp/$1.err" | tail -n 3 >&2 || true
}
torch_args=(--model "$model" $peer_flag --batch "$batch" --threads "$threads" --steps "$steps")
if [[ " $peers " == *" debian "* ]]; then peer debian /usr/bin/python3 "$here/torch_peer.py" "${torch_args[@]}"; fi
if [[ -n "$venv_python" && " $peers " == *" pypi "* ]]; then peer pypi "$venv_python" "$here/torch_peer.py" "${torch_args[@]}"; fi
if [[ -n "$venv_python" && " $peers " == *" ort "* && "$mode" == infer ]]; then
  build/graphrun export "$graph" -o "$tmp/model.onnx" >/dev/null
  peer ort "$venv_python" "$here/ort_peer.py" "$tmp/model.onnx" --batch "$batch" --threads "$threads" --steps "$steps"
fi
uptime >"$tmp/load_after"
/usr/bin/python3 "$here/report_peers.py" "$tmp"
