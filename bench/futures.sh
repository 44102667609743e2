#!/usr/bin/env bash
# Planning under futures (issue 17) on scenarios made by `examples/generate.rs` (13
# accelerators, 5 periods, seed 1) with three futures appended and `decide_now: 1`:
#   base (0.5); h20-banned (0.3): the H20 not on sale from 2026; ascend-shortfall (0.2):
#   Ascend 910C supply halved in every year.
# Each size is planned with the default build (microlp) and the HiGHS build, with the same
# time limit and the scenario's gap (0.1%): wall seconds and peak memory (GNU time), the
# plan's status, proven gap, expected cost, and which candidate gave the common decisions.
# Usage: bash bench/futures.sh [SITES:LIMIT_S ...]   (default 5:60 50:120 500:300)
# Output: one row per size and build, also written to bench/futures.out ($BENCH_OUT).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
  runs=(5:60 50:120 500:300)
fi
cargo build --release --quiet
cargo build --release --quiet --example generate
cargo build --release --quiet --features highs --target-dir target/highs || {
  echo "bench/futures.sh needs the highs build (cmake, libclang-dev)" >&2
  exit 2
}
[ -x /usr/bin/time ] || { echo "bench/futures.sh needs GNU time (/usr/bin/time)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${BENCH_OUT:-bench/futures.out}
plain=${CHIPMIX_BIN:-target/release/chipmix}
highs=${CHIPMIX_HIGHS_BIN:-target/highs/release/chipmix}
printf '%-6s %-7s %-8s %9s %9s %-9s %9s %18s %s\n' sites limit_s build wall_s peak_MB status gap expected_cost common_decisions | tee "$out"

run() { # sites limit build binary args...
  local n=$1 limit=$2 build=$3 bin=$4
  shift 4
  local json="$work/plan.json"
  /usr/bin/time -f '%e %M' -o "$work/time.txt" "$bin" "$@" --time-limit "$limit" --format json >"$json" 2>"$work/err.txt" || true
  read -r wall kb < <(tail -n 1 "$work/time.txt")
  local status gap cost origin
  read -r status gap cost origin < <(python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
gap = "%.4f%%" % (100 * p["gap"]) if p.get("gap") is not None else "-"
cost = "%.0f" % p["expected_cost"] if p.get("expected_cost") is not None else "-"
origin = "joint"
for w in p.get("warnings", []):
    if w.startswith("the common decisions are those of "):
        origin = w[len("the common decisions are those of "):].replace(" ", "_")
print(p["status"], gap, cost, origin if p.get("expected_cost") is not None else "-")' "$json" 2>/dev/null || echo "error - - -")
  printf '%-6s %-7s %-8s %9.2f %9.0f %-9s %9s %18s %s\n' "$n" "$limit" "$build" "$wall" "$((kb / 1024))" "$status" "$gap" "$cost" "$origin" | tee -a "$out"
}

for spec in "${runs[@]}"; do
  IFS=: read -r n limit extra <<<"$spec"
  if [ -z "$n" ] || [ -z "$limit" ] || [ -n "$extra" ]; then
    echo "bench/futures.sh: bad run spec \`$spec\` (want SITES:LIMIT_S)" >&2
    exit 2
  fi
  scenario="$work/futures-$n.yaml"
  target/release/examples/generate --sites "$n" --periods 5 --seed 1 >"$scenario"
  cat >>"$scenario" <<'YAML'
futures:
  - id: base
    probability: 0.5
  - id: h20-banned
    probability: 0.3
    set:
      "accelerators[h20].available": {2025: true, 2026: false, 2027: false, 2028: false, 2029: false}
  - id: ascend-shortfall
    probability: 0.2
    set:
      "accelerators[ascend-910c].max_units*": 0.5
decide_now: 1
YAML
  run "$n" "$limit" microlp "$plain" plan "$scenario"
  run "$n" "$limit" highs "$highs" plan "$scenario" --solver highs
done
