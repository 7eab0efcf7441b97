#!/usr/bin/env bash
# The peers a user would pick today, once per machine, in a virtual environment beside Debian's
# python3-torch: PyTorch from PyPI (its CPU wheel: oneDNN with AVX-512, torch.compile) and ONNX
# Runtime. Benchmarks only, never CI. Prints the environment's python on its last line.
# usage: tools/bench/peers_venv.sh   (GRAPHRUN_BENCH_VENV overrides where it lives)
set -euo pipefail
venv=${GRAPHRUN_BENCH_VENV:-$HOME/.cache/graphrun-bench-venv}
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import torch, onnxruntime' 2>/dev/null; then
  echo "creating $venv (PyTorch and ONNX Runtime from PyPI; a few minutes, once per machine)" >&2
  # Debian's interpreter, so the environment does not depend on a pyenv shim.
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  # The CPU wheel spares the several GiB of CUDA libraries the default wheel brings; plain PyPI
  # when PyTorch's own index cannot be reached.
  if ! "$venv/bin/pip" install --quiet torch --index-url https://download.pytorch.org/whl/cpu; then
    echo "PyTorch's CPU index unreachable: installing torch from PyPI" >&2
    "$venv/bin/pip" install --quiet torch
  fi
  "$venv/bin/pip" install --quiet onnxruntime numpy
fi
echo "$venv/bin/python"
