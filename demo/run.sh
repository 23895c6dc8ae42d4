#!/bin/sh
# The demo patrol: serve the bundled sources on loopback (demo/server.py),
# make a fresh data directory, add one source of each network kind and run
# one patrol over them; then show what the store holds.
#   demo/run.sh [DATA_DIR]        (default: ./demo-data, recreated)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
junkai=${JUNKAI:-$root/build/junkai}
data=${1:-demo-data}
portfile=$(mktemp)
python3 "$root/demo/server.py" >"$portfile" &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$portfile"' EXIT INT TERM
i=0
while [ ! -s "$portfile" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
port=$(head -n 1 "$portfile")
[ -n "$port" ] || { echo "demo: the demo server did not start" >&2; exit 1; }
base="http://127.0.0.1:$port"

rm -rf "$data"
"$junkai" init --data "$data"
# the demo's sources are on loopback: --allow-private says that is intended
"$junkai" source add feed     demo-feed     "$base/feed.xml" --allow-private --data "$data"
"$junkai" source add mastodon demo-mastodon "$base" --query '#闇バイト' --allow-private --data "$data"
"$junkai" source add misskey  demo-misskey  "$base" --query '#大麻' --allow-private --data "$data"
"$junkai" source add x        demo-x        "$base" --query '手押し OR 闇バイト' --allow-private --data "$data"
"$junkai" source add web      demo-board    "$base/test/read.cgi/demo/1700000000/" --allow-private --data "$data"
echo "== junkai patrol --once"
JUNKAI_X_BEARER_TOKEN=${JUNKAI_X_BEARER_TOKEN:-demo-token} "$junkai" patrol --once --data "$data"
echo "== junkai stats"
"$junkai" stats --data "$data"
echo "== junkai search 手押し"
"$junkai" search --data "$data" --format text 手押し
echo "== junkai campaigns (posts joined by shared contact points)"
"$junkai" campaigns --data "$data" --format text
# Workbench accounts for the demo only (loopback, a known password): one
# per role, so every screen can be tried.
for role in patroller supervisor admin; do
  printf '%s\n' junkai-demo | "$junkai" user add "demo-$role" --role "$role" --data "$data" >/dev/null
done
echo "== workbench accounts: demo-patroller, demo-supervisor, demo-admin (password: junkai-demo)"
