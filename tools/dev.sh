#!/usr/bin/env bash
# One-command set-up on a fresh Debian 12 machine: installs what is missing, builds, then
#   tools/dev.sh main   runs graphrun's main job (no download needed): one epoch of
#                       graphs/alexnet_mini on Fashion-MNIST, printing its test accuracy
#   tools/dev.sh test   runs the whole test suite (unit, op, CLI, bad-input corpora of graphs
#                       and images under AddressSanitizer + UBSan, and the PyTorch oracle)
set -euo pipefail
cd "$(dirname "$0")/.."

# What the main job needs to build and run (the plugin SDK included), and what only the tests add.
# tools/ci/check_packages.py proves these lists: every system file the build and the tests used
# belongs to a package listed here, to one they depend on, or to every Debian image.
# ocl-icd-opencl-dev: Debian's oneDNN CMake package calls find_package(OpenCL REQUIRED) but only
# recommends it. libopenmpi-dev, openmpi-bin: ranks across processes and machines (mpirun).
MAIN_PACKAGES=(build-essential cmake ninja-build pkg-config libtbb-dev libboost-graph-dev libprotobuf-dev
               protobuf-compiler libfmt-dev libcli11-dev libdnnl-dev ocl-icd-opencl-dev libzip-dev
               zlib1g-dev nlohmann-json3-dev libturbojpeg0-dev libpng-dev libonnx-dev libopenmpi-dev openmpi-bin
               dataset-fashion-mnist)
TEST_PACKAGES=(doctest-dev python3 python3-numpy python3-torch python3-torchvision python3-pil python3-onnx python3-venv graphviz
               librsvg2-bin)

install_missing() {  # install_missing PACKAGE...
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  echo "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

JOBS=${JOBS:-$(nproc)}

build() {  # build DIR TARGET [cmake args...]
  local dir=$1 target=$2
  shift 2
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  ninja -C "$dir" -j "$JOBS" "$target"
}

case "${1:-main}" in
  main)
    install_missing "${MAIN_PACKAGES[@]}"
    build build all -DGRAPHRUN_TESTS=OFF
    build/graphrun inspect graphs/alexnet.pb | tail -n 1
    # The main job: one epoch of the AlexNet-shaped net on Fashion-MNIST, then its accuracy.
    build/graphrun train graphs/alexnet_mini.pb --data fashion-mnist --checkpoint-dir runs/alexnet_mini \
      --metrics runs/alexnet_mini/metrics.jsonl
    # Pictures of the run: its loss and accuracy curves, and the kernels conv1 learned.
    build/graphrun plot runs/alexnet_mini/metrics.jsonl
    build/graphrun filters runs/alexnet_mini/weights.npz -o runs/alexnet_mini/conv1_filters.png
    ;;
  test)
    install_missing "${MAIN_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    build build all -DGRAPHRUN_TESTS=ON
    (cd build && ctest --output-on-failure -j "$JOBS")
    # The bad-input corpus again, under AddressSanitizer and UndefinedBehaviorSanitizer.
    build build-asan graphrun -DGRAPHRUN_SANITIZE=ON -DGRAPHRUN_CUDA=OFF -DGRAPHRUN_TESTS=OFF
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
      /usr/bin/python3 tests/cli/test_bad_graphs.py build-asan/graphrun
    # Mutated and malformed images through the decoders (a fuzz of the decode entry point).
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
      /usr/bin/python3 tests/cli/test_bad_images.py build-asan/graphrun
    ;;
  packages)  # the set-up's package lists, for tools/ci/check_packages.py
    echo "main: ${MAIN_PACKAGES[*]}"
    echo "test: ${TEST_PACKAGES[*]}"
    ;;
  *)
    echo "usage: tools/dev.sh [main|test|packages]" >&2
    exit 2
    ;;
esac
