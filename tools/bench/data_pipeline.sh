#!/usr/bin/env bash
# Input pipeline benchmark: graphrun bench-data against torchvision's DataLoader in one run, on
# the same JPEG files (IMAGES of them, 500x375, quality 90), per thread / worker count.
#   tools/bench/data_pipeline.sh [THREADS...]     (default: 1 2)
# Environment: IMAGES (default 2048), GRAPHRUN (default build/graphrun), DIR (default: a
# temporary folder, removed afterwards; set it to keep the images between runs). With
# PREPARED=1, graphrun is also measured on a `graphrun prepare`d copy (no torchvision peer).
set -euo pipefail
cd "$(dirname "$0")/../.."
GRAPHRUN=${GRAPHRUN:-build/graphrun}
IMAGES=${IMAGES:-2048}
THREADS=("$@")
[ ${#THREADS[@]} -eq 0 ] && THREADS=(1 2)
if [ -z "${DIR:-}" ]; then
  DIR=$(mktemp -d)
  trap 'rm -rf "$DIR"' EXIT
fi
if [ ! -d "$DIR/images" ]; then
  echo "making $IMAGES images in $DIR/images ..."
  /usr/bin/python3 tools/bench/torch_data.py make "$DIR/images" "$IMAGES"
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for n in "${THREADS[@]}"; do
  ours=$("$GRAPHRUN" bench-data "$DIR/images" --threads "$n" 2>/dev/null | grep '^threads')
  theirs=$(/usr/bin/python3 tools/bench/torch_data.py bench "$DIR/images" "$n")
  echo "graphrun    $ours"
  echo "$theirs"
  a=$(echo "$ours" | sed -E 's/.*: ([0-9.]+) img\/s \(.*/\1/')
  b=$(echo "$theirs" | sed -E 's/.*: ([0-9.]+) img\/s \(.*/\1/')
  echo "threads $n: graphrun / torchvision = $(/usr/bin/python3 -c "print(f'{$a / $b:.2f}')")x"
done
if [ "${PREPARED:-0}" = 1 ]; then
  [ -f "$DIR/prepared/prepared.json" ] || "$GRAPHRUN" prepare "$DIR/images" "$DIR/prepared" --quiet
  for n in "${THREADS[@]}"; do
    echo "graphrun on the prepared shards: $("$GRAPHRUN" bench-data "$DIR/prepared" --threads "$n" 2>/dev/null | grep '^threads')"
  done
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
