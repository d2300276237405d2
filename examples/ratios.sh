#!/usr/bin/env bash
# The README's Performance table, rerun: every figure as a ratio to a baseline measured in
# the same run, alternately, so that the host's speed (which moves by half between runs on
# a shared machine) cancels out.
#
#   examples/ratios.sh                 # everything: ack paths, then claims and intake
#   REPS=1 DURATION=5 examples/ratios.sh ack
#   examples/ratios.sh db              # claims and intake only
#   examples/ratios.sh cpu             # where a PostgreSQL claim's CPU goes (no table)
#
# Ack paths (the answers that need no database): cxbot against examples/bare.rs (a bare axum
# handler that verifies the signature and sends the same bytes), with two load tools: wrk
# (examples/wrk/slack.lua: one signed request repeated, keep-alive, 64 connections, 1
# thread) and the repository's load tool (examples/load: every request built and signed
# anew, 64 connections). Each answer is checked to be byte-identical on both servers first.
# Claims and intake: cxbot on PostgreSQL against PostgreSQL alone running the same
# statements (pgbench, examples/pgbench/), alternately, a fresh database each run, with both
# load tools sending requests the load tool built and signed beforehand (`--emit`; wrk with
# examples/wrk/list.lua, the load tool with `--from`), each claim phase (pgbench's too) on a
# database vacuumed, analyzed and checkpointed after the tickets were written; and cxbot
# on SQLite (its default; no server to run "alone": the statements run in cxbot's process,
# so the figure is the absolute rate against the 5,000/s target). `cpu` splits a PostgreSQL
# claim's CPU between the server, cxbot and its client, beside pgbench's (function `cpu`).
#
# Needs: cargo, wrk, openssl, curl, jq; for the PostgreSQL rows a server reachable as
# $PG_URL (default postgres://postgres@127.0.0.1:5432) and pgbench; for `cpu` also python3.
# Builds the release binaries it needs (into $CARGO_TARGET_DIR, default target/). Prints a
# markdown table.
#
# Knobs (environment): REPS (3: runs of each side, the table gives medians), DURATION (10:
# seconds a run), CONNS (64), PATHS (the ack paths), CX_PORT (3000), BARE_PORT (3001),
# FAKE_PORT (3100), PG_URL, CLAIMS (20000: claims a SQLite claim run sends), PREPARED (30000:
# tickets prepared for a PostgreSQL claim run, which lasts CLAIM_S, 5 s; a run that would
# send more than were prepared fails), INTAKE_RATE (6000: intake requests prepared a second of
# a PostgreSQL intake run), PERF=1 (`cpu` only: cxbot recorded with `perf record -g` for 4 s
# of each of its runs, into cpu.N.perf.data), KEEP_LOGS=1, NO_BUILD=1
# (use the binaries already in $CARGO_TARGET_DIR/release), DB_CORE (unset: the PostgreSQL
# rows are taken once, every process sharing every core; a core number, e.g. 0: they are
# taken a second time with every PostgreSQL process on that core and cxbot, the load tool
# and pgbench on the others, as a database on a host of its own has it; needs a local
# server whose processes this user may pin with taskset; their affinity is put back after).
set -euo pipefail
cd "$(dirname "$0")/.."

WHAT=${1:-all}
REPS=${REPS:-3}
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
PATHS=${PATHS:-help typo badarg challenge retry unknown_action}
CX_PORT=${CX_PORT:-3000}
BARE_PORT=${BARE_PORT:-3001}
FAKE_PORT=${FAKE_PORT:-3100}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
CLAIMS=${CLAIMS:-20000}
PREPARED=${PREPARED:-30000}
CLAIM_S=${CLAIM_S:-5}
INTAKE_RATE=${INTAKE_RATE:-6000}
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
WORK=$(mktemp -d /tmp/cxratios.XXXXXX)

for tool in cargo wrk openssl curl jq; do
  command -v $tool >/dev/null || { echo "ratios.sh: $tool is not installed" >&2; exit 1; }
done

if [[ ${NO_BUILD:-} != 1 ]]; then
  echo "building release binaries into $TARGET ..." >&2
  cargo build --release --quiet --bin cxbot --example bare --example load --example fake_slack
fi
BIN=$TARGET/release

export SLACK_SIGNING_SECRET=perf-signing-secret SLACK_BOT_TOKEN=xoxb-perf \
  CXBOT_WEBHOOK_SECRET=perf-webhook-secret SLACK_API_URL=http://127.0.0.1:$FAKE_PORT/ \
  CXBOT_LOG=warn CXBOT_LISTEN=127.0.0.1:$CX_PORT
unset CXBOT_CONFIG
CX=http://127.0.0.1:$CX_PORT
BARE=http://127.0.0.1:$BARE_PORT

PIDS=()
cleanup() {
  if declare -F unpin_db >/dev/null; then unpin_db; fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ ${KEEP_LOGS:-} == 1 ]] && echo "logs kept in $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT

# Waits until something answers HTTP on $1 (any status).
wait_http() {
  for _ in $(seq 1 500); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' -X POST "$1/slack/commands" || true) != 000 ]] && return 0
    sleep 0.02
  done
  echo "ratios.sh: nothing answers on $1" >&2
  exit 1
}

start() { # name, command...: starts it in the background, its pid in $LAST
  local name=$1; shift
  "$@" >>"$WORK/$name.log" 2>&1 &
  LAST=$!
  PIDS+=("$LAST")
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

start fake_slack "$BIN/examples/fake_slack" --listen 127.0.0.1:$FAKE_PORT --quiet
FAKE_PID=$LAST

start_cxbot() { # database URL
  DATABASE_URL=$1 "$BIN/cxbot" migrate >>"$WORK/cxbot.log" 2>&1
  # shellcheck disable=SC2086 # no prefix, or taskset with its core list (no spaces)
  DATABASE_URL=$1 start cxbot ${APP_CPUS:+taskset -c $APP_CPUS} "$BIN/cxbot" serve
  CX_PID=$LAST
  until curl -sf -o /dev/null "$CX/readyz"; do sleep 0.02; done
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {if (NR == 0) print 0; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%d%%", 100*a/b + 0.5; else print "-"}'; }
fmt() { printf "%d" "${1%.*}" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

# wrk against $1 with kind $2 for $3 seconds: prints req/s; a non-2xx answer fails the run.
run_wrk() {
  local out
  out=$(wrk -t1 -c"$CONNS" -d"${3}s" -s examples/wrk/slack.lua "$1" -- "$2")
  if grep -q "Non-2xx" <<<"$out" || grep -q "Socket errors" <<<"$out"; then
    echo "ratios.sh: wrk $2 on $1 got errors:" >&2; echo "$out" >&2; exit 1
  fi
  awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

# The load tool against $1, scenario $2, for $3 seconds (+2 s warm-up): prints req/s.
run_load() {
  local out
  out=$("$BIN/examples/load" --url "$1" --scenario "$2" --concurrency "$CONNS" --duration "${3}s" --warmup 2s --json)
  if [[ $(jq '.total.non_2xx + .total.transport_errors' <<<"$out") != 0 ]]; then
    echo "ratios.sh: load $2 on $1 got errors: $out" >&2; exit 1
  fi
  jq '.total.rps' <<<"$out"
}

# The same signed request to both servers: the answers must be the same bytes.
same_answer() { # kind
  local kind=$1 ts body path ctype extra=()
  ts=$(date +%s)
  case $kind in
    help|typo|badarg)
      local text=${kind/help/help}; text=${text/typo/hello+world}; text=${text/badarg/claim}
      path=/slack/commands ctype=application/x-www-form-urlencoded
      body="token=chk&team_id=T0CHK&channel_id=C0CHK&user_id=UCHK00001&user_name=chk&command=%2Fcx&text=$text&response_url=http%3A%2F%2F127.0.0.1%2Fr&trigger_id=1.2.chk" ;;
    challenge)
      path=/slack/events ctype=application/json
      body='{"token":"chk","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}' ;;
    retry)
      path=/slack/events ctype=application/json extra=(-H "X-Slack-Retry-Num: 1")
      body="{\"type\":\"event_callback\",\"event_id\":\"EvCHK$ts\",\"event_time\":$ts,\"event\":{\"type\":\"app_mention\",\"user\":\"UCHK00001\",\"text\":\"hi\",\"ts\":\"$ts.000100\",\"channel\":\"C0CHK\",\"event_ts\":\"$ts.000100\"}}" ;;
    unknown_action)
      path=/slack/interactivity ctype=application/x-www-form-urlencoded
      body='payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%7B%22id%22%3A%22UCHK00001%22%7D%2C%22actions%22%3A%5B%7B%22action_id%22%3A%22chk_unknown%22%7D%5D%7D' ;;
  esac
  local sig
  sig=v0=$(printf 'v0:%s:%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$SLACK_SIGNING_SECRET" -r | cut -d' ' -f1)
  for side in cx bare; do
    local url=$CX; [[ $side == bare ]] && url=$BARE
    curl -s -o "$WORK/answer.$side" -w '%{http_code} %{content_type}\n' -X POST "$url$path" \
      -H "Content-Type: $ctype" -H "X-Slack-Request-Timestamp: $ts" -H "X-Slack-Signature: $sig" \
      "${extra[@]}" --data-binary "$body" >"$WORK/status.$side"
  done
  # The same signed request again: cxbot refuses a replayed command or click that would
  # change something (401), which a load tool repeating one request cannot get past (then
  # wrk has nothing to measure there). The answers measured here only read.
  REPLAY_STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$CX$path" \
    -H "Content-Type: $ctype" -H "X-Slack-Request-Timestamp: $ts" -H "X-Slack-Signature: $sig" \
    "${extra[@]}" --data-binary "$body")
  if ! cmp -s "$WORK/answer.cx" "$WORK/answer.bare" || ! cmp -s "$WORK/status.cx" "$WORK/status.bare"; then
    echo "ratios.sh: $kind: cxbot and bare answer differently:" >&2
    cat "$WORK/status.cx" "$WORK/answer.cx" >&2; echo >&2; cat "$WORK/status.bare" "$WORK/answer.bare" >&2
    exit 1
  fi
}

label() {
  case $1 in
    help) echo '`/cx help`' ;; typo) echo '`/cx hello world` (unknown subcommand)' ;;
    badarg) echo '`/cx claim` (no ticket)' ;; challenge) echo '`url_verification`' ;;
    retry) echo 'retried event (`X-Slack-Retry-Num`)' ;; unknown_action) echo 'click on an unknown action id' ;;
    *) echo "$1" ;;
  esac
}
bare_reply() { case $1 in help|typo|badarg|challenge) echo "$1" ;; *) echo empty ;; esac; }
load_scenario() { case $1 in unknown_action) echo unknown-action ;; *) echo "$1" ;; esac; }

ROWS=()
ack() {
  start_cxbot "sqlite://$WORK/ack.db"
  for kind in $PATHS; do
    start bare "$BIN/examples/bare" --listen 127.0.0.1:$BARE_PORT --reply "$(bare_reply "$kind")"
    local bare_pid=$LAST
    wait_http "$BARE"
    same_answer "$kind"
    local wrk_ok=1
    [[ $REPLAY_STATUS == 401 ]] && wrk_ok=0
    if ((wrk_ok)); then run_wrk "$BARE" "$kind" 1 >/dev/null; run_wrk "$CX" "$kind" 1 >/dev/null; fi   # warm-up
    local wb=() wc=() lb=() lc=()
    for r in $(seq 1 "$REPS"); do
      if ((wrk_ok)); then
        wb+=("$(run_wrk "$BARE" "$kind" "$DURATION")")
        wc+=("$(run_wrk "$CX" "$kind" "$DURATION")")
      else
        wb+=(0) wc+=(0)
      fi
      lb+=("$(run_load "$BARE" "$(load_scenario "$kind")" "$DURATION")")
      lc+=("$(run_load "$CX" "$(load_scenario "$kind")" "$DURATION")")
      for v in "${wb[-1]}" "${wc[-1]}" "${lb[-1]}" "${lc[-1]}"; do [[ -n $v ]] || exit 1; done
      echo "  $kind run $r: wrk bare ${wb[-1]} cxbot ${wc[-1]}; load bare ${lb[-1]} cxbot ${lc[-1]}" >&2
    done
    stop "$bare_pid"
    local mwb mwc mlb mlc
    mwb=$(echo "${wb[*]}" | median); mwc=$(echo "${wc[*]}" | median)
    mlb=$(echo "${lb[*]}" | median); mlc=$(echo "${lc[*]}" | median)
    local wrk_cells="$(fmt "$mwc") / $(fmt "$mwb") | **$(pct "$mwc" "$mwb")**"
    ((wrk_ok)) || wrk_cells="n/a: a repeated request is refused as a replay | -"
    ROWS+=("| $(label "$kind") | bare | $wrk_cells | $(fmt "$mlc") / $(fmt "$mlb") | **$(pct "$mlc" "$mlb")** |")
  done
  stop "$CX_PID"
}

# Claims and intake through cxbot on SQLite database URL $1, the load tool building each
# request as it sends it: sets RES_I and RES_C (intake/s, claims/s).
cx_db_run() {
  start_cxbot "$1"
  local intake claims
  intake=$(on_app_cores "$BIN/examples/load" --url "$CX" --scenario intake --concurrency "$CONNS" --duration "${DURATION}s" --warmup 2s --json)
  claims=$(on_app_cores "$BIN/examples/load" --url "$CX" --scenario claim --concurrency "$CONNS" --count "$CLAIMS" --json)
  stop "$CX_PID"
  for out in "$intake" "$claims"; do
    if [[ $(jq '.total.non_2xx + .total.transport_errors' <<<"$out") != 0 ]]; then
      echo "ratios.sh: a database run got errors: $out" >&2; exit 1
    fi
  done
  RES_I=$(jq .total.rps <<<"$intake") RES_C=$(jq .total.rps <<<"$claims")
}

# Claims and intake through cxbot on PostgreSQL database $1, sent by $2 (wrk or load): the
# load tool builds and signs the requests first (`--emit`; for claims its prepare step
# creates the tickets through cxbot), the database settles, then the client sends them (wrk
# with examples/wrk/list.lua, the load tool with `--from`). Sets RES_I and RES_C.
cx_pg_run() {
  local url=$1 tool=$2 n_i=$((INTAKE_RATE * (DURATION + 2)))
  start_cxbot "$url"
  on_app_cores "$BIN/examples/load" --scenario intake --count "$n_i" --emit "$WORK/intake.req" --json >/dev/null
  send_list "$tool" intake "$WORK/intake.req" "$n_i" "$DURATION"; RES_I=$LIST_RPS
  prepare_claims "$url"
  local before
  before=$(psql -qtA "$url" -c "SELECT count(*) FROM ticket_audit WHERE action = 'claim'")
  send_list "$tool" claim "$WORK/claims.req" "$PREPARED" "$CLAIM_S"; RES_C=$LIST_RPS
  stop "$CX_PID"
  # Neither client reads the answers' text here: every claim answered must have claimed (an
  # audit row each; up to a connection's worth more were sent, not answered, at the stop).
  local claimed
  claimed=$(psql -qtA "$url" -c "SELECT count(*) - $before FROM ticket_audit WHERE action = 'claim'")
  if ((claimed < LIST_SENT)); then
    echo "ratios.sh: $tool got $LIST_SENT answers to claims, the audit has $claimed claims" >&2; exit 1
  fi
}

# The claims of a PostgreSQL claim phase, cxbot at $CX on database $1: the load tool's
# prepare step creates PREPARED tickets through cxbot and the claims are written, signed,
# to $WORK/claims.req; then the database settles.
prepare_claims() {
  on_app_cores "$BIN/examples/load" --url "$CX" --scenario claim --concurrency "$CONNS" --count "$PREPARED" --emit "$WORK/claims.req" --json >/dev/null
  settle "$1"
}

# PostgreSQL alone claiming on database $1 (its tickets, settled first) for $2 seconds:
# pgbench with examples/pgbench/claim.sql, run under the command words after them
# (on_app_cores, or cpu_split.py's); prints pgbench's report.
pgbench_claims() {
  local url=$1 secs=$2 tickets
  shift 2
  tickets=$(psql -qtA "$url" -c 'SELECT max(id) FROM tickets')
  settle "$url"
  "$@" pgbench -n -M prepared -c 8 -j 2 -T "$secs" -D tickets="$tickets" -f examples/pgbench/claim.sql "$url"
}

# Sends the requests of file $3 (which holds $4) with $1 (wrk or load), counted as scenario
# $2, for $5 seconds (the load tool: after 2 s of warm-up, for intake): sets LIST_RPS (req/s)
# and LIST_SENT (answers counted). Errors, or more requests than the file holds, fail the run.
send_list() {
  local tool=$1 scenario=$2 file=$3 n=$4 secs=$5 out
  if [[ $tool == wrk ]]; then
    out=$(on_app_cores wrk -t1 -c"$CONNS" -d"${secs}s" -s examples/wrk/list.lua "$CX" -- "$file")
    if grep -q "Non-2xx" <<<"$out" || grep -q "Socket errors" <<<"$out"; then
      echo "ratios.sh: wrk with $file got errors:" >&2; echo "$out" >&2; exit 1
    fi
    LIST_SENT=$(awk '/requests in/ {print $1}' <<<"$out")
    LIST_RPS=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  else
    local warm=0s; [[ $scenario == intake ]] && warm=2s
    out=$(on_app_cores "$BIN/examples/load" --url "$CX" --scenario "$scenario" --from "$file" --concurrency "$CONNS" --duration "${secs}s" --warmup "$warm" --json)
    if [[ $(jq '.total.non_2xx + .total.transport_errors' <<<"$out") != 0 ]]; then
      echo "ratios.sh: load with $file got errors: $out" >&2; exit 1
    fi
    LIST_SENT=$(jq .total.requests <<<"$out")
    LIST_RPS=$(jq .total.rps <<<"$out")
  fi
  if ((LIST_SENT + CONNS > n)); then
    echo "ratios.sh: $tool sent all $n requests of $file in ${secs}s: raise PREPARED or INTAKE_RATE" >&2; exit 1
  fi
}

# Before every PostgreSQL claim phase (cxbot's, with either client, and pgbench's): the
# tickets just written vacuumed and analyzed, and a checkpoint, so that neither side's few
# seconds pay for the hint bits, the statistics or the checkpoint of the writes before them.
settle() { psql -q "$1" -c 'VACUUM ANALYZE' -c 'CHECKPOINT' >/dev/null; }

# Runs "$@" on the cores left to the clients when the database has a core of its own.
on_app_cores() { if [[ -n ${APP_CPUS:-} ]]; then taskset -c "$APP_CPUS" "$@"; else "$@"; fi; }

# Pins every PostgreSQL process (and so every backend forked later) to core $1, and the
# clients (cxbot, the load tool, pgbench) to the others; `unpin_db` puts the affinity back.
pin_db() {
  local postmaster
  if ! [[ $1 =~ ^[0-9]+$ ]] || (($1 >= $(nproc))); then
    echo "ratios.sh: DB_CORE=$1 is not a core of this machine (0 to $(($(nproc) - 1)))" >&2; exit 1
  fi
  postmaster=$(pgrep -o -x postgres) || { echo "ratios.sh: DB_CORE needs a local PostgreSQL server" >&2; exit 1; }
  APP_CPUS=$(seq 0 $(($(nproc) - 1)) | grep -vx "$1" | paste -sd, -)
  [[ -n $APP_CPUS ]] || { echo "ratios.sh: DB_CORE=$1 leaves no core for the clients" >&2; exit 1; }
  DB_AFFINITY=$(taskset -cp "$postmaster" | awk -F': ' '{print $2}')
  # (a process that ended since pgrep listed it is no matter)
  for p in $(pgrep -x postgres); do taskset -cp "$1" "$p" >/dev/null 2>&1 || true; done
  # The server forks every new backend from the postmaster: if it could not be pinned
  # (another user's process), the rows would be labelled with what did not happen.
  if [[ $(taskset -cp "$postmaster" | awk -F': ' '{print $2}') != "$1" ]]; then
    echo "ratios.sh: could not pin PostgreSQL (pid $postmaster) to core $1: taskset needs the right to change its affinity" >&2
    exit 1
  fi
}
unpin_db() {
  [[ -n ${DB_AFFINITY:-} ]] || return 0
  for p in $(pgrep -x postgres); do taskset -cp "$DB_AFFINITY" "$p" >/dev/null 2>&1 || true; done
  DB_AFFINITY= APP_CPUS=
}

fresh_pg() { # name: drops and creates it, prints its URL
  psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
  echo "$PG_URL/$1"
}

db() {
  local si=() sc=()
  for r in $(seq 1 "$REPS"); do
    rm -f "$WORK"/db.sqlite*
    cx_db_run "sqlite://$WORK/db.sqlite"
    si+=("$RES_I"); sc+=("$RES_C")
    echo "  sqlite run $r: intake $RES_I/s, claims $RES_C/s" >&2
  done
  ROWS+=("| SQLite intake, ${DURATION} s | none (target 5,000/s) | | | $(fmt "$(echo "${si[*]}" | median)")/s | |")
  ROWS+=("| SQLite claims, $CLAIMS | none (target 5,000/s) | | | $(fmt "$(echo "${sc[*]}" | median)")/s | |")
  if ! command -v pgbench >/dev/null || ! psql -q "$PG_URL/postgres" -c 'SELECT 1' >/dev/null 2>&1; then
    echo "ratios.sh: no PostgreSQL at $PG_URL (or no pgbench): PostgreSQL rows skipped" >&2
    return
  fi
  pg_rows ""
  if [[ -n ${DB_CORE:-} ]]; then
    pin_db "$DB_CORE"
    pg_rows ", database on core $DB_CORE, the rest on $APP_CPUS"
    unpin_db
  fi
}

# The PostgreSQL rows, $1 added to their labels.
pg_rows() {
  local pi=() pc=() wi=() wc=() bi=() bc=() url
  for r in $(seq 1 "$REPS"); do
    url=$(fresh_pg cxratios)
    cx_pg_run "$url" wrk
    wi+=("$RES_I"); wc+=("$RES_C")
    url=$(fresh_pg cxratios)
    cx_pg_run "$url" load
    pi+=("$RES_I"); pc+=("$RES_C")
    # PostgreSQL alone, on the database cxbot just filled (its schema, its tickets).
    bc+=("$(pgbench_claims "$url" "$DURATION" on_app_cores 2>>"$WORK/pgbench.log" | awk '/^tps/ {print $3}')")
    bi+=("$(on_app_cores pgbench -n -M prepared -c 8 -j 2 -T "$DURATION" -f examples/pgbench/intake.sql "$url" 2>>"$WORK/pgbench.log" | awk '/^tps/ {print $3}')")
    for v in "${bi[-1]}" "${bc[-1]}"; do [[ -n $v ]] || { cat "$WORK/pgbench.log" >&2; exit 1; }; done
    echo "  postgres$1 run $r: cxbot intake $RES_I/s claims $RES_C/s (wrk: ${wi[-1]}/s, ${wc[-1]}/s); pgbench intake ${bi[-1]}/s claims ${bc[-1]}/s" >&2
  done
  psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS cxratios WITH (FORCE)" >/dev/null
  local m1 m2 mw
  m1=$(echo "${pi[*]}" | median); m2=$(echo "${bi[*]}" | median); mw=$(echo "${wi[*]}" | median)
  ROWS+=("| PostgreSQL intake, ${DURATION} s$1 | PostgreSQL alone (pgbench, same statements) | $(fmt "$mw") / $(fmt "$m2") | **$(pct "$mw" "$m2")** | $(fmt "$m1") / $(fmt "$m2") | **$(pct "$m1" "$m2")** |")
  m1=$(echo "${pc[*]}" | median); m2=$(echo "${bc[*]}" | median); mw=$(echo "${wc[*]}" | median)
  ROWS+=("| PostgreSQL claims, ${CLAIM_S} s$1 | PostgreSQL alone (pgbench, same statements) | $(fmt "$mw") / $(fmt "$m2") | **$(pct "$mw" "$m2")** | $(fmt "$m1") / $(fmt "$m2") | **$(pct "$m1" "$m2")** |")
}

# Where a PostgreSQL claim's CPU goes (examples/PERF.md, "Ninth round"): REPS pairs, each
# on a fresh database: cxbot's claim phase as `pg_rows` takes it, sent by wrk, then
# pgbench's on that database, each settled first and lasting CLAIM_S. examples/cpu_split.py
# prints, for each, the claims a second, the machine's idle share and each process's CPU a
# claim (it reads /proc as the run goes, so pgbench's backends and wrk, which end with it,
# count too).
cpu() {
  command -v python3 >/dev/null || { echo "ratios.sh: cpu needs python3" >&2; exit 1; }
  local url perf_pid
  for r in $(seq 1 "$REPS"); do
    url=$(fresh_pg cxratios)
    start_cxbot "$url"
    prepare_claims "$url"
    perf_pid=
    if [[ ${PERF:-} == 1 ]]; then
      perf record -q -F 2000 -g -p "$CX_PID" -o "cpu.$r.perf.data" -- sleep 4 >/dev/null 2>&1 &
      perf_pid=$!
    fi
    python3 examples/cpu_split.py "pair $r, cxbot (wrk)" "$url" -- \
      wrk -t1 -c"$CONNS" -d"${CLAIM_S}s" -s examples/wrk/list.lua "$CX" -- "$WORK/claims.req"
    [[ -z $perf_pid ]] || wait "$perf_pid" || true
    stop "$CX_PID"
    pgbench_claims "$url" "$CLAIM_S" python3 examples/cpu_split.py "pair $r, pgbench" "$url" --
  done
  psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS cxratios WITH (FORCE)" >/dev/null
}

case $WHAT in
  ack) ack ;;
  db) db ;;
  cpu) cpu; exit 0 ;;
  all) ack; db ;;
  *) echo "usage: examples/ratios.sh [all|ack|db|cpu]" >&2; exit 2 ;;
esac

echo
echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); medians of $REPS alternating runs of ${DURATION} s, $CONNS connections"
echo
echo "| answer | baseline | wrk: cxbot / baseline req/s | ratio | load tool: cxbot / baseline req/s | ratio |"
echo "|---|---|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
stop "$FAKE_PID"
