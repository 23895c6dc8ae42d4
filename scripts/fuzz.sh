#!/bin/sh
# Runs every libFuzzer target in build-fuzz/fuzz for SECONDS each, starting
# from its seed corpus in fuzz/corpus/NAME (new inputs go to a scratch copy,
# so the checked-in corpus only changes by hand). Targets run JOBS at a
# time (default: the number of cores), each on one core. Fails if any
# target finds a crash, a leak, a timeout or an out-of-memory; its log and
# inputs are kept in fuzz/artifacts/.
set -eu
seconds=${1:-20}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build-fuzz/fuzz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_one() {
  target=$1
  name=$(basename "$target")
  mkdir -p "$work/$name" "$work/$name.art"
  [ -d "$root/fuzz/corpus/$name" ] && cp -r "$root/fuzz/corpus/$name/." "$work/$name/"
  if "$target" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
        -artifact_prefix="$work/$name.art/" -print_final_stats=0 "$work/$name" \
        >"$work/$name.log" 2>&1; then
    echo "== fuzz $name for ${seconds}s: $(grep -E '^#[0-9]+.*DONE' "$work/$name.log" | tail -n 1 || true)"
  else
    echo "== fuzz $name for ${seconds}s FAILED"
    tail -n 40 "$work/$name.log"
    mkdir -p "$root/fuzz/artifacts"
    cp "$work/$name.log" "$work/$name.art"/* "$root/fuzz/artifacts/" 2>/dev/null || true
    echo "fuzz $name FAILED (artifacts in fuzz/artifacts/)"
    touch "$work/failed"
  fi
}

targets=""
for target in "$bin"/fuzz_*; do
  [ -x "$target" ] && targets="$targets $target"
done
running=0
for target in $targets; do
  run_one "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait
    running=0
  fi
done
wait
[ ! -e "$work/failed" ]
