#!/usr/bin/env bash
# The test command of the README: installs what the tests need when it is missing (real FTP,
# FTPS and SFTP servers, xmllint), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh
cargo test "$@"
