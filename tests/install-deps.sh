#!/usr/bin/env bash
# Installs the Debian packages the tests use, when missing: vsftpd (FTP/FTPS server), OpenSSH's
# sshd (SFTP server), libxml2-utils (xmllint for XSD checks of exported files), sqlite3 (shell
# checks and the benchmarks' floors), time (/usr/bin/time -v, the benchmarks' peak memory), curl
# (a real HTTP client for the API tests), python3-venv (the API contract tester's environment),
# poppler-utils (pdftotext, reading the order documents' PDFs back), PostgreSQL 15 (server
# binaries for the tests' own servers, and psql).
# Needs root (CI is root); without root it says what is missing and the tests that need a server
# are reported as skipped.
set -euo pipefail
need=()
command -v vsftpd >/dev/null 2>&1 || [ -x /usr/sbin/vsftpd ] || need+=(vsftpd)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
[ -x /usr/bin/time ] || need+=(time)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client-15)
command -v runuser >/dev/null 2>&1 || need+=(util-linux)
[ -e /usr/include/openssl/ssl.h ] || need+=(libssl-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "tests/install-deps.sh: missing ${need[*]} and not root: server tests will be skipped" >&2
  else
    echo "tests/install-deps.sh: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    # Debian starts the services it installs; the tests run their own instances on free ports.
    for s in vsftpd ssh postgresql; do (service "$s" stop >/dev/null 2>&1 || true); done
  fi
fi
# The API contract tester (PyPI), in a virtual environment of the tests: tests/.venv.
if [ ! -x tests/.venv/bin/schemathesis ]; then
  echo "tests/install-deps.sh: installing schemathesis into tests/.venv" >&2
  python3 -m venv tests/.venv
  tests/.venv/bin/pip install -q --disable-pip-version-check "schemathesis>=4.32,<5"
fi
