#!/usr/bin/env bash
# Where a PostgreSQL claim's CPU goes, cxbot's run beside pgbench's (examples/PERF.md, "Ninth
# round"): for each of PAIRS (3) pairs, on a fresh database, cxbot on PostgreSQL, the load
# tool's prepare step creating PREPARED (30000) tickets and writing the claims out (`--emit`),
# the database settled (VACUUM ANALYZE, CHECKPOINT), wrk sending the claims for CLAIM_S (5)
# seconds (examples/wrk/list.lua, 64 connections); then pgbench running the same statements
# (examples/pgbench/claim.sql, 8 clients) on that database, settled again, for as long.
# examples/cpu_split.py prints each run's claims a second, the machine's idle share and each
# process's CPU a claim. PERF=1 also records cxbot with `perf record -g` for 4 s of each of
# its runs (claim_cpu.N.perf.data in the working directory).
#
#   NO_BUILD=1 examples/claim_cpu.sh
#
# Needs what examples/ratios.sh needs for its PostgreSQL rows (wrk, psql, pgbench, a server
# at $PG_URL), and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=${PAIRS:-3} PREPARED=${PREPARED:-30000} CLAIM_S=${CLAIM_S:-5}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432} CX_PORT=${CX_PORT:-3000} FAKE_PORT=${FAKE_PORT:-3100}
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
BIN=$TARGET/release
WORK=$(mktemp -d /tmp/cxcpu.XXXXXX)
if [[ ${NO_BUILD:-} != 1 ]]; then
  cargo build --release --quiet --bin cxbot --example load --example fake_slack
fi
export SLACK_SIGNING_SECRET=perf-signing-secret SLACK_BOT_TOKEN=xoxb-perf \
  CXBOT_WEBHOOK_SECRET=perf-webhook-secret SLACK_API_URL=http://127.0.0.1:$FAKE_PORT/ \
  CXBOT_LOG=warn CXBOT_LISTEN=127.0.0.1:$CX_PORT
unset CXBOT_CONFIG
CX=http://127.0.0.1:$CX_PORT
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS cxcpu WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
"$BIN/examples/fake_slack" --listen 127.0.0.1:$FAKE_PORT --quiet >"$WORK/fake.log" 2>&1 &
PIDS+=($!)
settle() { psql -q "$1" -c 'VACUUM ANALYZE' -c 'CHECKPOINT' >/dev/null; }

for pair in $(seq 1 "$PAIRS"); do
  psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS cxcpu WITH (FORCE)" -c "CREATE DATABASE cxcpu" >/dev/null
  url=$PG_URL/cxcpu
  DATABASE_URL=$url "$BIN/cxbot" migrate >>"$WORK/cxbot.log" 2>&1
  DATABASE_URL=$url "$BIN/cxbot" serve >>"$WORK/cxbot.log" 2>&1 &
  cx=$!
  PIDS+=("$cx")
  until curl -sf -o /dev/null "$CX/readyz"; do sleep 0.02; done
  "$BIN/examples/load" --url "$CX" --scenario claim --concurrency 64 --count "$PREPARED" --emit "$WORK/claims.req" --json >/dev/null
  settle "$url"
  perf_pid=
  if [[ ${PERF:-} == 1 ]]; then
    perf record -q -F 2000 -g -p "$cx" -o "claim_cpu.$pair.perf.data" -- sleep 4 >/dev/null 2>&1 &
    perf_pid=$!
  fi
  python3 examples/cpu_split.py "pair $pair, cxbot (wrk)" "$url" -- \
    wrk -t1 -c64 -d"${CLAIM_S}s" -s examples/wrk/list.lua "$CX" -- "$WORK/claims.req"
  [[ -z $perf_pid ]] || wait "$perf_pid" || true
  kill "$cx"; wait "$cx" 2>/dev/null || true
  tickets=$(psql -qtA "$url" -c 'SELECT max(id) FROM tickets')
  settle "$url"
  python3 examples/cpu_split.py "pair $pair, pgbench" "$url" -- \
    pgbench -n -M prepared -c 8 -j 2 -T "$CLAIM_S" -D tickets="$tickets" -f examples/pgbench/claim.sql "$url"
done
