#!/usr/bin/env bash
# Runs the Snakemake sweep workflow on a quota sweep of scenarios/shanghai-2025.yaml (0.3 to
# 0.8 by 0.05, 4 shards, 2 cores) and checks the merged CSV and JSON are byte for byte what
# one `chipmix sweep` prints. The output directory has a space in its name and every point
# sets 'accelerators[h20].available=true' (the file's own value), so the quoting of paths and
# selectors is exercised too. Exits non-zero, with a diff, on any difference.
#
#   workflows/sweep/test.sh            # uses target/debug/chipmix (cargo build first)
#   CHIPMIX=path/to/chipmix workflows/sweep/test.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bin=${CHIPMIX:-$root/target/debug/chipmix}
case "$bin" in /*) ;; *) bin=$root/$bin ;; esac
if [ ! -x "$bin" ]; then
  echo "workflows/sweep/test.sh: no chipmix binary at $bin (run cargo build first)" >&2
  exit 1
fi
command -v snakemake >/dev/null || {
  echo "workflows/sweep/test.sh: snakemake is not installed (pip install snakemake)" >&2
  exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scenario=$root/scenarios/shanghai-2025.yaml
shards=4
cat >"$work/config.yaml" <<EOF
name: quota
outdir: "results dir"
scenario: "$scenario"
chipmix: "$bin"
params:
  - path: policy.domestic_share.min
    from: 0.3
    to: 0.8
    step: 0.05
set: ["accelerators[h20].available=true"]
shards: $shards
threads: 1
extra_args: ["--solver", "microlp"]
EOF

if ! snakemake -s workflows/sweep/Snakefile --cores 2 --directory "$work" \
  --configfile "$work/config.yaml" --quiet all >"$work/snakemake.out" 2>&1; then
  cat "$work/snakemake.out" >&2
  for log in "$work/results dir/quota/logs/"*.log; do
    [ -s "$log" ] && { echo "== $log" >&2; cat "$log" >&2; }
  done
  echo "workflows/sweep/test.sh: FAILED: snakemake did not finish" >&2
  exit 1
fi

out="$work/results dir/quota"
single=("$bin" sweep "$scenario" --param policy.domestic_share.min --from 0.3 --to 0.8 --step 0.05
  --set 'accelerators[h20].available=true' --solver microlp)
"${single[@]}" --format csv -o "$work/single.csv"
"${single[@]}" --format json -o "$work/single.json"

status=0
n=$(find "$out/shards" -name 'shard-*.json' | wc -l)
if [ "$n" -ne "$shards" ]; then
  echo "workflows/sweep/test.sh: FAILED: $n shard files, expected $shards" >&2
  status=1
fi
rows=$(($(wc -l <"$work/single.csv") - 1))
if [ "$rows" -ne 11 ]; then
  echo "workflows/sweep/test.sh: FAILED: the single run has $rows points, expected 11" >&2
  status=1
fi
for ext in csv json; do
  if ! cmp -s "$out/sweep.$ext" "$work/single.$ext"; then
    echo "workflows/sweep/test.sh: FAILED: the merged sweep.$ext differs from one chipmix sweep:" >&2
    diff -u "$work/single.$ext" "$out/sweep.$ext" >&2 || true
    status=1
  fi
done
if [ "$status" -eq 0 ]; then
  echo "workflows/sweep/test.sh: $shards shards merged, $rows points, CSV and JSON equal to one run"
fi
exit "$status"
