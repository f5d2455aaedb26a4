# shellcheck shell=bash
# A throwaway PostgreSQL cluster for scripts/test and bench/: sourced, it installs PostgreSQL
# when missing (as root, with apt), starts a private cluster on a free 127.0.0.1 port as the
# `postgres` user, creates the `tenantry_owner` (migrations) and `tenantry_app` (runtime)
# roles, exports TENANTRY_TEST_POSTGRES_{ADMIN,OWNER,RUNTIME}_URL, and installs an EXIT trap
# that always stops the cluster and deletes its folder.
#
# The caller defines `log`. PG_SERVER_OPTIONS may replace the server settings (the default
# trades durability for speed, which suits tests but not benchmarks).

# --- PostgreSQL server binaries ---------------------------------------------
find_pg_bin() {
  local initdb
  initdb="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$initdb" ]] && dirname "$initdb"
}

if ! PG_BIN="$(find_pg_bin)"; then
  log "installing PostgreSQL (apt)"
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "PostgreSQL server binaries not found and not running as root; install the 'postgresql' package" >&2
    exit 1
  fi
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
  PG_BIN="$(find_pg_bin)" || { echo "initdb still not found after installing postgresql" >&2; exit 1; }
fi
PG_VERSION="$(basename "$(dirname "$PG_BIN")")"

# --- helpers -----------------------------------------------------------------
random_secret() { # 32 hex characters, URL-safe
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n'
}

port_in_use() { # bash /dev/tcp: connect succeeds => something listens
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  local port _
  for _ in $(seq 1 100); do
    port=$(( 20000 + RANDOM % 30000 ))
    if ! port_in_use "$port"; then echo "$port"; return; fi
  done
  echo "could not find a free TCP port" >&2
  return 1
}

# Run a PostgreSQL server tool as `postgres` when root, else as ourselves.
# The working directory is the cluster folder so `postgres` can always read it.
as_pg() {
  if [[ "$(id -u)" -eq 0 ]]; then
    (cd "$PG_TMP" && runuser -u postgres -- "$@")
  else
    (cd "$PG_TMP" && "$@")
  fi
}

# --- throwaway cluster -------------------------------------------------------
PG_TMP="$(mktemp -d)"
PG_DATA="$PG_TMP/data"
PG_LOG="$PG_TMP/log"
PG_STARTED=0

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ "$PG_STARTED" -eq 1 ]]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PG_TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ "$(id -u)" -eq 0 ]]; then
  chown postgres:postgres "$PG_TMP"
fi
chmod 700 "$PG_TMP"

PG_SUPER_PW="$(random_secret)"
OWNER_PW="$(random_secret)"
APP_PW="$(random_secret)"
PG_PORT="$(pick_free_port)"

( umask 077; printf '%s\n' "$PG_SUPER_PW" >"$PG_TMP/pwfile" )
if [[ "$(id -u)" -eq 0 ]]; then
  chown postgres:postgres "$PG_TMP/pwfile"
fi

log "starting PostgreSQL $PG_VERSION on port $PG_PORT"
as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --pwfile="$PG_TMP/pwfile" \
  --auth=scram-sha-256 --auth-local=trust --encoding=UTF8 --no-locale >/dev/null
rm -f "$PG_TMP/pwfile"

PG_STARTED=1
if ! as_pg "$PG_BIN/pg_ctl" -w -D "$PG_DATA" -l "$PG_LOG" \
  -o "-p $PG_PORT -k $PG_TMP -c listen_addresses=127.0.0.1 ${PG_SERVER_OPTIONS:--c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off}" \
  start >/dev/null; then
  echo "PostgreSQL failed to start; server log:" >&2
  tail -n 50 "$PG_LOG" >&2 || true
  exit 1
fi

"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_TMP" -p "$PG_PORT" -U postgres -d postgres <<SQL
CREATE ROLE tenantry_owner LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD '$OWNER_PW';
CREATE ROLE tenantry_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '$APP_PW';
SQL

export TENANTRY_TEST_POSTGRES_ADMIN_URL="postgres://postgres:$PG_SUPER_PW@127.0.0.1:$PG_PORT/postgres"
export TENANTRY_TEST_POSTGRES_OWNER_URL="postgres://tenantry_owner:$OWNER_PW@127.0.0.1:$PG_PORT/postgres"
export TENANTRY_TEST_POSTGRES_RUNTIME_URL="postgres://tenantry_app:$APP_PW@127.0.0.1:$PG_PORT/postgres"

