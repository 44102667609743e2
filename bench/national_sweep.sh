#!/usr/bin/env bash
# Wall time and peak memory of the 101-point national quota sweep of issue 20:
# `policy.national_domestic_share.min` from 0 to 1 by 0.01 on the small national sample
# (scenarios/national-2025-2027.yaml), default build, with 2 workers and with 1, against
# one plan of the sample. Prints the median and max wall seconds and the largest peak RSS
# over the runs.
# Usage: bash bench/national_sweep.sh [RUNS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release --quiet
bin=target/release/chipmix
f=scenarios/national-2025-2027.yaml
param=policy.national_domestic_share.min
measure() { # label command...
  local label=$1
  shift
  local times=() peak=0
  for _ in $(seq "$runs"); do
    local out
    /usr/bin/time -o /tmp/chipmix-bench-time -f '%e %M' "$@" >/dev/null 2>&1 || true
    out=$(tail -1 /tmp/chipmix-bench-time)
    times+=("${out% *}")
    local kb=${out#* }
    if [ "$kb" -gt "$peak" ]; then peak=$kb; fi
  done
  local sorted
  sorted=($(printf '%s\n' "${times[@]}" | sort -g))
  printf '%-34s %8s %8s %8d\n' "$label" "${sorted[$(( runs / 2 ))]}" "${sorted[$(( runs - 1 ))]}" $(( peak / 1024 ))
}
printf '%-34s %8s %8s %8s\n' way median_s max_s peak_mb
measure "one plan (quota 0.55)" "$bin" plan "$f" --format json
measure "sweep, 101 points, 2 workers" "$bin" sweep "$f" --param "$param" --from 0 --to 1 --step 0.01 --format csv
measure "sweep, 101 points, --jobs 1" "$bin" sweep "$f" --jobs 1 --param "$param" --from 0 --to 1 --step 0.01 --format csv
