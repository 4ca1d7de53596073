# Sourced by the benchmarks that take BACKEND=postgres: `pg_start DIR` starts a PostgreSQL 15
# server (Debian's binaries) in DIR on a free loopback port, as the `postgres` system user,
# with the server's durable defaults (fsync and synchronous_commit on, as SQLite's side is
# durable too); `pg_url NAME` prints the URL of database NAME (created empty by `pg_db NAME`);
# `pg_psql NAME SQL` runs SQL and prints the rows; `pg_stop` stops the server. PG_OPTS: more
# server options, e.g. PG_OPTS="-c shared_preload_libraries=pg_stat_statements" to profile.
PG_BIN=/usr/lib/postgresql/15/bin
pg_start() {
    PG_DIR="$1/pg"; mkdir -p "$PG_DIR"; chown postgres "$PG_DIR"
    PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust >/dev/null
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
        -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=100 -c shared_buffers=256MB ${PG_OPTS:-}" start >/dev/null
}
pg_stop() {
    [ -n "${PG_DIR:-}" ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
}
pg_psql() { psql -X -At -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U postgres -d "$1" -c "$2"; }
pg_db() { pg_psql postgres "DROP DATABASE IF EXISTS \"$1\"" >/dev/null; pg_psql postgres "CREATE DATABASE \"$1\"" >/dev/null; }
pg_url() { echo "postgres://postgres@127.0.0.1:$PG_PORT/$1"; }
