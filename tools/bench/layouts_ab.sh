#!/usr/bin/env bash
# The blocked-layout pass's before and after, in one run: `graphrun bench --layouts plain` (A)
# and `--layouts blocked` (B) alternately, N pairs (tools/bench/ab.sh).
# usage: tools/bench/layouts_ab.sh GRAPH BATCH [--train] [PAIRS]   (repository root, after a build)
set -euo pipefail
exec "$(dirname "$0")/ab.sh" "build/graphrun --layouts plain" "build/graphrun --layouts blocked" "$@"
