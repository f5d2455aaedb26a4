# shellcheck shell=bash
# What every benchmark shares, PostgreSQL or not. Sourced from the repository root by a script
# that defines `log`, it:
#   - installs wrk (apt-get) when missing;
#   - picks the server binary: BENCH_BINARY when set (e.g. .build/debug/tenantry, to check a
#     script at a tiny scale; such figures mean nothing), else a release build into
#     .build-release. Sets BIN, and BUILD to name it in the report;
#   - defines `server_cpu_ticks` and `cpu_per_request`, which read the CPU time of the server
#     whose process id is in SERVER_PID.

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
