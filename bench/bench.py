#!/usr/bin/env python3
"""Throughput of `junkai scan` against ripgrep and GNU grep, in one run.

All tools read the same corpus (bench/make_corpus.py) and the same terms
(`junkai rules terms`: every literal term of the loaded rule packs). grep and
ripgrep search the raw text for the terms with -F -c -f (counting matching
lines), writing to a file (GNU grep stops at the first match when its
output is /dev/null); junkai does everything
it does in production: normalization, one Hyperscan pass, rule conditions
and JSONL output of the posts that hit. Each tool runs --runs times on a
warm page cache; the median wall time is reported, with MB/s and ratios.
This is a report, not a test: no speed is asserted.

usage: bench.py [--size-mb N] [--runs N] [--bin PATH] [--out DIR] [--smoke] [--memory]
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run_timed(cmd, stdout=subprocess.DEVNULL, timeout=None):
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE, timeout=timeout)
    elapsed = time.perf_counter() - start
    # grep/rg exit 1 when nothing matched, junkai too; 2 is an error
    if proc.returncode not in (0, 1):
        sys.exit("bench: %s failed (%d): %s" % (cmd[0], proc.returncode, proc.stderr.decode()[-500:]))
    return elapsed


def median_time(cmd, runs, sink, timeout=None):
    """Output goes to a real file: GNU grep notices /dev/null and stops at
    the first match, even with -c."""
    times = []
    for _ in range(runs):
        try:
            with open(sink, "wb") as out:
                times.append(run_timed(cmd, stdout=out, timeout=timeout))
        except subprocess.TimeoutExpired:
            return None
    return statistics.median(times)


def version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=10).stdout.decode()
        return out.splitlines()[0] if out else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "not found"


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def memory_check(binary, corpus, total_mb):
    """Stream total_mb of posts into `junkai scan` through a pipe and report
    its peak resident memory: bounded memory means streaming, not slurping."""
    proc = subprocess.Popen([binary, "scan", "--input", "text", "--only-hits"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    chunk = open(corpus, "rb").read()
    sent = 0
    target = total_mb * 1024 * 1024
    while sent < target:
        piece = chunk[: target - sent]
        proc.stdin.write(piece)
        sent += len(piece)
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return sent / 1048576, usage.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=float, default=120)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "junkai"))
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--smoke", action="store_true", help="tiny corpus, one run (CI)")
    ap.add_argument("--memory", action="store_true", help="also stream 1 GB and report peak RSS")
    ap.add_argument("--grep-timeout", type=float, default=300)
    args = ap.parse_args()
    if args.smoke:
        args.size_mb, args.runs = 2, 1
    binary = os.path.abspath(args.bin)
    os.makedirs(args.out, exist_ok=True)

    corpus = os.path.join(args.out, "corpus-%gMB.txt" % args.size_mb)
    if not os.path.exists(corpus):
        subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py"), corpus,
                        str(args.size_mb)], check=True)
    size_mb = os.path.getsize(corpus) / 1048576
    terms = os.path.join(args.out, "terms.txt")
    with open(terms, "wb") as f:
        subprocess.run([binary, "rules", "terms"], stdout=f, check=True)
    term_count = sum(1 for _ in open(terms, encoding="utf-8"))
    with open(corpus, "rb") as f:  # warm the page cache
        while f.read(1 << 24):
            pass

    scan = [binary, "scan", "--input", "text", "--format", "jsonl", "--only-hits"]
    rows = []
    for name, cmd, timeout in [
        ("junkai scan --threads 1", scan + ["--threads", "1", corpus], None),
        ("junkai scan --threads 2", scan + ["--threads", "2", corpus], None),
        # -c: count matching lines (junkai writes the posts that hit)
        ("rg -F -c -f terms", ["rg", "-F", "-c", "-f", terms, corpus], None),
        ("grep -F -c -f terms", ["grep", "-F", "-c", "-f", terms, corpus], args.grep_timeout),
        # every occurrence, as junkai must find them (rg -c stops at a line's
        # first match); informative, not the target peer
        ("rg -F -o -f terms", ["rg", "-F", "-o", "-f", terms, corpus], None),
    ]:
        if shutil.which(cmd[0]) is None and not os.path.exists(cmd[0]):
            rows.append((name, None))
            continue
        env_cmd = cmd if cmd[0] != "grep" else ["env", "LC_ALL=C.UTF-8"] + cmd
        rows.append((name, median_time(env_cmd, args.runs, os.path.join(args.out, "output.tmp"),
                                       timeout)))

    # The floor: Hyperscan alone over the already-normalized corpus, with
    # the same terms normalized, doing nothing else (bench/hs_floor.c).
    floor = os.path.join(os.path.dirname(binary), "hs_floor")
    if os.path.exists(floor):
        nterms = os.path.join(args.out, "terms.normalized.txt")
        ncorpus = corpus + ".normalized"
        with open(terms, "rb") as src, open(nterms, "wb") as dst:
            subprocess.run([binary, "normalize"], stdin=src, stdout=dst, check=True)
        if not os.path.exists(ncorpus):
            with open(ncorpus, "wb") as dst:
                subprocess.run([binary, "normalize", corpus], stdout=dst, check=True)
        times = []
        for _ in range(args.runs):
            out = subprocess.run([floor, nterms, ncorpus], capture_output=True, check=True)
            times.append(float(out.stdout.decode().split(" s,")[0].rsplit(",", 1)[1]))
        rows.append(("hyperscan alone (floor)", statistics.median(times)))

    results = {"corpus_mb": round(size_mb, 1), "terms": term_count, "runs": args.runs,
               "cpu": cpu_model(), "nproc": os.cpu_count(),
               "versions": {"junkai": version([binary, "--version"]),
                            "rg": version(["rg", "--version"]),
                            "grep": version(["grep", "--version"])},
               "seconds": {}, "mb_per_s": {}}
    print("corpus %.1f MB, %d terms, median of %d run%s, %s, %d cores" %
          (size_mb, term_count, args.runs, "" if args.runs == 1 else "s", results["cpu"],
           results["nproc"]))
    print("%-26s %10s %10s" % ("tool", "seconds", "MB/s"))
    for name, t in rows:
        if t is None:
            print("%-26s %10s %10s" % (name, "> limit", "-"))
            continue
        results["seconds"][name] = round(t, 3)
        results["mb_per_s"][name] = round(size_mb / t, 1)
        print("%-26s %10.3f %10.1f" % (name, t, size_mb / t))

    s = results["seconds"]
    def ratio(a, b):
        return round(s[b] / s[a], 3) if a in s and b in s else None
    results["ratios"] = {
        "junkai_1t_vs_rg": ratio("junkai scan --threads 1", "rg -F -c -f terms"),
        "junkai_1t_vs_grep": ratio("junkai scan --threads 1", "grep -F -c -f terms"),
        "junkai_2t_vs_1t": ratio("junkai scan --threads 2", "junkai scan --threads 1"),
        "junkai_1t_vs_rg_every_match": ratio("junkai scan --threads 1", "rg -F -o -f terms"),
        "hyperscan_floor_vs_rg": ratio("hyperscan alone (floor)", "rg -F -c -f terms"),
    }
    r = results["ratios"]
    print("ratio junkai(1 thread)/rg   = %s  (target >= 0.5)" % r["junkai_1t_vs_rg"])
    print("ratio junkai(1 thread)/grep = %s" % r["junkai_1t_vs_grep"])
    print("ratio junkai(1 thread)/rg -o = %s  (every match, informative)" %
          r["junkai_1t_vs_rg_every_match"])
    print("ratio junkai 2 threads/1    = %s  (target >= 1.7)" % r["junkai_2t_vs_1t"])
    print("ratio hyperscan floor/rg    = %s  (the matcher alone, no other work)" %
          r["hyperscan_floor_vs_rg"])

    if args.memory:
        mb, rss = memory_check(binary, corpus, 1024)
        results["memory"] = {"input_mb": round(mb), "max_rss_mb": round(rss, 1)}
        print("memory: %.0f MB streamed through junkai scan, peak RSS %.1f MB" % (mb, rss))

    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
