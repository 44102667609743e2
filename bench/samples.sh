#!/usr/bin/env bash
# Wall time of `chipmix plan` on every sample, with microlp and (if it builds) HiGHS.
# Usage: bash bench/samples.sh [RUNS]   (default 20 runs per sample and solver)
# Prints one line per sample and solver: median and max milliseconds over the runs,
# the status and the total cost, so both solvers' answers can be compared at a glance.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
cargo build --release --quiet
solvers=(microlp)
if cargo build --release --quiet --features highs 2>/dev/null; then
  solvers+=(highs)
fi
bin=target/release/chipmix
printf '%-28s %-8s %9s %9s  %-10s %s\n' sample solver median_ms max_ms status total_cost
for f in scenarios/*.yaml; do
  for s in "${solvers[@]}"; do
    times=()
    for _ in $(seq "$runs"); do
      start=$(date +%s%N)
      "$bin" plan "$f" --solver "$s" --format json > /tmp/chipmix-bench.json 2>/dev/null || true
      end=$(date +%s%N)
      times+=($(( (end - start) / 1000 )))
    done
    sorted=($(printf '%s\n' "${times[@]}" | sort -n))
    median=${sorted[$(( runs / 2 ))]}
    max=${sorted[$(( runs - 1 ))]}
    read -r status cost < <(python3 -c 'import json,sys; p=json.load(open("/tmp/chipmix-bench.json")); print(p["status"], p["total_cost"])')
    printf '%-28s %-8s %9.1f %9.1f  %-10s %s\n' "$(basename "$f")" "$s" \
      "$(awk "BEGIN{print $median/1000}")" "$(awk "BEGIN{print $max/1000}")" "$status" "$cost"
  done
done
