#!/usr/bin/env bash
# Wall time of a 101-point quota sweep (policy.domestic_share.min from 0 to 1 step 0.01)
# done by `chipmix sweep`, against the same 101 points done as separate `chipmix plan --set`
# runs (one after another, and two at a time with xargs -P2).
# Usage: bash bench/sweep.sh [RUNS] [SAMPLE...]   (default 5 runs; three samples)
# Prints the median and max seconds over the runs for each way, per sample and solver.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
shift || true
samples=("$@")
if [ ${#samples[@]} -eq 0 ]; then
  samples=(scenarios/shanghai-2025.yaml scenarios/training-inference.yaml scenarios/h800-fleet-porting.yaml)
fi
# Two binaries side by side: the default build, and a HiGHS build in its own target
# directory (so neither rebuild replaces the other).
cargo build --release --quiet
solvers=(microlp)
if cargo build --release --quiet --features highs --target-dir target/highs 2>/dev/null; then
  solvers+=(highs)
fi
binary() { # solver
  if [ "$1" = highs ]; then echo target/highs/release/chipmix; else echo target/release/chipmix; fi
}
param=policy.domestic_share.min
values=$(seq 0 100 | awk '{printf "%g\n", $1/100}')

# Median and max of the runs of a command, in seconds.
measure() {
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  local sorted
  sorted=($(printf '%s\n' "${times[@]}" | sort -n))
  awk "BEGIN{printf \"%8.3f %8.3f\", ${sorted[$(( runs / 2 ))]}/1000, ${sorted[$(( runs - 1 ))]}/1000}"
}

separate() { # sample solver
  for v in $values; do "$bin" plan "$1" --solver "$2" --set "$param=$v" --format json; done
}
separate_p2() { # sample solver
  printf '%s\n' $values | xargs -P2 -I{} "$bin" plan "$1" --solver "$2" --set "$param={}" --format json
}

printf '%-26s %-8s %-34s %8s %8s\n' sample solver way median_s max_s
for f in "${samples[@]}"; do
  for s in "${solvers[@]}"; do
    bin=$(binary "$s")
    name=$(basename "$f")
    printf '%-26s %-8s %-34s %s\n' "$name" "$s" "chipmix sweep (2 workers)" \
      "$(measure "$bin" sweep "$f" --solver "$s" --param $param --from 0 --to 1 --step 0.01 --format csv)"
    printf '%-26s %-8s %-34s %s\n' "$name" "$s" "chipmix sweep --jobs 1" \
      "$(measure "$bin" sweep "$f" --solver "$s" --jobs 1 --param $param --from 0 --to 1 --step 0.01 --format csv)"
    export -f separate separate_p2
    export bin param values
    printf '%-26s %-8s %-34s %s\n' "$name" "$s" "101 x chipmix plan --set" \
      "$(measure bash -c "separate $f $s")"
    printf '%-26s %-8s %-34s %s\n' "$name" "$s" "101 x chipmix plan --set, xargs -P2" \
      "$(measure bash -c "separate_p2 $f $s")"
  done
done
