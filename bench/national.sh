#!/usr/bin/env bash
# Scaling of national planning (sites x 13 accelerators x 5 periods), on scenarios made by
# `examples/generate.rs` (seed 1). For each size it measures, once each:
#   relax   the continuous relaxation with the default solver (`plan --relaxation`);
#   plan    the integer plan with the default solver (microlp: rounded relaxation with a
#           search over platform sets, and a proven bound);
#   highs   the integer plan with HiGHS (`--solver highs --mip-gap 0.001`), when built;
# wall seconds and peak memory (GNU time), the plan's status, gap and total cost, and the
# time spent reading, building models, solving them, rounding relaxations into plans,
# checking the final plan and rendering it (`--timings`).
# Usage: bash bench/national.sh [TIME_LIMIT_S] [SITES...]   (default 300 s; 50 500 2000)
# Output: one table row per size and method, also written to bench/national.out.
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
highs=""
if cargo build --release --quiet --features highs --target-dir target/highs 2>/dev/null; then
  highs=target/highs/release/chipmix
fi
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
  local timings status gap cost
  timings=$(grep '^timings:' "$err" | sed 's/timings: //; s/ s,/,/g; s/ s$//; s/read //; s/build //; s/solve //; s/round //; s/check //; s/render //' | tr -d ' ' | tr ',' '/')
  if [ "$method" = relax ]; then
    status=$(grep -q 'lower bound' "$json" && echo solved || echo failed)
    gap="-"
    cost=$(sed -n 's/.*lower bound on total cost \([0-9.e+]*\).*/\1/p' "$json")
  else
    read -r status gap cost < <(python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(p["status"], "%.4f%%" % (100*p["gap"]) if p.get("gap") is not None else "-", "%.0f" % p["total_cost"] if p.get("total_cost") is not None else "-")' "$json" 2>/dev/null || echo "error - -")
  fi
  printf '%-6s %-6s %9.2f %9.0f %-9s %9s %18s  %s\n' "$n" "$method" "$wall" "$((kb / 1024))" "$status" "$gap" "${cost:--}" "$timings" | tee -a "$out"
}

for n in "${sizes[@]}"; do
  scenario="$work/national-$n.yaml"
  target/release/examples/generate --sites "$n" --periods 5 --seed 1 >"$scenario"
  run "$n" relax target/release/chipmix plan "$scenario" --relaxation --time-limit "$limit"
  run "$n" plan target/release/chipmix plan "$scenario" --format json --time-limit "$limit"
  if [ -n "$highs" ]; then
    run "$n" highs "$highs" plan "$scenario" --format json --solver highs --mip-gap 0.001 --time-limit "$limit"
  fi
done
