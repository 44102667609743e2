#!/usr/bin/env bash
# The decomposition against HiGHS alone (issue 7), on scenarios made by
# `examples/generate.rs` (13 accelerators, 5 periods, seed 1), in one run. For each size:
#   direct     HiGHS alone: the whole programme as one model (`--strategy direct`);
#   decompose  platform-set search + Lagrangian decomposition by site, HiGHS for the
#              relaxations and its duals as the first prices (`--strategy decompose`);
#   microlp    the same decomposition with the default solver (no duals: prices start
#              from zero);
# each with the same time limit and the scenario's gap (0.1%); wall seconds and peak
# memory (GNU time), the plan's status, proven gap and total cost.
# Usage: bash bench/decompose.sh [SITES:LIMIT_S[:rules] ...]   (default 50:60 500:60 2000:300)
# A spec ending in `:rules` (e.g. 500:60:rules) generates with `--rules` (state-funded sites
# with removals and moves, the energy discount, an HBM pool); its rows show `500+r` as sites.
# Output: one row per size and method, also written to bench/decompose.out ($BENCH_OUT).
# CHIPMIX_BIN and CHIPMIX_HIGHS_BIN measure other builds of chipmix (default and highs) on
# the same scenarios, e.g. those of an earlier commit for a before-and-after table.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
  runs=(50:60 500:60 2000:300)
fi
cargo build --release --quiet
cargo build --release --quiet --example generate
cargo build --release --quiet --features highs --target-dir target/highs || {
  echo "bench/decompose.sh needs the highs build (cmake, libclang-dev)" >&2
  exit 2
}
[ -x /usr/bin/time ] || { echo "bench/decompose.sh needs GNU time (/usr/bin/time)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${BENCH_OUT:-bench/decompose.out}
# Another build's binaries may be measured on the same scenarios (e.g. before a change).
plain=${CHIPMIX_BIN:-target/release/chipmix}
highs=${CHIPMIX_HIGHS_BIN:-target/highs/release/chipmix}
printf '%-6s %-7s %-10s %9s %9s %-9s %9s %18s %s\n' sites limit_s method wall_s peak_MB status gap total_cost "vs_direct" | tee "$out"

direct_cost=""
run() { # sites limit method binary args...
  local n=$1 limit=$2 method=$3 bin=$4
  shift 4
  local json="$work/plan.json"
  /usr/bin/time -f '%e %M' -o "$work/time.txt" "$bin" "$@" --time-limit "$limit" --format json >"$json" 2>"$work/err.txt" || true
  # GNU time writes "Command exited with non-zero status N" first when the plan has none.
  read -r wall kb < <(tail -n 1 "$work/time.txt")
  local status gap cost
  read -r status gap cost < <(python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(p["status"], "%.4f%%" % (100*p["gap"]) if p.get("gap") is not None else "-", "%.0f" % p["total_cost"] if p.get("total_cost") is not None else "-")' "$json" 2>/dev/null || echo "error - -")
  local versus="-"
  if [ "$method" = direct ]; then
    direct_cost=$cost
  elif [ -n "$direct_cost" ] && [ "$direct_cost" != "-" ] && [ "$cost" != "-" ]; then
    versus=$(python3 -c 'import sys; d,c=float(sys.argv[1]),float(sys.argv[2]); print("%+.4f%%" % (100*(c-d)/d))' "$direct_cost" "$cost")
  fi
  printf '%-6s %-7s %-10s %9.2f %9.0f %-9s %9s %18s %s\n' "$n" "$limit" "$method" "$wall" "$((kb / 1024))" "$status" "$gap" "$cost" "$versus" | tee -a "$out"
}

for spec in "${runs[@]}"; do
  IFS=: read -r n limit rules extra <<<"$spec"
  if [ -z "$n" ] || [ -z "$limit" ] || [ -n "$extra" ] || { [ -n "$rules" ] && [ "$rules" != rules ]; }; then
    echo "bench/decompose.sh: bad run spec \`$spec\` (want SITES:LIMIT_S or SITES:LIMIT_S:rules)" >&2
    exit 2
  fi
  label=$n${rules:++r}
  scenario="$work/national-$label.yaml"
  target/release/examples/generate --sites "$n" --periods 5 --seed 1 ${rules:+--rules} >"$scenario"
  direct_cost=""
  run "$label" "$limit" direct "$highs" plan "$scenario" --solver highs --strategy direct
  run "$label" "$limit" decompose "$highs" plan "$scenario" --solver highs --strategy decompose
  run "$label" "$limit" microlp "$plain" plan "$scenario" --strategy decompose
done
