#!/usr/bin/env bash
# The test command of the README: installs what the tests need when it is missing (real FTP,
# FTPS and SFTP servers, xmllint, PostgreSQL), then runs every test, and the tests listed in
# tests/postgres-pass.txt once more on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh
cargo test "$@"
# The same test bodies on PostgreSQL (docs/postgres.md, "Testing"): the tests that pass there
# today, by name (tests/postgres-pass.txt). Skipped when a filter was given.
if [ "$#" -eq 0 ]; then
    mapfile -t pass < <(grep -v '^#' tests/postgres-pass.txt | grep -v '^$')
    IMPEX_TEST_BACKEND=postgres cargo test --test integration -- --exact "${pass[@]}"
fi
