#!/usr/bin/env bash
# Scaling of the national model (sites x 13 accelerators x 5 periods), on scenarios made by
# `examples/generate.rs` (seed 1): for each size, the continuous relaxation with the
# default solver (`plan --relaxation`), once: wall seconds and peak memory (GNU time), the
# bound, and the time spent reading, building the model, solving it and rendering
# (`--timings`). Integer plans (the decomposition against HiGHS alone) are measured by
# bench/decompose.sh.
# Usage: bash bench/national.sh [TIME_LIMIT_S] [SITES...]   (default 300 s; 50 500 2000)
# Output: one table row per size, also written to bench/national.out.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${1:-300}
shift || true
sizes=("$@")
if [ ${#sizes[@]} -eq 0 ]; then
  sizes=(50 500 2000)
fi
cargo build --release --quiet
cargo build --release --quiet --example generate
[ -x /usr/bin/time ] || { echo "bench/national.sh needs GNU time (/usr/bin/time)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=bench/national.out
printf '%-6s %-6s %9s %9s %-9s %9s %18s  %s\n' sites method wall_s peak_MB status gap total_cost "read/build/solve/round/check/render s" | tee "$out"

run() { # sites method binary args...
  local n=$1 method=$2 bin=$3
  shift 3
  local json="$work/plan.json" err="$work/err.txt"
  /usr/bin/time -f '%e %M' -o "$work/time.txt" "$bin" "$@" --timings >"$json" 2>"$err" || true
  read -r wall kb <"$work/time.txt"
  local timings status gap="-" cost
  timings=$(grep '^timings:' "$err" | sed 's/timings: //; s/ s,/,/g; s/ s$//; s/read //; s/build //; s/solve //; s/round //; s/check //; s/render //' | tr -d ' ' | tr ',' '/')
  status=$(grep -q 'lower bound' "$json" && echo solved || echo failed)
  cost=$(sed -n 's/.*lower bound on total cost \([0-9.e+]*\).*/\1/p' "$json")
  printf '%-6s %-6s %9.2f %9.0f %-9s %9s %18s  %s\n' "$n" "$method" "$wall" "$((kb / 1024))" "$status" "$gap" "${cost:--}" "$timings" | tee -a "$out"
}

for n in "${sizes[@]}"; do
  scenario="$work/national-$n.yaml"
  target/release/examples/generate --sites "$n" --periods 5 --seed 1 >"$scenario"
  run "$n" relax target/release/chipmix plan "$scenario" --relaxation --time-limit "$limit"
done
