#!/usr/bin/env python3
"""Ingest throughput: posts per second from a local JSONL file, through
`junkai import` (parse, normalize, scan with the shipped packs, store items,
detections and the trigram index in SQLite), on one core.

The peer, measured in the same run: Python's sqlite3 module inserting the
same posts into a table of the same shape with the same FTS5 trigram index
(no scanning), so the ratio shows what junkai adds on top of SQLite itself.
The issue's target is at least 20,000 posts/s; this reports, it asserts
nothing.

usage: ingest.py [--posts N] [--bin PATH] [--out DIR]
"""
import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def make_posts(path, count, corpus):
    rng = random.Random(20261124)
    lines = []
    with open(corpus, encoding="utf-8", errors="replace") as f:
        for line in f:
            lines.append(line.rstrip("\n"))
            if len(lines) >= 50000:
                break
    with open(path, "w", encoding="utf-8") as f:
        for i in range(count):
            text = rng.choice(lines)[: rng.randint(30, 280)] + " #%d" % i
            f.write(json.dumps({"id": "p%d" % i, "platform": "x", "text": text},
                               ensure_ascii=False) + "\n")


def peer(path, db_path):
    if os.path.exists(db_path):
        os.unlink(db_path)
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, platform TEXT, external_id TEXT,"
               " text TEXT, UNIQUE (platform, external_id))")
    db.execute("CREATE VIRTUAL TABLE items_fts USING fts5(norm, content='', tokenize='trigram')")
    start = time.perf_counter()
    batch = 0
    with open(path, encoding="utf-8") as f:
        db.execute("BEGIN")
        for line in f:
            post = json.loads(line)
            cur = db.execute("INSERT INTO items (platform, external_id, text) VALUES (?,?,?)",
                             (post["platform"], post["id"], post["text"]))
            db.execute("INSERT INTO items_fts (rowid, norm) VALUES (?,?)",
                       (cur.lastrowid, post["text"]))
            batch += 1
            if batch == 2000:
                db.execute("COMMIT")
                db.execute("BEGIN")
                batch = 0
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=100000)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "junkai"))
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--corpus", help="text to draw posts from (default: the benchmark corpus)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    corpus = args.corpus or os.path.join(args.out, "corpus-ingest.txt")
    if not os.path.exists(corpus):
        subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py"), corpus, "20"],
                       check=True)
    posts = os.path.join(args.out, "ingest-%d.jsonl" % args.posts)
    if not os.path.exists(posts):
        make_posts(posts, args.posts, corpus)

    data = os.path.join(args.out, "ingest-data")
    shutil.rmtree(data, ignore_errors=True)
    subprocess.run([args.bin, "init", "--data", data], check=True, stdout=subprocess.DEVNULL)
    start = time.perf_counter()
    proc = subprocess.run(["taskset", "-c", "0", args.bin, "import", "--data", data, posts]
                          if shutil.which("taskset") else
                          [args.bin, "import", "--data", data, posts],
                          capture_output=True, check=True)
    junkai_s = time.perf_counter() - start
    peer_s = peer(posts, os.path.join(args.out, "ingest-peer.db"))
    print(proc.stdout.decode().strip())
    print("%-40s %8.2f s %10.0f posts/s" % ("junkai import (scan + store)", junkai_s,
                                            args.posts / junkai_s))
    print("%-40s %8.2f s %10.0f posts/s" % ("python sqlite3, same rows + FTS5 (peer)", peer_s,
                                            args.posts / peer_s))
    print("ratio junkai/peer = %.3f; junkai posts/s vs target 20000 = %.2f" %
          (peer_s / junkai_s, args.posts / junkai_s / 20000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
