#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 (Debian's postgresql-15): initdb in a temp
# dir owned by the postgres user (initdb refuses root), pg_ctl on 127.0.0.1 and a free port
# with the socket in that dir and durability off (fsync, synchronous_commit, full_page_writes:
# test data need not survive a power cut), then the command with
#   MV_TEST_PG=postgres://postgres@127.0.0.1:PORT/postgres   (an admin URL: tests make
#                                                             their own databases)
#   MV_TEST_METADATA=postgres://postgres@127.0.0.1:PORT/mv   (an empty database "mv")
# and finally pg_ctl stop -m immediate and rm -rf. Exits with the command's status.
#   usage: tests/scaleout/pg_env.sh COMMAND [ARGS...]
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PG_BIN/initdb" ]; then
  echo "pg_env.sh: $PG_BIN/initdb not found (scripts/setup-deps --test installs postgresql-15)" >&2
  exit 1
fi

PG_DIR=$(mktemp -d /tmp/mv-pg.XXXXXX)
chmod 755 "$PG_DIR"
AS_PG=()
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$PG_DIR"
  AS_PG=(runuser -u postgres --)
fi

stop_pg() {
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" stop -m immediate >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap stop_pg EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

"${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres >"$PG_DIR/initdb.log" 2>&1 ||
  { cat "$PG_DIR/initdb.log" >&2; exit 1; }
started=0
for _ in 1 2 3; do
  PORT=$(free_port)
  if "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/server.log" \
       -o "-p $PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
       start >/dev/null; then
    started=1
    break
  fi
done
if [ "$started" != 1 ]; then
  cat "$PG_DIR/server.log" >&2
  exit 1
fi
"$PG_BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE mv" >/dev/null

export MV_TEST_PG="postgres://postgres@127.0.0.1:$PORT/postgres"
export MV_TEST_METADATA="postgres://postgres@127.0.0.1:$PORT/mv"
set +e
"$@"
status=$?
set -e
exit $status
