# shellcheck shell=bash
# What bench/identity and bench/access share. Sourced from the repository root by a script that
# defines `log`, it:
#   - installs wrk (apt-get) when missing;
#   - picks the server binary: BENCH_BINARY when set (e.g. .build/debug/tenantry, to check a
#     script at a tiny scale; such figures mean nothing), else a release build into
#     .build-release. Sets BIN, and BUILD to name it in the report;
#   - starts a throwaway PostgreSQL cluster with durable settings (fsync on), see
#     scripts/lib/throwaway-postgres.sh;
#   - sets WORK (a scratch folder), MASTER_KEY, PORT and BASE, and defines `db_url`,
#     `launch_server` and `stop_server`, with an EXIT trap that stops the server and removes WORK
#     before the cluster's own cleanup, on failure too.

command -v wrk >/dev/null || { log "installing wrk"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

if [[ -n "${BENCH_BINARY:-}" ]]; then
  BIN="$BENCH_BINARY"
  BUILD="given binary $BIN"
  [[ -x "$BIN" ]] || { echo "BENCH_BINARY $BIN is not an executable" >&2; exit 1; }
else
  BIN=".build-release/release/tenantry"
  BUILD="release build"
  log "building release"
  swift build -c release --scratch-path .build-release --product tenantry >/dev/null
fi

PG_SERVER_OPTIONS="-c max_connections=200 -c shared_buffers=256MB"
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

# The server's CPU time so far (user + system), in clock ticks.
server_cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }

# The server's CPU time per request, in microseconds, over a wrk run: $1 = ticks before, $2 =
# the wrk output file. Less sensitive than throughput to what else runs on a shared machine (it
# counts the server's own work, not the time it waited), so it is what compares two builds.
cpu_per_request() {
  local after requests
  after="$(server_cpu_ticks)"
  requests="$(awk '/requests in/ {print $1}' "$2")"
  awk -v t="$(( after - $1 ))" -v hz="$(getconf CLK_TCK)" -v n="$requests" \
    'BEGIN { if (n > 0) printf "%.0f", t / hz * 1e6 / n; else print "-" }'
}

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
