#!/usr/bin/env bash
# The corpus of issue 14 (tests/it/corpus.rs) as a benchmark: every scenario planned by the
# default build (microlp, mip_gap 0) one at a time in release, against the brute force and,
# when the `highs` feature builds, against HiGHS: failures by kind, median / p90 / p99 / max
# solve seconds, the ten slowest scenarios and the smallest reproducer of each failure kind.
# Usage: bash bench/corpus.sh [N]   (default: the whole corpus, 2,000 scenarios)
# Output: bench/corpus.out (the default build's run, then the highs build's).
set -euo pipefail
cd "$(dirname "$0")/.."
export CHIPMIX_CORPUS_N=${1:-2000}
out=bench/corpus.out
echo "== default build (reference: the brute force)" | tee "$out"
cargo test --release --quiet --test it corpus::bench -- --ignored --nocapture 2>&1 |
  grep -v '^running \|^test \|^$\|has been running' | tee -a "$out"
# The HiGHS build in its own target directory, as bench/sweep.sh does (neither rebuild
# replaces the other).
if cargo build --release --quiet --features highs --target-dir target/highs 2>/dev/null; then
  echo "== --features highs (reference: HiGHS)" | tee -a "$out"
  cargo test --release --quiet --features highs --target-dir target/highs --test it corpus::bench -- --ignored --nocapture 2>&1 |
    grep -v '^running \|^test \|^$\|has been running' | tee -a "$out"
fi
