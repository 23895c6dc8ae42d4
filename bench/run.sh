#!/bin/sh
# One command for the benchmark (see bench/README.md):
#   bench/run.sh [--size-mb N] [--runs N] [--bin PATH] [--memory] [--smoke]
exec python3 "$(dirname "$0")/bench.py" "$@"
