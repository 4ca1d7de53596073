#!/usr/bin/env bash
# Runs every fuzz target for $1 seconds (default 30), seeded from the project's own scripts and
# example files (no copies: the seed directories are read in place; new inputs go to a temp dir).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${1:-30}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
export RUSTC_BOOTSTRAP=1
seeds() {
  case "$1" in
    sql_dialect) echo jobs tests/fixtures/reference_sql ;;
    import_open_positions|import_payment_histories|import_store_order) echo tests/fixtures/import seed/demo ;;
    import_opentrans_dispatch) echo tests/fixtures/import ;;
    import_articles_csv) echo tests/fixtures/articles ;;
  esac
}
for t in $(cargo fuzz list --fuzz-dir tests/fuzz); do
  work="$(mktemp -d)"
  echo "fuzzing $t for ${secs}s"
  # shellcheck disable=SC2046
  cargo fuzz run --fuzz-dir tests/fuzz "$t" "$work" $(seeds "$t") -- -max_total_time="$secs" -rss_limit_mb=2048
  rm -rf "$work"
done
