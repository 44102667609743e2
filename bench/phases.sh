#!/usr/bin/env bash
# How each phase of a national plan grows with the number of sites (issue 20): one
# `chipmix plan --timings` per size on scenarios made by `examples/generate.rs` (13
# accelerators, 5 periods, seed 1), the decomposition (`--strategy decompose`) with HiGHS
# or the default solver. Per run: wall seconds and peak memory (GNU time), the plan's
# status and proven gap, and the seconds of each phase as `--timings` prints them:
#   read      reading and validating the file (not counted in the time limit)
#   build     building the models (all of them, summed)
#   relax     the relaxation and the search over platform sets
#   decomp    the decomposition's rounds (with the relaxations of the sets they open)
#   rounds    how many rounds of site problems ran
#   improve   the site-by-site improvement of the best plan
#   output    checking the plan and rendering it
# Usage: bash bench/phases.sh [SITES:LIMIT_S[:microlp] ...]
#   (default 50:60 500:60 2000:300 10000:300 10000:300:microlp)
# Then, for each size, the continuous relaxation alone with HiGHS (`plan --relaxation`,
# every platform allowed, adoption fractional): the unit the relaxation phase is made of.
# Output: one row per run, also written to bench/phases.out ($BENCH_OUT).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
  runs=(50:60 500:60 2000:300 10000:300 10000:300:microlp)
fi
cargo build --release --quiet
cargo build --release --quiet --example generate
cargo build --release --quiet --features highs --target-dir target/highs || {
  echo "bench/phases.sh needs the highs build (cmake, libclang-dev)" >&2
  exit 2
}
[ -x /usr/bin/time ] || { echo "bench/phases.sh needs GNU time (/usr/bin/time)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${BENCH_OUT:-bench/phases.out}
printf '%-6s %-7s %-7s %8s %8s %-8s %8s %6s %6s %7s %7s %6s %8s %7s\n' \
  sites limit_s solver wall_s peak_MB status gap read build relax decomp rounds improve output | tee "$out"

for spec in "${runs[@]}"; do
  IFS=: read -r n limit solver extra <<<"$spec"
  solver=${solver:-highs}
  if [ -z "$n" ] || [ -z "$limit" ] || [ -n "$extra" ] || { [ "$solver" != highs ] && [ "$solver" != microlp ]; }; then
    echo "bench/phases.sh: bad run spec \`$spec\` (want SITES:LIMIT_S or SITES:LIMIT_S:microlp)" >&2
    exit 2
  fi
  scenario="$work/national-$n.yaml"
  [ -f "$scenario" ] || target/release/examples/generate --sites "$n" --periods 5 --seed 1 >"$scenario"
  if [ "$solver" = highs ]; then bin=target/highs/release/chipmix; else bin=target/release/chipmix; fi
  json="$work/plan.json"
  /usr/bin/time -f '%e %M' -o "$work/time.txt" "$bin" plan "$scenario" --solver "$solver" \
    --strategy decompose --time-limit "$limit" --timings --format json >"$json" 2>"$work/err.txt" || true
  read -r wall kb < <(tail -n 1 "$work/time.txt")
  read -r status gap < <(python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(p["status"], "%.3f%%" % (100*p["gap"]) if p.get("gap") is not None else "-")' "$json" 2>/dev/null || echo "error -")
  # timings: read R s, build B s, solve S s, round X s, check C s, render D s
  # phases: relaxation and platform sets P s, decomposition Q s (N rounds), site-by-site improvement I s
  read -r rd bd ck rn < <(sed -n 's/^timings: read \([0-9.]*\) s, build \([0-9.]*\) s, .* check \([0-9.]*\) s, render \([0-9.]*\) s$/\1 \2 \3 \4/p' "$work/err.txt")
  read -r px dq nr im < <(sed -n 's/^phases: relaxation and platform sets \([0-9.]*\) s, decomposition \([0-9.]*\) s (\([0-9]*\) rounds), site-by-site improvement \([0-9.]*\) s$/\1 \2 \3 \4/p' "$work/err.txt" || true)
  output=$(python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) + float(sys.argv[2])))' "${ck:-0}" "${rn:-0}")
  printf '%-6s %-7s %-7s %8.2f %8.0f %-8s %8s %6.2f %6.2f %7.1f %7.1f %6s %8.1f %7s\n' \
    "$n" "$limit" "$solver" "$wall" "$((kb / 1024))" "$status" "$gap" "${rd:-0}" "${bd:-0}" \
    "${px:-0}" "${dq:-0}" "${nr:-0}" "${im:-0}" "$output" | tee -a "$out"
done

printf '\n%-6s %14s %8s %8s\n' sites relaxation_s build_s peak_MB | tee -a "$out"
for n in $(for spec in "${runs[@]}"; do echo "${spec%%:*}"; done | sort -n | uniq); do
  scenario="$work/national-$n.yaml"
  /usr/bin/time -f '%e %M' -o "$work/time.txt" target/highs/release/chipmix plan "$scenario" \
    --relaxation --solver highs --time-limit 600 --timings >/dev/null 2>"$work/err.txt" || true
  read -r wall kb < <(tail -n 1 "$work/time.txt")
  bd=$(sed -n 's/^timings: read [0-9.]* s, build \([0-9.]*\) s, .*/\1/p' "$work/err.txt")
  printf '%-6s %14.2f %8.2f %8.0f\n' "$n" "$wall" "${bd:-0}" "$((kb / 1024))" | tee -a "$out"
done
