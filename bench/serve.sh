#!/usr/bin/env bash
# The what-if page's speed, on a release build:
#  1. API round trip: `chipmix serve` on each sample, 20 x POST /api/plan of a one-change view
#     (the quota, or the first accelerator's price for the national sample), timed by curl:
#     median and max milliseconds from sending the request to the last byte of the plan.
#  2. Change to view: the browser test (headless Chromium through WebDriver) toggles a
#     control 10 times and reads the page's own measure, from the change event to the
#     rendered view (`#latency[data-ms]`): median and max.
# Usage: bash bench/serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/chipmix
runs=20
printf '%-28s %9s %9s\n' sample median_ms max_ms
for f in scenarios/*.yaml; do
  out=$(mktemp)
  "$bin" serve "$f" --port 0 > "$out" 2>/dev/null &
  pid=$!
  for _ in $(seq 50); do grep -q http "$out" && break; sleep 0.1; done
  url=$(grep -o 'http://[^ ]*' "$out")
  case "$f" in
    *national*) body='{"set": {"accelerators[*].unit_price*": "1.05"}}' ;;
    *) body='{"set": {"policy.domestic_share.min": "0.6"}}' ;;
  esac
  times=()
  for _ in $(seq "$runs"); do
    t=$(curl -s -o /dev/null -w '%{time_total}' -d "$body" "${url}api/plan")
    times+=("$t")
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; rm -f "$out"
  sorted=($(printf '%s\n' "${times[@]}" | sort -g))
  printf '%-28s %9.1f %9.1f\n' "$(basename "$f")" \
    "$(awk "BEGIN{print ${sorted[$(( runs / 2 ))]}*1000}")" "$(awk "BEGIN{print ${sorted[$(( runs - 1 ))]}*1000}")"
done
echo
echo "change to view, in the browser (release build of the test binary):"
CHIPMIX_REQUIRE_BROWSER=1 cargo test --release --quiet --test it serve_browser:: -- --nocapture 2>&1 \
  | grep 'serve latency' || echo "(the browser test printed no latency line)"
