#!/usr/bin/env bash
# `chipmix explain` on a large national scenario (issue 13): a scenario made by
# `examples/generate.rs` (SITES sites x 13 accelerators x 5 periods, seed 1), explained once
# with the default solver (microlp) and the scenario's own time limit for the plan: wall
# seconds and peak memory (GNU time), the plan's status, how many shadow prices and price
# thresholds came out with a value (thresholds: with a number / all), and the notes (re-solves cut short, sites not asked).
# Each re-solve gets PROBE_S_PER_CELL x sites x periods seconds (10 s at 500 x 5) and all of
# them together QUESTIONS_BUDGET_S (120 s; see src/explain/probe.rs).
# Usage: bash bench/explain_national.sh [SITES...]   (default 500)
# Output: one row per size and the notes, also written to bench/explain_national.out.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
if [ ${#sizes[@]} -eq 0 ]; then
  sizes=(500)
fi
cargo build --release --quiet
cargo build --release --quiet --example generate
[ -x /usr/bin/time ] || { echo "bench/explain_national.sh needs GNU time (/usr/bin/time)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=bench/explain_national.out
printf '%-6s %9s %9s %-9s %14s %12s %12s %10s\n' sites wall_s peak_MB status policy_cost shadow_set shadow_all thresholds | tee "$out"
for n in "${sizes[@]}"; do
  scenario="$work/national-$n.yaml"
  target/release/examples/generate --sites "$n" --periods 5 --seed 1 >"$scenario"
  /usr/bin/time -f '%e %M' -o "$work/time.txt" target/release/chipmix explain "$scenario" --format json >"$work/e.json" 2>"$work/err.txt" || true
  read -r wall kb <"$work/time.txt"
  python3 - "$work/e.json" "$n" "$wall" "$((kb / 1024))" <<'PY' | tee -a "$out"
import json, sys
e = json.load(open(sys.argv[1]))
n, wall, mb = sys.argv[2], float(sys.argv[3]), sys.argv[4]
sp = e["shadow_prices"]
th = e["price_thresholds"]
pc = e["policy_cost"]
print("%-6s %9.1f %9s %-9s %14s %12d %12d %10s" % (
    n, wall, mb, e["plan"]["status"], "%.0f" % pc if pc is not None else "-",
    sum(1 for x in sp if x["value"] is not None), len(sp),
    "%d/%d" % (sum(1 for t in th if t["threshold"] is not None), len(th))))
for note in e["notes"]:
    print("  note: " + note)
PY
done
