#!/usr/bin/env bash
# Run the preview, publish and list benchmarks on two checkouts, one right after the other.
# Usage: bash bench/before_after.sh BEFORE_DIR AFTER_DIR [OUT_DIR]   (each checkout has a .venv)
set -euo pipefail
before=$(cd "$1" && pwd); after=$(cd "$2" && pwd); out=${3:-/tmp/bench_before_after}
mkdir -p "$out"
for bench in preview publish list; do
  case $bench in
    preview) args=(--sizes 1000000 --repeat 9) ;;
    publish) args=(--runs 3) ;;
    list) args=(--runs 11 --naive-runs 3) ;;
  esac
  for side in before after; do
    dir=$before; [ "$side" = after ] && dir=$after
    echo "== $bench $side $(date +%T), load $(cut -d' ' -f1 /proc/loadavg)"
    (cd "$dir" && .venv/bin/python "bench/bench_$bench.py" "${args[@]}" > "$out/${bench}_$side.txt" 2>&1)
    tail -n 12 "$out/${bench}_$side.txt"
  done
done
