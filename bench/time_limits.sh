#!/usr/bin/env bash
# Time limits at every size (issue 21): `plan --time-limit S` must print its plan (or say
# there is none) within S plus 10% (at least one second), reading the file aside. Runs the
# release build on three large scenarios, each at two limits, and prints wall seconds, peak
# memory (GNU time), exit code, status and gap, and the `--timings` split.
#   - 10,000 and 2,000 sites x 13 accelerators x 5 periods: `examples/generate.rs`, seed 1;
#   - 1,000 accelerators x 1,000 sites in one period: written below (python3, fixed seed).
# Usage: bash bench/time_limits.sh [LIMITS...]   (default: 2 10)
# Output: one line per run, also written to bench/time_limits.out.
set -euo pipefail
cd "$(dirname "$0")/.."
limits=("$@")
[ ${#limits[@]} -gt 0 ] || limits=(2 10)
[ -x /usr/bin/time ] || { echo "bench/time_limits.sh needs GNU time (/usr/bin/time)" >&2; exit 2; }
cargo build --release --quiet
cargo build --release --quiet --example generate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/examples/generate --sites 10000 --periods 5 --seed 1 >"$work/n10000.yaml"
target/release/examples/generate --sites 2000 --periods 5 --seed 1 >"$work/n2000.yaml"
python3 - "$work/a1000x1000.yaml" <<'PY'
import random, sys
r = random.Random(7)
out = ['name: "1000 accelerators x 1000 sites"', "currency: USD", "objective: min_cost",
       "periods: [2025]", "accelerators:"]
for i in range(1000):
    dom = i % 2 == 0
    out.append(f"  - {{id: card-{i:04d}, vendor: V{i%40}, origin: {'domestic' if dom else 'foreign'}, "
               f"platform: {'cann' if dom else 'cuda'}, unit_price: {r.randint(5000,40000)}, "
               f"tflops: {r.randint(100,1000)}, power_w: {r.randint(200,1000)}, "
               f"memory_gb: {r.choice([32,64,96,128])}, lot_size: 8}}")
out += ["policy:", "  domestic_share: {min: 0.5, basis: units}",
        "costs: {energy_price_per_kwh: 0.08, pue: 1.3, opex_years: 3}",
        "solver: {mip_gap: 0.001, time_limit_s: 300}", "sites:"]
for s in range(1000):
    out.append(f"  - {{id: s-{s:04d}, demand: {{pflops: {r.randint(20,400)}}}, "
               f"power_kw: {r.randint(2000,9000)}, energy_price_per_kwh: {r.randint(40,120)/1000}}}")
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
out=bench/time_limits.out
printf '%-11s %5s %7s %7s %8s %4s %-9s %8s  %s\n' scenario limit wall_s allowed_s peak_MB exit status gap timings | tee "$out"
for f in n10000 a1000x1000 n2000; do
  for tl in "${limits[@]}"; do
    json="$work/plan.json" err="$work/err.txt"
    set +e
    /usr/bin/time -f '%e %M' -o "$work/time.txt" target/release/chipmix plan "$work/$f.yaml" \
      --time-limit "$tl" --format json --timings >"$json" 2>"$err"
    code=$?
    set -e
    read -r wall kb < <(tail -n 1 "$work/time.txt")
    timings=$(grep '^timings:' "$err" | sed 's/^timings: //')
    read_s=$(sed -n 's/^read \([0-9.]*\) s.*/\1/p' <<<"$timings")
    # The limit covers planning; reading and validating the file come on top.
    allowed=$(awk -v t="$tl" -v r="${read_s:-0}" 'BEGIN { s = t * 0.1; if (s < 1) s = 1; printf "%.2f", t + s + r }')
    status=$(sed -n 's/^  "status": "\([a-z]*\)".*/\1/p' "$json" | head -1)
    gap=$(sed -n 's/^  "gap": \([-0-9.e]*\).*/\1/p' "$json" | head -1)
    printf '%-11s %5s %7.2f %7s %8d %4s %-9s %8s  %s\n' "$f" "$tl" "$wall" "$allowed" \
      "$((kb / 1024))" "$code" "${status:--}" "${gap:--}" "$timings" | tee -a "$out"
  done
done
