#!/usr/bin/env python3
"""Patrol crash safety and the source commands, through the real binary.

The kill test: a patrol over a 30,000-post JSONL source is killed with
SIGKILL again and again at random moments, then run to the end. Every post
must be stored exactly once, the store must pass PRAGMA integrity_check,
and at least one kill must have landed mid-run (so the test tested
something). Also: SIGTERM stops a running patrol cleanly with its cursor
saved; a second pass over an unchanged source adds nothing; a source that
is not due is not run; bad source arguments are refused.

usage: patrol_test.py JUNKAI_BINARY
"""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

BIN = None
POSTS = 30000


def run(args):
    p = subprocess.run([BIN] + args, capture_output=True, timeout=300)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def count_items(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM items").fetchone()[0]
    finally:
        con.close()


class Patrol(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.tmp.name, "data")
        self.db = os.path.join(self.data, "junkai.db")
        self.src = os.path.join(self.tmp.name, "posts.jsonl")
        rng = random.Random(7)
        words = ["野菜", "手押し", "今日", "天気", "受け子", "募集", "ラーメン", "仕事", "駅", "即日"]
        with open(self.src, "w", encoding="utf-8") as f:
            for i in range(POSTS):
                text = " ".join(rng.choice(words) for _ in range(rng.randint(3, 12)))
                f.write(json.dumps({"id": "p%d" % i, "text": "%s #%d" % (text, i)},
                                   ensure_ascii=False) + "\n")
        self.assertEqual(run(["init", "--data", self.data])[0], 0)

    def tearDown(self):
        self.tmp.cleanup()

    def test_sigkill_at_random_moments_loses_and_duplicates_nothing(self):
        rc, out, err = run(["source", "add", "jsonl", "big", self.src, "--every", "1h",
                            "--data", self.data])
        self.assertEqual(rc, 0, err)
        rng = random.Random(11)
        partial = []
        for _ in range(8):
            before = count_items(self.db)
            p = subprocess.Popen([BIN, "patrol", "--once", "--data", self.data],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # wait until this run has committed something (start-up time
            # varies, e.g. under sanitizers), then kill at a random moment
            deadline = time.monotonic() + 60
            while p.poll() is None and count_items(self.db) == before and \
                    time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.3))
            p.send_signal(signal.SIGKILL)
            p.wait()
            n = count_items(self.db)
            partial.append(n)
            if n == POSTS:
                break
        rc, _, err = run(["patrol", "--once", "--data", self.data])
        self.assertEqual(rc, 0, err)
        self.assertTrue(any(0 < n < POSTS for n in partial),
                        "no kill landed mid-run: %s" % partial)
        con = sqlite3.connect(self.db)
        self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        self.assertEqual(con.execute("SELECT count(*) FROM items").fetchone()[0], POSTS)
        self.assertEqual(con.execute("SELECT count(DISTINCT external_id) FROM items").fetchone()[0],
                         POSTS)
        state = con.execute("SELECT state, last_run_unix FROM sources").fetchone()
        self.assertEqual(json.loads(state[0])["offset"], os.path.getsize(self.src))
        self.assertGreater(state[1], 0)
        con.close()
        # the search index holds every post exactly once as well
        rc, out, _ = run(["search", "--data", self.data, "--limit", "5", "--format", "jsonl",
                          "#29999"])
        self.assertEqual([json.loads(l)["id"] for l in out.splitlines()], ["p29999"])
        # a second pass: the source is not due (every 1h) and nothing changes
        rc, _, err = run(["patrol", "--once", "--data", self.data])
        self.assertEqual(rc, 0)
        self.assertEqual(count_items(self.db), POSTS)

    def test_sigterm_stops_cleanly_and_resumes(self):
        run(["source", "add", "jsonl", "big", self.src, "--every", "0s", "--data", self.data])
        p = subprocess.Popen([BIN, "patrol", "--data", self.data], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        time.sleep(0.3)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, err)
        self.assertIn("patrol stopped", err.decode())
        run(["patrol", "--once", "--data", self.data])
        self.assertEqual(count_items(self.db), POSTS)

    def test_terminal_shows_a_status_line_and_a_pipe_does_not(self):
        import pty
        run(["source", "add", "jsonl", "big", self.src, "--data", self.data])
        pid, fd = pty.fork()
        if pid == 0:
            os.environ["TERM"] = "xterm"
            os.execv(BIN, [BIN, "patrol", "--once", "--data", self.data])
        seen = b""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, seen)
        text = seen.decode("utf-8", "replace")
        # redrawn in place: carriage return, erase line, the counts
        self.assertIn("\r\x1b[Kpatrol: sources 0/1", text)
        self.assertRegex(text, r"patrol: sources 1/1 · items 30000 new|items 30000 new")
        self.assertIn("junkai: source big: 30000 new", text)
        # off a terminal: log lines only, no escape sequences
        run(["source", "rm", "big", "--data", self.data])
        run(["source", "add", "jsonl", "again", self.src, "--data", self.data])
        rc, _, err = run(["patrol", "--once", "--data", self.data])
        self.assertEqual(rc, 0)
        self.assertNotIn("\x1b[", err)
        self.assertIn("source again: 0 new, 30000 already stored", err)

    def test_source_commands(self):
        rc, out, _ = run(["source", "add", "jsonl", "s1", self.src, "--every", "15m",
                          "--data", self.data])
        self.assertEqual(rc, 0)
        rc, _, err = run(["source", "add", "jsonl", "s1", self.src, "--data", self.data])
        self.assertEqual(rc, 2)
        self.assertIn("already exists", err)
        rc, _, err = run(["source", "add", "rss", "s2", "http://127.0.0.1/", "--data", self.data])
        self.assertEqual(rc, 2)
        self.assertIn("unknown source kind", err)
        rc, _, err = run(["source", "add", "jsonl", "s3", self.src, "--every", "soon",
                          "--data", self.data])
        self.assertEqual(rc, 2)
        rc, _, err = run(["source", "add", "feed", "quiet", "http://127.0.0.1:9/feed.xml",
                          "--no-evidence", "--data", self.data])
        self.assertEqual(rc, 0, err)
        rc, out, _ = run(["source", "list", "--data", self.data])
        rows = [l.split("\t") for l in out.splitlines()]
        self.assertEqual(rows[0][:4], ["s1", "jsonl", self.src, "every 900s"])
        self.assertEqual([r[6] for r in rows], ["evidence", "no-evidence"])
        self.assertEqual([r[7:] for r in rows], [["not run", "", ""]] * 2)
        # a scheduled patrol records how each source's run ended: s1 reads
        # its file, "quiet" (nothing listens on port 9) fails, twice in a row
        for _ in range(3):  # s1 is due only the first time; quiet, never done, each time
            run(["patrol", "--once", "--data", self.data])
        rc, out, _ = run(["source", "list", "--data", self.data])
        rows = {l.split("\t")[0]: l.split("\t") for l in out.splitlines()}
        self.assertEqual(rows["s1"][7], "ok", rows)
        self.assertRegex(rows["s1"][9], r"^source s1: \d+ new, \d+ already stored$")
        self.assertRegex(rows["s1"][8], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(rows["quiet"][7], "failed 3 in a row", rows)
        self.assertTrue(rows["quiet"][9].startswith("error: "), rows)
        self.assertEqual(rows["quiet"][4], "never")  # no run of it completed
        self.assertEqual(run(["source", "rm", "quiet", "--data", self.data])[0], 0)
        self.assertEqual(run(["source", "rm", "s1", "--data", self.data])[0], 0)
        self.assertEqual(run(["source", "rm", "s1", "--data", self.data])[0], 2)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=1)
