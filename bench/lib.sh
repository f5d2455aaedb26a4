# shellcheck shell=bash
# What bench/identity and bench/access share. Sourced from the repository root by a script that
# defines `log`, it:
#   - does what bench/base.sh does (wrk, the server binary, the CPU time measure);
#   - starts a throwaway PostgreSQL cluster with durable settings (fsync on), see
#     scripts/lib/throwaway-postgres.sh;
#   - sets WORK (a scratch folder), MASTER_KEY, PORT and BASE, and defines `db_url`,
#     `launch_server` and `stop_server`, with an EXIT trap that stops the server and removes WORK
#     before the cluster's own cleanup, on failure too.

# shellcheck source=bench/base.sh
source bench/base.sh

PG_SERVER_OPTIONS="-c max_connections=200 -c shared_buffers=256MB ${BENCH_PG_OPTIONS:-}"
export PG_SERVER_OPTIONS
# shellcheck source=scripts/lib/throwaway-postgres.sh
source scripts/lib/throwaway-postgres.sh

SERVER_PID=""
WORK="$(mktemp -d)"
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=""
}
trap 'rc=$?; set +e; stop_server; rm -rf "$WORK"; (exit $rc); cleanup' EXIT

MASTER_KEY="$(head -c 32 /dev/urandom | base64)"
PORT="$(pick_free_port)"
BASE="http://127.0.0.1:$PORT"
db_url() { echo "${1%/*}/$2?sslmode=disable"; } # cluster URL, database name

# Starts `tenantry serve` on database $1 of the cluster, with the NAME=value settings that
# follow (they come first, so the common ones here win), logging to $WORK/server.log; waits
# until it is ready.
launch_server() {
  local database="$1"
  shift
  env "$@" TENANTRY_DATABASE_URL="$(db_url "$TENANTRY_TEST_POSTGRES_RUNTIME_URL" "$database")" \
  TENANTRY_DATABASE_OWNER_URL="$(db_url "$TENANTRY_TEST_POSTGRES_OWNER_URL" "$database")" \
  TENANTRY_MASTER_KEY="$MASTER_KEY" TENANTRY_LOG_FORMAT=json TENANTRY_PORT="$PORT" \
    "$BIN" serve >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -sf "$BASE/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not start" >&2; tail -20 "$WORK/server.log" >&2; return 1
}
