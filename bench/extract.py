#!/usr/bin/env python3
"""Indicator extraction throughput: MB/s of Japanese post text through
`junkai extract --input text --format jsonl` (full-width folding,
refanging, URL/domain/e-mail/phone/messenger/wallet/bank recognition with
checksums and the public suffix list, canonical values, JSON output), on
one core. The peer, measured in the same run on the same file: ripgrep
printing every match of a regex set for the common types (URL, e-mail,
Japanese phone number, @handle), `rg -o` — a pattern search without
refanging, validation or canonical forms, so it is a floor for what a
regex-based extractor costs, not an equal.

The corpus: the benchmark's Japanese posts (make_corpus.py) with one post
in four carrying an indicator written as posts write them (defanged URLs,
full-width phone numbers, "LINE: id", wallets).

usage: extract.py [--size-mb N] [--bin PATH] [--out DIR] [--runs N]
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

SNIPPETS = [
    "詳細はこちら hxxps://login-check[.]example[.]com/verify?id={n}",
    "連絡はLINE: shop_{n}",
    "テレグラム @job_{n}",
    "お問い合わせ ０９０−{a:04d}−{b:04d}",
    "mail: info{n}@example.co.jp",
    "https://t.me/seller{n}",
    "振込先 三井住友銀行 新宿支店 普通 {c:07d}",
    "BTC bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    "サイト www.example-{n}.jp を見て",
    "LINE→ abc{n}",
]

RG_PATTERNS = [
    r"https?://[\w./?=&%:#-]+",
    r"[\w.+-]+@[\w-]+\.[\w.-]+",
    r"0[789]0-?\d{4}-?\d{4}",
    r"@[A-Za-z0-9_]{3,}",
]


def make(path, size_mb, corpus):
    rng = random.Random(11)
    with open(corpus, encoding="utf-8", errors="replace") as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    want = size_mb * 1000 * 1000
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        n = 0
        while written < want:
            text = rng.choice(lines)
            if rng.random() < 0.25:
                snip = rng.choice(SNIPPETS).format(n=n, a=rng.randint(0, 9999),
                                                   b=rng.randint(0, 9999),
                                                   c=rng.randint(0, 9999999))
                text = text[: rng.randint(10, 120)] + " " + snip
            line = text + "\n"
            out.write(line)
            written += len(line.encode())
            n += 1


def timed(cmd, out_path, runs):
    times = []
    for _ in range(runs):
        with open(out_path, "wb") as out:
            t = time.perf_counter()
            subprocess.run(cmd, stdout=out, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=50)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "junkai"))
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    corpus = os.path.join(args.out, "corpus-ingest.txt")
    if not os.path.exists(corpus):
        subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py"), corpus, "20"],
                       check=True)
    text = os.path.join(args.out, "extract-%d.txt" % args.size_mb)
    if not os.path.exists(text):
        make(text, args.size_mb, corpus)
    size = os.path.getsize(text) / 1e6
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    js = timed(pin + [args.bin, "extract", "--input", "text", "--format", "jsonl", text],
               os.path.join(args.out, "extract-junkai.jsonl"), args.runs)
    found = sum(1 for _ in open(os.path.join(args.out, "extract-junkai.jsonl"), "rb"))
    rg = shutil.which("rg")
    rgs = None
    if rg:
        cmd = pin + [rg, "-o", "--no-filename", "-j1"]
        for p in RG_PATTERNS:
            cmd += ["-e", p]
        rgs = timed(cmd + [text], os.path.join(args.out, "extract-rg.txt"), args.runs)
    print("corpus: %s, %.1f MB" % (text, size))
    print("%-44s %8.2f s %8.1f MB/s  (%d posts with indicators)" % (
        "junkai extract (1 core)", js, size / js, found))
    if rgs:
        print("%-44s %8.2f s %8.1f MB/s" % ("rg -o, 4 indicator regexes (peer)", rgs, size / rgs))
        print("ratio junkai/rg = %.2f" % (rgs / js))
    return 0


if __name__ == "__main__":
    sys.exit(main())
