#!/bin/sh
# Load benchmark of `junkai serve`: GET /api/queue (logged in, first page
# of 50) on a store of N items (default 1,000,000), with wrk on loopback:
# 64 connections for 15 s. Reports requests/s and p99 latency (target:
# p99 < 50 ms), beside the peer measured in the same run: GET /index.html
# on the same server (HTTP and the thread pool with no store work), and the
# queue again with one store connection shared by all threads (a mutex
# around one connection) instead of one per thread.
#
# usage: bench/serve_bench.sh [--items N] [--bin PATH] [--out DIR]
#                             [--duration S] [--connections C] [--threads T]
#
# The store: OUT/search-N (built by bench/search.py, reused when present)
# is copied to OUT/serve-N once; otherwise the posts are generated with
# bench/ingest.py's generator and imported. Needs wrk and curl
# (scripts/install-deps.sh installs wrk).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
ITEMS=1000000
BIN="$ROOT/build/junkai"
OUT="$HERE/out"
DURATION=15
CONNS=64
THREADS=4
while [ $# -gt 0 ]; do
  case "$1" in
    --items) ITEMS=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "serve_bench: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "serve_bench: wrk not found: apt-get install wrk" >&2; exit 2; }
command -v curl >/dev/null || { echo "serve_bench: curl not found: apt-get install curl" >&2; exit 2; }
mkdir -p "$OUT"
DATA="$OUT/serve-$ITEMS"

if [ ! -f "$DATA/done" ]; then
  rm -rf "$DATA"
  if [ -f "$OUT/search-$ITEMS/done" ]; then
    echo "serve_bench: copying the store of $OUT/search-$ITEMS"
    cp -r "$OUT/search-$ITEMS" "$DATA"
  else
    POSTS="$OUT/ingest-$ITEMS.jsonl"
    if [ ! -f "$POSTS" ]; then
      [ -f "$OUT/corpus-ingest.txt" ] ||
        python3 "$HERE/make_corpus.py" "$OUT/corpus-ingest.txt" 20
      python3 -c "import sys; sys.path.insert(0, '$HERE'); from ingest import make_posts; \
make_posts('$POSTS', $ITEMS, '$OUT/corpus-ingest.txt')"
    fi
    "$BIN" init --data "$DATA" >/dev/null
    echo "serve_bench: importing $ITEMS posts (a few minutes for a million)"
    "$BIN" import --data "$DATA" "$POSTS"
  fi
  rm -f "$DATA/done"
  printf 'bench-password\n' | "$BIN" user add bench --role patroller --data "$DATA" >/dev/null
  touch "$DATA/done"
fi

LOG=$(mktemp)
PID=""
cleanup() {
  [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -f "$LOG" "$LOG.wrk"
}
trap cleanup EXIT INT TERM

# start_server EXTRA_ARGS…: sets PID and PORT
start_server() {
  : >"$LOG"
  "$BIN" serve --data "$DATA" --listen 127.0.0.1:0 --threads "$THREADS" "$@" >"$LOG" 2>&1 &
  PID=$!
  PORT=""
  i=0
  while [ -z "$PORT" ] && [ $i -lt 600 ]; do
    PORT=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$LOG")
    [ -n "$PORT" ] || { sleep 0.1; i=$((i + 1)); }
  done
  [ -n "$PORT" ] || { echo "serve_bench: the server did not start:" >&2; cat "$LOG" >&2; exit 1; }
}

stop_server() {
  kill -TERM "$PID"
  wait "$PID" || { echo "serve_bench: the server did not stop cleanly" >&2; exit 1; }
  PID=""
}

login() {
  COOKIE=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
    -d '{"username":"bench","password":"bench-password"}' "http://127.0.0.1:$PORT/api/session" |
    sed -n 's/^Set-Cookie: \(junkai_session=[0-9a-f]*\);.*/\1/p')
  [ -n "$COOKIE" ] || { echo "serve_bench: login failed" >&2; exit 1; }
}

# measure LABEL PATH: runs wrk, prints one line, sets RPS and P99 (ms)
measure() {
  wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -H "Cookie: $COOKIE" \
    "http://127.0.0.1:$PORT$2" >"$LOG.wrk"
  RPS=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$LOG.wrk")
  P99=$(awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
        if (u == "us") v /= 1000; else if (u == "s") v *= 1000; printf "%.2f", v }' "$LOG.wrk")
  ERRS=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$LOG.wrk")
  printf '%-44s %10s req/s   p99 %8s ms%s\n' "$1" "$RPS" "$P99" \
    "${ERRS:+   ($ERRS non-2xx!)}"
}

start_server
login
FIRST=$(curl -s -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT/api/queue" | head -c 200)
echo "serve_bench: $ITEMS items; GET /api/queue starts: $FIRST…"
echo "wrk: $CONNS connections, ${DURATION} s each, server threads $THREADS"
measure "GET /api/queue (one connection per thread)" "/api/queue"
QRPS=$RPS
QP99=$P99
measure "peer: GET /index.html (same server)" "/index.html"
SRPS=$RPS
stop_server

start_server --connections 1
login
measure "GET /api/queue (one shared connection)" "/api/queue"
MRPS=$RPS
stop_server

awk -v q="$QRPS" -v s="$SRPS" -v m="$MRPS" -v p="$QP99" 'BEGIN {
  printf "queue: %.0f req/s = %.2f x the static-file peer; %.2f x the shared-connection setup\n",
         q, q / s, q / m
  printf "p99 %.2f ms: %s the 50 ms target\n", p, (p < 50 ? "within" : "OVER")
}'
