#!/usr/bin/env bash
# The gradient exchange across ranks, in one run on this machine: `mpirun -np N graphrun bench
# --train --profile` of a graph at a global batch, which prints the bytes each step all-reduces,
# the seconds its buckets spent in MPI and their bandwidth beside one plain blocking
# MPI_Allreduce of the same bytes (the yardstick), and the share of the all-reduces' time during
# which the step was computing (communication hidden behind the backward pass). Each rank also
# writes a Chrome trace (rank 0's at the path given, the others' with .rankN appended).
# usage: tools/bench/ranks_exchange.sh [GRAPH] [GLOBAL_BATCH] [RANKS] [STEPS]  (repository root, after a build)
set -euo pipefail
graph=${1:-graphs/alexnet.pb}
batch=${2:-128}
ranks=${3:-2}
steps=${4:-3}
trace=${TRACE:-/tmp/graphrun_ranks_trace.json}
# As root Open MPI wants both variables; one oneDNN thread per rank when ranks share the cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cores=$(nproc)
if ((ranks >= cores)); then export OMP_NUM_THREADS=1; else export OMP_NUM_THREADS=$((cores / ranks)); fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $cores cores, $ranks ranks, OMP_NUM_THREADS=$OMP_NUM_THREADS"
mpirun --oversubscribe --bind-to none -np "$ranks" build/graphrun bench "$graph" --train --batch-size "$batch" \
  --steps "$steps" --warmup 1 --profile --top 8 --trace "$trace"
