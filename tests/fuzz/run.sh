#!/usr/bin/env bash
# Runs every fuzz target for $1 seconds (default 30) from its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-30}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
export RUSTC_BOOTSTRAP=1
for t in $(cargo fuzz list --fuzz-dir tests/fuzz); do
  corpus="tests/fuzz/corpus/$t"
  mkdir -p "$corpus"
  work="$(mktemp -d)"
  cp -r "$corpus"/. "$work"/
  echo "fuzzing $t for ${secs}s"
  cargo fuzz run --fuzz-dir tests/fuzz "$t" "$work" -- -max_total_time="$secs" -rss_limit_mb=2048
  rm -rf "$work"
done
