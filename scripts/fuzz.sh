#!/bin/sh
# Runs every libFuzzer target in build-fuzz/fuzz for SECONDS each, starting
# from its seed corpus in fuzz/corpus/NAME (new inputs go to a scratch copy,
# so the checked-in corpus only changes by hand). Fails on the first crash.
set -eu
seconds=${1:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build-fuzz/fuzz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for target in "$bin"/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  mkdir -p "$work/$name"
  [ -d "$root/fuzz/corpus/$name" ] && cp -r "$root/fuzz/corpus/$name/." "$work/$name/"
  echo "== fuzz $name for ${seconds}s"
  if ! "$target" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
        -artifact_prefix="$work/" -print_final_stats=0 "$work/$name" >"$work/$name.log" 2>&1; then
    tail -n 40 "$work/$name.log"
    mkdir -p "$root/fuzz/artifacts"
    cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* "$root/fuzz/artifacts/" 2>/dev/null || true
    echo "fuzz $name FAILED (artifacts in fuzz/artifacts/)"
    status=1
  else
    grep -E '^#[0-9]+.*DONE' "$work/$name.log" | tail -n 1 || true
  fi
done
exit $status
