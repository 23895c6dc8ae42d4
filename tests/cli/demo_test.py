#!/usr/bin/env python3
"""The demo (`make demo` = demo/run.sh): a patrol over the five bundled
sources served on loopback must fill the store with every sample post,
each once, from all five kinds of source, with no error.

usage: demo_test.py JUNKAI_BINARY
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    junkai = os.path.abspath(sys.argv[1])
    with open(os.path.join(ROOT, "samples", "posts.jsonl"), encoding="utf-8") as f:
        posts = [json.loads(l) for l in f if l.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "demo-data")
        env = dict(os.environ, JUNKAI=junkai)
        p = subprocess.run([os.path.join(ROOT, "demo", "run.sh"), data], env=env,
                           capture_output=True, timeout=300)
        out, err = p.stdout.decode(), p.stderr.decode()
        assert p.returncode == 0, (out, err)
        assert "patrol done: %d new items" % len(posts) in err, err
        assert ", 0 errors" in err, err
        for kind in ("feed", "mastodon", "misskey", "x", "board"):
            assert "\n  %-26s" % kind in out or ("  " + kind) in out, (kind, out)
        con = sqlite3.connect(os.path.join(data, "junkai.db"))
        items = con.execute("SELECT count(*) FROM items").fetchone()[0]
        platforms = dict(con.execute("SELECT platform, count(*) FROM items GROUP BY platform"))
        hit = con.execute("SELECT count(DISTINCT item_id) FROM detections").fetchone()[0]
        con.close()
        assert items == len(posts), items
        assert platforms == {"feed": 8, "mastodon": 8, "misskey": 8, "x": 8, "board": 8}, platforms
        assert hit >= 20, hit
        assert "手押し" in out  # the search at the end printed posts
        # the campaign: four posts on four platforms sharing a LINE ID and a Telegram handle
        assert "line_id yasai_tokyo (3), telegram @green_tokyo77 (2)" in out, out
        p = subprocess.run([junkai, "campaigns", "--data", data, "--format", "jsonl"],
                           capture_output=True, timeout=60)
        campaigns = [json.loads(l) for l in p.stdout.decode().splitlines()]
        assert len(campaigns) == 1 and campaigns[0]["size"] == 4, campaigns
        # the demo's workbench accounts exist, one per role
        p = subprocess.run([junkai, "user", "list", "--data", data], capture_output=True,
                           timeout=60)
        for role in ("patroller", "supervisor", "admin"):
            assert "demo-" + role in p.stdout.decode(), p.stdout
    print("demo: %d items from 5 sources, %d with hits" % (items, hit))


if __name__ == "__main__":
    main()
