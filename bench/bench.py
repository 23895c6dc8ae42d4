#!/usr/bin/env python3
"""Throughput of `junkai scan` against ripgrep and GNU grep, in one run.

All tools read the same corpus (bench/make_corpus.py, cached in the out
directory) and the same terms (`junkai rules terms`: every literal term of
the loaded rule packs, as written). grep and ripgrep search the raw text
with -F -f; junkai does everything it does in production: normalization,
one Hyperscan pass finding every term, rule conditions, and JSONL for the
posts that hit. Each tool runs --runs times (round robin) on a warm page
cache; the median wall time is reported with MB/s, CPU time, peak RSS and
throughput ratios. This is a report, not a test: no speed is asserted.

usage: bench.py [--size-mb N] [--runs N] [--bin PATH] [--out DIR] [--seed N]
                [--smoke] [--memory [--memory-mb N]] [--grep-timeout S]
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MB = 1048576.0


def die(msg):
    print("bench: " + msg, file=sys.stderr)
    sys.exit(2)


class Tool:
    """One row of the table: a command, how to read its output, its runs."""

    def __init__(self, key, label, cmd, sink, env=None, timeout=None, count=None):
        self.key, self.label, self.cmd, self.sink = key, label, cmd, sink
        self.env, self.timeout, self.count = env, timeout, count
        self.walls, self.cpus, self.rss = [], [], []
        self.timed_out = False
        self.output = None  # what the tool found, read from its output

    def run(self):
        """One run: wall time, user+sys CPU (wait4) and peak RSS. Output
        goes to a real file: GNU grep notices /dev/null and stops at the
        first match."""
        if self.timed_out:
            return
        cmd, rss_file = rss_wrap(self.cmd, self.sink + ".rss")
        with open(self.sink, "wb") as out:
            start = time.perf_counter()
            # its own process group, so a timeout kills the tool and not
            # only /usr/bin/time around it
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=self.env,
                                    start_new_session=True)
            timer = None
            killed = []

            def kill():
                killed.append(True)
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if self.timeout:
                timer = threading.Timer(self.timeout, kill)
                timer.start()
            err = proc.stderr.read()
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            proc.stderr.close()
            if timer:
                timer.cancel()
        if killed:
            self.timed_out = True
            return
        # rg, grep and junkai all exit 1 when nothing matched; 2 is an error
        if proc.returncode not in (0, 1):
            die("%s failed (exit %d): %s" % (" ".join(self.cmd), proc.returncode,
                                            err.decode(errors="replace")[-800:]))
        self.walls.append(wall)
        self.cpus.append(usage.ru_utime + usage.ru_stime)
        self.rss.append(read_rss(rss_file, usage))
        if self.count and self.output is None:
            self.output = self.count(self.sink)

    @property
    def seconds(self):
        return statistics.median(self.walls) if self.walls else None


# Peak RSS. A child's ru_maxrss from wait4() is useless here: Linux carries
# the parent's high-water mark across fork and exec, so every tool would
# report at least this Python process's size. /usr/bin/time (Debian
# package: time) forks the tool from its own small process and reports the
# tool's true peak; without it, Python's high-water mark is reset first
# (/proc/self/clear_refs) and the figure is an upper bound.
TIME_BIN = "/usr/bin/time"
HAVE_TIME = False
try:
    HAVE_TIME = subprocess.run([TIME_BIN, "-f", "%M", "true"], capture_output=True,
                               timeout=10).returncode == 0
except (OSError, subprocess.TimeoutExpired):
    pass
RSS_SOURCE = ("/usr/bin/time" if HAVE_TIME else
              "wait4, an upper bound (install the Debian package time for exact figures)")


def rss_wrap(cmd, rss_file):
    if HAVE_TIME:
        return [TIME_BIN, "-f", "%M", "-o", rss_file] + cmd, rss_file
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    return cmd, None


def read_rss(rss_file, usage):
    """Peak RSS in MB."""
    if rss_file:
        try:
            with open(rss_file) as f:
                kb = f.read().split()[-1]
            os.remove(rss_file)
            return int(kb) / 1024.0
        except (OSError, ValueError, IndexError):
            pass
    return usage.ru_maxrss / 1024.0


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        while True:
            block = f.read(1 << 20)
            if not block:
                return n
            n += block.count(b"\n")


def read_count(path):
    """rg/grep -c and rg --count-matches on one file print one number."""
    with open(path) as f:
        text = f.read().strip()
    return int(text) if text.isdigit() else 0


def version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=10).stdout.decode()
        return out.splitlines()[0].strip() if out.strip() else "?"
    except (OSError, subprocess.TimeoutExpired):
        return "not found"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def corpus_key(seed):
    """The cache key: the generator's code and its slang input. The real
    text (manpages-ja) is taken as the installed package gives it."""
    h = hashlib.sha1()
    for path in (os.path.join(HERE, "make_corpus.py"),
                 os.path.join(ROOT, "..", "shared", "domain", "SLANG.md")):
        try:
            with open(path, "rb") as f:
                h.update(f.read())
        except OSError:
            pass
    return "s%d-%s" % (seed, h.hexdigest()[:8])


def build_corpus(out_dir, size_mb, seed):
    key = corpus_key(seed)
    prefix = "corpus-%gMB-" % size_mb
    corpus = os.path.join(out_dir, "%s%s.txt" % (prefix, key))
    if os.path.exists(corpus):
        print("corpus: cached %s" % corpus, file=sys.stderr)
        return corpus
    for name in os.listdir(out_dir):  # same size, older generator or seed
        if name.startswith(prefix) and name.endswith(".txt"):
            os.remove(os.path.join(out_dir, name))
    start = time.perf_counter()
    subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py"), corpus, str(size_mb),
                    "--seed", str(seed)], check=True)
    print("corpus: built in %.1f s" % (time.perf_counter() - start), file=sys.stderr)
    return corpus


def stream_rss(binary, rules_arg, corpus, total_mb, threads, out_dir):
    """Stream total_mb of posts (the corpus, repeated) through a pipe into
    `junkai scan` and return (MB sent, seconds, peak RSS MB). Bounded
    memory means streaming, not slurping: the peak must not grow with the
    input."""
    cmd, rss_file = rss_wrap([binary, "scan"] + rules_arg +
                             ["--input", "text", "--format", "jsonl", "--only-hits",
                              "--threads", str(threads)],
                             os.path.join(out_dir, "memory.rss"))
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:  # a larger pipe: fewer round trips between writer and reader
        import fcntl
        fcntl.fcntl(proc.stdin.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass
    # stderr drained on the side so a chatty junkai cannot block the pipe
    err = []
    drain = threading.Thread(target=lambda: err.append(proc.stderr.read()))
    drain.start()
    target = int(total_mb * MB)
    sent = 0
    start = time.perf_counter()
    try:
        with open(corpus, "rb") as src:
            while sent < target:
                block = src.read(min(1 << 20, target - sent))
                if not block:
                    src.seek(0)
                    continue
                proc.stdin.write(block)
                sent += len(block)
        proc.stdin.close()
    except BrokenPipeError:
        pass
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    drain.join()
    rc = os.waitstatus_to_exitcode(status)
    if rc not in (0, 1):
        die("memory run failed (exit %d): %s" % (rc, b"".join(err).decode(errors="replace")[-800:]))
    return sent / MB, wall, read_rss(rss_file, usage)


def run_to(cmd, path, stdin_path=None):
    """Run cmd with its output in path; a failure ends the benchmark."""
    with open(path, "wb") as out:
        src = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        try:
            proc = subprocess.run(cmd, stdin=src, stdout=out, stderr=subprocess.PIPE)
        finally:
            if stdin_path:
                src.close()
    if proc.returncode != 0:
        die("%s failed (exit %d): %s" % (" ".join(cmd), proc.returncode,
                                        proc.stderr.decode(errors="replace")[-800:]))


def fmt_ratio(num, den, bound=""):
    """Throughput ratio of tool a to tool b = b's time / a's time."""
    if num is None or den is None:
        return None
    return bound + "%.3f" % (num / den)


def main():
    ap = argparse.ArgumentParser(description="junkai scan against ripgrep and grep")
    ap.add_argument("--size-mb", type=float, default=120, help="corpus size (default 120)")
    ap.add_argument("--runs", type=int, default=3, help="runs per tool, median reported")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "junkai"))
    ap.add_argument("--out", default=os.path.join(HERE, "out"),
                    help="corpus cache and results (default bench/out)")
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--smoke", action="store_true", help="2 MB, one run: what CI runs")
    ap.add_argument("--memory", action="store_true",
                    help="also stream --memory-mb through a pipe and report peak RSS")
    ap.add_argument("--memory-mb", type=float, default=1024)
    ap.add_argument("--grep-timeout", type=float, default=300,
                    help="seconds before a grep run is abandoned (default 300)")
    ap.add_argument("--floor", help="hs_floor binary (default: beside --bin)")
    ap.add_argument("--rules", action="append",
                    help="rule pack file or directory (repeatable; default: the shipped "
                         "packs in rules/)")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # in order with stderr in logs
    if args.smoke:
        args.size_mb, args.runs = 2, 1
    if args.runs < 1 or args.size_mb <= 0:
        die("--runs and --size-mb must be positive")
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        die("no junkai binary at %s (build it: make build, or pass --bin)" % binary)
    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)

    # The packs are copied once and every junkai command loads the copy:
    # the terms grep and rg get and the rules junkai runs stay the same
    # even if someone edits rules/ while the benchmark runs.
    snapshot = os.path.join(out_dir, "rules")
    shutil.rmtree(snapshot, ignore_errors=True)
    os.makedirs(snapshot)
    sources = args.rules or [os.path.join(ROOT, "rules")]
    for i, src in enumerate(sources):
        if os.path.isdir(src):
            names = sorted(n for n in os.listdir(src) if n.endswith((".yaml", ".yml")))
            paths = [os.path.join(src, n) for n in names]
        elif os.path.isfile(src):
            paths = [src]
        else:
            die("no rule pack at %s" % src)
        for path in paths:
            name = os.path.basename(path)
            if len(sources) > 1:  # keep packs of the same name apart
                name = "%02d-%s" % (i, name)
            shutil.copyfile(path, os.path.join(snapshot, name))
    pack_count = len(os.listdir(snapshot))
    if pack_count == 0:
        die("no rule packs found")
    rules_arg = ["--rules", snapshot]

    corpus = build_corpus(out_dir, args.size_mb, args.seed)
    corpus_bytes = os.path.getsize(corpus)
    size_mb = corpus_bytes / MB
    posts = count_lines(corpus)

    # Terms as the rule authors wrote them, for grep and rg -f. An empty
    # line would make grep -F match every line, so it is reported and
    # dropped rather than handed over.
    terms_raw = os.path.join(out_dir, "terms.txt")
    run_to([binary, "rules", "terms"] + rules_arg, terms_raw)
    with open(terms_raw, "rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    empty = sum(1 for t in lines if not t.strip())
    terms_list = [t for t in lines if t.strip()]
    if empty:
        print("bench: warning: `junkai rules terms` printed %d empty line(s); dropped" % empty,
              file=sys.stderr)
        with open(terms_raw, "wb") as f:
            f.write(b"".join(t + b"\n" for t in terms_list))
    term_count = len(terms_list)
    if term_count == 0:
        die("`junkai rules terms` printed no terms")
    distinct = len(set(terms_list))

    rg = shutil.which("rg")
    grep = shutil.which("grep")
    sink = lambda name: os.path.join(out_dir, "output-%s.tmp" % name)  # noqa: E731
    scan = [binary, "scan"] + rules_arg + ["--input", "text", "--format", "jsonl", "--only-hits"]
    empty_input = os.path.join(out_dir, "empty.txt")
    open(empty_input, "wb").close()
    tools = [
        # what every junkai row pays before the first post: loading the
        # packs and compiling the Hyperscan database
        Tool("junkai_startup", "junkai scan, empty input", scan + ["--threads", "1", empty_input],
             sink("junkai-0")),
        Tool("junkai_1t", "junkai scan --threads 1", scan + ["--threads", "1", corpus],
             sink("junkai-1"), count=count_lines),
        Tool("junkai_2t", "junkai scan --threads 2", scan + ["--threads", "2", corpus],
             sink("junkai-2"), count=count_lines),
    ]
    if rg:
        # -c: matching lines counted; like grep, rg stops at a line's
        # first match. ripgrep searches a single file on one thread.
        tools.append(Tool("rg", "rg -F -c -f terms", [rg, "-F", "-c", "-f", terms_raw, corpus],
                          sink("rg"), count=read_count))
    if grep:
        env = dict(os.environ, LC_ALL="C.UTF-8")
        tools.append(Tool("grep", "grep -F -c -f terms",
                          [grep, "-F", "-c", "-f", terms_raw, corpus], sink("grep"), env=env,
                          timeout=args.grep_timeout, count=read_count))
    if rg:
        # every occurrence, as junkai must find them for `near` and `N of`
        # conditions: context, not the target peer
        tools.append(Tool("rg_every", "rg -F --count-matches",
                          [rg, "-F", "--count-matches", "-f", terms_raw, corpus],
                          sink("rg-every"), count=read_count))

    # The floor: Hyperscan alone over the already-normalized corpus with
    # the normalized terms, finding every occurrence, doing nothing else
    # (bench/hs_floor.c). Rebuilt each run: the normalizer may have changed.
    floor_bin = args.floor or os.path.join(os.path.dirname(binary), "hs_floor")
    nterms = os.path.join(out_dir, "terms.normalized.txt")
    ncorpus = os.path.join(out_dir, "corpus.normalized.txt")
    run_to([binary, "normalize"], nterms, stdin_path=terms_raw)
    run_to([binary, "normalize", corpus], ncorpus)
    floor = None
    if os.access(floor_bin, os.X_OK):
        floor = {"walls": [], "matches": None, "cmd": [floor_bin, nterms, ncorpus]}
    # The lower bound: what the cheapest conceivable junkai would pay,
    # normalizing every post (in-process, no I/O: bench/normalize_speed.c)
    # and then only asking whether any term occurs in it (ripgrep's line
    # search over the normalized text) — less than junkai must do.
    norm_bin = os.path.join(os.path.dirname(floor_bin), "normalize_speed")
    norm = None
    if os.access(norm_bin, os.X_OK):
        # best of 3 rounds: the first pass over a fresh buffer runs slower
        norm = {"walls": [], "cmd": [norm_bin, corpus, "3", "--text-only"]}
    if rg:
        tools.append(Tool("rg_normalized", "rg -F -c, normalized text",
                          [rg, "-F", "-c", "-f", nterms, ncorpus], sink("rg-normalized"),
                          count=read_count))

    # Other work on the machine skews every row (a 2-core builder running
    # fuzzers, say): the load is recorded and a busy machine is flagged.
    load_before = os.getloadavg()[0]

    with open(corpus, "rb") as f:  # warm the page cache
        while f.read(1 << 24):
            pass

    for _ in range(args.runs):  # round robin: drift hits every tool alike
        for tool in tools:
            tool.run()
        if floor:
            out = subprocess.run(floor["cmd"], capture_output=True, check=True).stdout.decode()
            # "hyperscan floor: N terms, M matches, S s, R MB/s" (time in-process,
            # after compiling and loading)
            fields = [f.strip() for f in out.split(":", 1)[1].split(",")]
            floor["matches"] = int(fields[1].split()[0])
            floor["walls"].append(float(fields[2].split()[0]))
        if norm:
            out = subprocess.run(norm["cmd"], capture_output=True, check=True).stdout.decode()
            # "text only  R MB/s  (… best of 3: S s)": the normalizer alone
            line = next(ln for ln in out.splitlines() if ln.startswith("text only"))
            norm["walls"].append(float(line.rsplit(":", 1)[1].split()[0]))

    same_output = None
    j1, j2 = tools[1], tools[2]
    if j1.walls and j2.walls:
        with open(j1.sink, "rb") as a, open(j2.sink, "rb") as b:
            same_output = a.read() == b.read()

    # ------------------------------------------------------------- report
    versions = {"junkai": version([binary, "--version"]),
                "rg": version(["rg", "--version"]) if rg else "not found",
                "grep": version(["grep", "--version"]) if grep else "not found"}
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    machine = "%s, %d cores (%d usable), %s %s %s" % (cpu_model(), os.cpu_count(), usable,
                                                     platform.system(), platform.release(),
                                                     platform.machine())
    print("junkai scan benchmark, %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M"))
    print("machine  %s" % machine)
    print("tools    %s; %s; %s; python %s" % (versions["junkai"], versions["rg"], versions["grep"],
                                               platform.python_version()))
    print("corpus   %s: %.1f MB, %d posts (seed %d)" % (os.path.basename(corpus), size_mb, posts,
                                                        args.seed))
    print("terms    %d from `junkai rules terms` (%d distinct) of %d packs (copied to %s), "
          "given to rg and grep as -F -f" % (term_count, distinct, pack_count,
                                            os.path.relpath(snapshot, out_dir) + "/"))
    print("runs     median of %d, warm page cache; rg searches one file on one thread"
          % args.runs)
    print("RSS      peak resident set size, via %s" % RSS_SOURCE)
    load_after = os.getloadavg()[0]
    busy = []
    if load_before > 0.5 * usable:
        busy.append("load average %.1f on %d usable cores before the run" % (load_before, usable))
    for tool in tools[1:2]:  # one thread: its wall time should be its CPU time
        if tool.walls and tool.seconds > 1.15 * statistics.median(tool.cpus) + 0.05:
            busy.append("junkai on one thread got %.0f%% of a core"
                        % (100 * statistics.median(tool.cpus) / tool.seconds))
    if busy:
        print("WARNING  the machine was busy (%s): timings are unreliable"
              % "; ".join(busy))
    print()
    print("%-28s %9s %8s %8s %8s  %s" % ("tool", "median s", "MB/s", "CPU s", "RSS MB",
                                         "found"))
    rows = {}
    for tool in tools:
        found = ""
        if tool.key.startswith("junkai") and tool.output is not None:
            found = "%d posts hit" % tool.output
            if tool.key == "junkai_2t" and same_output is not None:
                found += " (output %s 1 thread's)" % ("identical to" if same_output
                                                      else "DIFFERS from")
        elif tool.key in ("rg", "grep") and tool.output is not None:
            found = "%d lines match" % tool.output
        elif tool.key == "rg_normalized" and tool.output is not None:
            found = "%d lines match" % tool.output
        elif tool.key == "rg_every" and tool.output is not None:
            found = "%d matches" % tool.output
        if tool.timed_out:
            print("%-28s %9s %8s %8s %8s  %s" % (tool.label, "> %g" % args.grep_timeout,
                                                 "< %.1f" % (size_mb / args.grep_timeout), "-",
                                                 "-", "abandoned after %g s" % args.grep_timeout))
            rows[tool.key] = {"label": tool.label, "command": tool.cmd, "seconds": None,
                              "timed_out_after": args.grep_timeout}
            continue
        if not tool.walls:
            continue
        t = tool.seconds
        if tool.key == "junkai_startup":
            print("%-28s %9.3f %8s %8.2f %8.1f  %s" % (tool.label, t, "-",
                                                       statistics.median(tool.cpus),
                                                       max(tool.rss), "loading and compiling "
                                                       "the packs, included below"))
            rows[tool.key] = {"label": tool.label, "command": tool.cmd, "seconds": round(t, 4),
                              "max_rss_mb": round(max(tool.rss), 1)}
            continue
        cpu = statistics.median(tool.cpus)
        rss = max(tool.rss)
        print("%-28s %9.3f %8.1f %8.2f %8.1f  %s" % (tool.label, t, size_mb / t, cpu, rss,
                                                     found))
        rows[tool.key] = {"label": tool.label, "command": tool.cmd, "seconds": round(t, 4),
                          "runs": [round(w, 4) for w in tool.walls],
                          "mb_per_s": round(size_mb / t, 1), "cpu_seconds": round(cpu, 3),
                          "max_rss_mb": round(rss, 1), "found": tool.output}
    if floor and floor["walls"]:
        t = statistics.median(floor["walls"])
        print("%-28s %9.3f %8.1f %8s %8s  %d matches (normalized text)" % (
            "hyperscan alone (floor)", t, size_mb / t, "-", "-", floor["matches"]))
        rows["floor"] = {"label": "hyperscan alone (floor)", "command": floor["cmd"],
                         "seconds": round(t, 4), "mb_per_s": round(size_mb / t, 1),
                         "found": floor["matches"]}

    if norm and norm["walls"]:
        t = statistics.median(norm["walls"])
        print("%-28s %9.3f %8.1f %8s %8s  %s" % ("normalizer alone", t, size_mb / t, "-", "-",
                                                 "in-process, no I/O, best of 3"))
        rows["normalize"] = {"label": "normalizer alone", "command": norm["cmd"],
                             "seconds": round(t, 4), "mb_per_s": round(size_mb / t, 1)}

    def secs(key):
        return rows.get(key, {}).get("seconds")

    bound = None
    if secs("normalize") and secs("rg_normalized"):
        bound = secs("normalize") + secs("rg_normalized")

    grep_bound = ""
    grep_secs = secs("grep")
    if rows.get("grep", {}).get("timed_out_after"):
        grep_secs, grep_bound = args.grep_timeout, "> "
    ratios = {
        "junkai_1t_vs_rg": fmt_ratio(secs("rg"), secs("junkai_1t")),
        "junkai_1t_vs_grep": fmt_ratio(grep_secs, secs("junkai_1t"), grep_bound),
        "junkai_2t_vs_1t": fmt_ratio(secs("junkai_1t"), secs("junkai_2t")),
        "junkai_1t_vs_rg_every_match": fmt_ratio(secs("rg_every"), secs("junkai_1t")),
        "floor_vs_rg": fmt_ratio(secs("rg"), secs("floor")),
        "lower_bound_vs_rg": fmt_ratio(secs("rg"), bound),
    }
    na = "n/a"
    print()
    print("ratios (throughput; > 1 means the first is faster)")
    print("ratio junkai 1 thread / rg         = %s   target >= 0.5"
          % (ratios["junkai_1t_vs_rg"] or na))
    print("ratio junkai 1 thread / grep       = %s" % (ratios["junkai_1t_vs_grep"] or na))
    print("ratio junkai 2 threads / 1 thread  = %s   target >= 1.7"
          % (ratios["junkai_2t_vs_1t"] or na))
    print("context junkai 1 thread / rg every match = %s   (rg --count-matches)"
          % (ratios["junkai_1t_vs_rg_every_match"] or na))
    print("context hyperscan floor / rg       = %s   (the matcher alone, normalized text)"
          % (ratios["floor_vs_rg"] or na))
    print("context lower bound / rg           = %s   (normalizer alone + rg on the normalized"
          " text)" % (ratios["lower_bound_vs_rg"] or na))

    memory = None
    if args.memory:
        memory = []
        print()
        for threads in (1, 2):
            mb, wall, rss = stream_rss(binary, rules_arg, corpus, args.memory_mb, threads,
                                       out_dir)
            file_rss = rows.get("junkai_%dt" % threads, {}).get("max_rss_mb")
            memory.append({"threads": threads, "input_mb": round(mb, 1),
                           "seconds": round(wall, 2), "max_rss_mb": round(rss, 1),
                           "max_rss_mb_on_corpus": file_rss})
            print("memory   junkai scan --threads %d: %.0f MB through a pipe (%.1f s), "
                  "peak RSS %.1f MB; on the %.0f MB corpus file: %s MB"
                  % (threads, mb, wall, rss, size_mb,
                     "%.1f" % file_rss if file_rss is not None else "?"))

    results = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpu": cpu_model(), "nproc": os.cpu_count(), "usable_cpus": usable,
                    "kernel": platform.release(), "arch": platform.machine()},
        "versions": versions,
        "corpus": {"path": corpus, "mb": round(size_mb, 2), "bytes": corpus_bytes,
                   "posts": posts, "seed": args.seed},
        "terms": {"count": term_count, "distinct": distinct, "empty_dropped": empty,
                  "packs": pack_count, "rules_snapshot": snapshot},
        "runs": args.runs,
        "load_average": {"before": round(load_before, 2), "after": round(load_after, 2)},
        "busy_warnings": busy,
        "tools": rows,
        "ratios": {k: (float(v.lstrip("> ")) if v else None) for k, v in ratios.items()},
        "grep_timed_out": bool(grep_bound),
        "junkai_output_identical_across_threads": same_output,
        "memory": memory,
        "rss_source": RSS_SOURCE,
        "targets": {"junkai_1t_vs_rg": 0.5, "junkai_2t_vs_1t": 1.7},
    }
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=2, ensure_ascii=False)
        f.write("\n")
    for tool in tools:  # outputs can be large; the counts are kept above
        try:
            os.remove(tool.sink)
        except OSError:
            pass
    print("\nresults: %s" % os.path.join(out_dir, "results.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
