#!/usr/bin/env python3
"""Indicators through the real binary: `junkai extract` (JSONL and text,
defanged or not, bad lines named and skipped, exit status), the
"indicators" of `junkai scan`, and the indicators `junkai import` stores
with each item.

usage: extract_test.py JUNKAI_BINARY
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

BIN = None
LINE_AT = None  # byte span of the LINE ID in post "a", computed below
POSTS = [
    {"id": "a", "text": "野菜あります 連絡はLINE: yasai_tokyo まで 090-1234-5678"},
    {"id": "b", "text": "今日はいい天気"},
    {"id": "c", "text": "高収入 テレグラム @dark_job77 詳細 hxxps://job-offer[.]example[.]com/apply"},
]


_a = POSTS[0]["text"].encode()
LINE_AT = [_a.index(b"yasai_tokyo"), _a.index(b"yasai_tokyo") + len(b"yasai_tokyo")]


def run(args, stdin=""):
    p = subprocess.run([BIN] + args, input=stdin.encode(), capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


class Extract(unittest.TestCase):
    def jsonl(self):
        return "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in POSTS)

    def test_jsonl_output_values_and_spans(self):
        rc, out, err = run(["extract", "--format", "jsonl"], self.jsonl())
        self.assertEqual(rc, 0, err)
        rows = [json.loads(l) for l in out.splitlines()]
        self.assertEqual([r["id"] for r in rows], ["a", "c"])  # b has none: not printed
        found = {(i["type"], i["value"]) for i in rows[0]["indicators"]}
        self.assertIn(("line_id", "yasai_tokyo"), found)
        self.assertIn(("phone", "+819012345678"), found)
        # spans are byte offsets into the post's own text
        text = POSTS[0]["text"].encode()
        for ind in rows[0]["indicators"]:
            if ind["type"] == "line_id":
                s, e = ind["spans"][0]
                self.assertEqual(text[s:e].decode(), "yasai_tokyo")
        found = {(i["type"], i["value"]) for i in rows[1]["indicators"]}
        self.assertIn(("telegram", "@dark_job77"), found)
        self.assertIn(("url", "https://job-offer.example.com/apply"), found)  # refanged
        self.assertIn(("domain", "job-offer.example.com"), found)

    def test_text_output_defanged(self):
        rc, out, _ = run(["extract", "--format", "text", "--defang"], self.jsonl())
        self.assertEqual(rc, 0)
        self.assertIn("(stdin):3: url hxxps://job-offer[.]example[.]com/apply", out)
        self.assertIn("(stdin):3: domain job-offer[.]example[.]com", out)
        self.assertNotIn("https://", out)

    def test_nothing_found_and_bad_lines(self):
        rc, out, _ = run(["extract"], "ただの日記\n")
        self.assertEqual((rc, out), (1, ""))
        rc, out, err = run(["extract", "--input", "jsonl"],
                           '{"id":1}\nnot json\n' + json.dumps(POSTS[0], ensure_ascii=False) + "\n")
        self.assertEqual(rc, 0)
        self.assertIn("(stdin):1: no \"text\" string; skipped", err)
        self.assertIn("(stdin):2:", err)
        self.assertEqual(json.loads(out)["line"], 3)
        rc, _, err = run(["extract", "/nonexistent/posts.txt"])
        self.assertEqual(rc, 2)
        self.assertIn("/nonexistent/posts.txt", err)

    def test_scan_prints_indicators(self):
        rc, out, _ = run(["scan", "--format", "jsonl"], self.jsonl())
        rows = [json.loads(l) for l in out.splitlines()]
        self.assertEqual(len(rows), 3)
        self.assertEqual(rows[1]["indicators"], [])
        self.assertIn({"type": "line_id", "value": "yasai_tokyo", "spans": [LINE_AT]},
                      rows[0]["indicators"])

    def test_import_stores_indicators(self):
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            posts = os.path.join(tmp, "posts.jsonl")
            with open(posts, "w", encoding="utf-8") as f:
                f.write(self.jsonl())
            self.assertEqual(run(["init", "--data", data])[0], 0)
            rc, _, err = run(["import", "--data", data, posts])
            self.assertEqual(rc, 0, err)
            con = sqlite3.connect(os.path.join(data, "junkai.db"))
            rows = con.execute("SELECT i.external_id, n.type, n.value, n.span_start, n.span_end"
                               " FROM indicators n JOIN items i ON i.id = n.item_id").fetchall()
            con.close()
            self.assertIn(("a", "line_id", "yasai_tokyo", LINE_AT[0], LINE_AT[1]), rows)
            self.assertIn(("c", "domain", "job-offer.example.com"), [r[:3] for r in rows])
            self.assertNotIn("b", [r[0] for r in rows])
            # importing again stores nothing twice
            run(["import", "--data", data, posts])
            con = sqlite3.connect(os.path.join(data, "junkai.db"))
            again = con.execute("SELECT count(*) FROM indicators").fetchone()[0]
            con.close()
            self.assertEqual(again, len(rows))


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=1)
