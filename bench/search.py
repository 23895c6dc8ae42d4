#!/usr/bin/env python3
"""Search over a large store: builds (once, cached in the out directory) a
store of N items with `junkai import` from generated posts, then times
`junkai search QUERY` (whole process: open, normalize the query, FTS5
trigram lookup, print up to --limit rows) for a set of queries, median of
five runs each. The peer, in the same run: `grep -c -F` over the same posts
as a JSONL file, i.e. what finding them costs without the index.

usage: search.py [--items N] [--bin PATH] [--out DIR]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from ingest import make_posts  # noqa: E402

QUERIES = ["手押し", "闇バイト", "ログイン", "やさい", "高収入", "アカウント 売ります"]


def timed(cmd, runs=5):
    times, out = [], b""
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True).stdout
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=1000000)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "junkai"))
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--limit", type=int, default=50)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    corpus = os.path.join(args.out, "corpus-ingest.txt")
    if not os.path.exists(corpus):
        subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py"), corpus, "20"],
                       check=True)
    posts = os.path.join(args.out, "ingest-%d.jsonl" % args.items)
    if not os.path.exists(posts):
        make_posts(posts, args.items, corpus)
    data = os.path.join(args.out, "search-%d" % args.items)
    if not os.path.exists(os.path.join(data, "done")):
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run([args.bin, "init", "--data", data], check=True, stdout=subprocess.DEVNULL)
        t = time.perf_counter()
        subprocess.run([args.bin, "import", "--data", data, posts], check=True)
        took = time.perf_counter() - t
        print("built a store of %d items in %.1f s (%.0f items/s)" % (args.items, took,
                                                                       args.items / took))
        open(os.path.join(data, "done"), "w").close()
    size = os.path.getsize(os.path.join(data, "junkai.db"))
    print("store: %s, %d items, %.0f MB" % (data, args.items, size / 1e6))
    print("%-22s %14s %8s %14s %8s" % ("query", "junkai search", "rows", "grep -c -F", "lines"))
    worst = 0.0
    for q in QUERIES:
        js, out = timed([args.bin, "search", "--data", data, "--limit", str(args.limit),
                         "--format", "jsonl", q])
        rows = out.count(b"\n")
        gs, gout = timed(["grep", "-c", "-F", q.split()[0], posts], runs=3)
        worst = max(worst, js)
        print("%-22s %12.1f ms %8d %12.1f ms %8s" % (q, js * 1000, rows, gs * 1000,
                                                   gout.decode().strip()))
    print("slowest junkai search: %.1f ms (target: well under 1000 ms)" % (worst * 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
