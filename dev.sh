#!/usr/bin/env bash
# The two commands of the README:
#   ./dev.sh start [--port N]   set everything up, load the demo project, start the workbench
#   ./dev.sh test [PYTEST ARGS] set everything up and run the whole test suite
#                               (SQLite, and PostgreSQL for the database tests)
set -euo pipefail
cd "$(dirname "$0")"
cmd="${1:-}"; shift || true

ensure_postgres() {
  # Starts the local PostgreSQL cluster if it is down, and prints a URL the tests can use.
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null; then
      ver=$(ls /etc/postgresql | sort -V | tail -n 1)
      echo "==> Starting PostgreSQL $ver" >&2
      pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 || true
    fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "==> PostgreSQL is not available: database tests run on SQLite only" >&2
    return 1
  fi
  if ! PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
    # A fresh Debian cluster asks for a password over TCP: give the postgres role one.
    if [ "$(id -u)" = 0 ]; then
      su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >&2
    else
      sudo -u postgres psql -q -c "ALTER USER postgres PASSWORD 'postgres'" >&2
    fi
  fi
  echo "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres"
}

case "$cmd" in
  start)
    scripts/install.sh
    export SVERKA_DATA_DIR="${SVERKA_DATA_DIR:-$PWD/.sverka}"
    .venv/bin/sverka db upgrade
    exec .venv/bin/sverka demo --serve "$@"
    ;;
  test)
    scripts/install.sh --test
    if url=$(ensure_postgres); then export SVERKA_TEST_POSTGRES_URL="$url"; fi
    status=0
    # pytest's 5 means "no tests collected": that is a failure for us too.
    .venv/bin/pytest "$@" || status=$?
    echo "==> ruff (lint) and mypy (types)" >&2
    .venv/bin/ruff check . || status=1
    .venv/bin/mypy || status=1
    exit "$status"
    ;;
  *)
    echo "usage: ./dev.sh start [--port N] | ./dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
