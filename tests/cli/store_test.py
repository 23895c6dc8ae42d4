#!/usr/bin/env python3
"""Integration tests of the store commands through the real binary:
`junkai init`, `import` (twice: nothing added twice), `search` (normalized
spelling finds obfuscated posts), `stats --format json`, data directory
resolution (--data, JUNKAI_DATA) and the error when no store exists.

usage: store_test.py JUNKAI_BINARY
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

BIN = None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(ROOT, "samples", "posts.jsonl")


def run(args, env=None, stdin=None):
    e = dict(os.environ)
    e.pop("JUNKAI_DATA", None)
    e.update(env or {})
    p = subprocess.run([BIN] + args, capture_output=True, env=e, input=stdin, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


class StoreCommands(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.tmp.name, "data")

    def tearDown(self):
        self.tmp.cleanup()

    def test_init_import_search_stats(self):
        rc, out, _ = run(["init", "--data", self.data])
        self.assertEqual(rc, 0)
        for name in ["junkai.db", "junkai.yaml", "evidence"]:
            self.assertTrue(os.path.exists(os.path.join(self.data, name)), name)
        rc, out, _ = run(["import", "--data", self.data, SAMPLE])
        self.assertEqual(rc, 0, out)
        self.assertIn("imported 40 new items (0 already stored)", out)
        rc, out, _ = run(["import", "--data", self.data, SAMPLE])
        self.assertIn("imported 0 new items (40 already stored)", out)

        rc, out, _ = run(["search", "--data", self.data, "--format", "jsonl", "ヤサイ"])
        self.assertEqual(rc, 0)
        ids = sorted(json.loads(l)["id"] for l in out.splitlines())
        self.assertEqual(ids, ["demo-001", "demo-037"])  # ﾔｻｲ and や.さ.い
        rc, out, _ = run(["search", "--data", self.data, "存在しない言葉"])
        self.assertEqual(rc, 1)
        self.assertEqual(out, "")

        rc, out, _ = run(["stats", "--data", self.data, "--format", "json"])
        self.assertEqual(rc, 0)
        stats = json.loads(out)
        self.assertEqual(stats["items"], 40)
        self.assertEqual(stats["runs"], 2)
        scan = subprocess.run([BIN, "scan", "--only-hits", SAMPLE], capture_output=True)
        hit_items = [json.loads(l) for l in scan.stdout.decode().splitlines()]
        self.assertEqual(stats["items_hit"], len(hit_items))
        drug = sum(1 for i in hit_items if "drug_ad" in i["categories"])
        self.assertEqual(stats["categories"]["drug_ad"], drug)
        self.assertEqual(sum(p["items"] for p in stats["platforms"]), 40)

    def test_text_import_and_env_data_dir(self):
        env = {"JUNKAI_DATA": self.data}
        self.assertEqual(run(["init"], env)[0], 0)
        rc, out, _ = run(["import", "--platform", "5ch", "-"], env,
                         "受け子募集 日給5万 即日即金\n晴れ\n".encode())
        self.assertEqual(rc, 0)
        self.assertIn("imported 2 new items", out)
        self.assertIn("1 with hits", out)
        rc, out, _ = run(["search", "--format", "jsonl", "受け子"], env)
        row = json.loads(out.splitlines()[0])
        self.assertEqual(row["platform"], "5ch")
        self.assertEqual(row["id"], "-:1")

    def test_csv_import(self):
        run(["init", "--data", self.data])
        path = os.path.join(self.tmp.name, "posts.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write('id,text,platform,url\n'
                    '1,"受け子募集, 日給5万\n即日即金",5ch,https://example.invalid/1\n'
                    '2,今日は晴れ,,\n'
                    ',id がない,,\n')
        rc, out, err = run(["import", "--data", self.data, path])
        self.assertEqual(rc, 0, err)
        self.assertIn("imported 2 new items", out)
        self.assertIn("1 with hits", out)
        self.assertIn("posts.csv: record 4:", err)
        rc, out, _ = run(["search", "--data", self.data, "--format", "jsonl", "即日即金"])
        row = json.loads(out.splitlines()[0])
        # a quoted field keeps its comma and newline
        self.assertEqual(row["text"], "受け子募集, 日給5万\n即日即金")
        self.assertEqual(row["platform"], "5ch")
        bad = os.path.join(self.tmp.name, "bad.csv")
        with open(bad, "w") as f:
            f.write("a,b\n1,2\n")
        rc, _, err = run(["import", "--data", self.data, bad])
        self.assertEqual(rc, 2)
        self.assertIn("header must name", err)
        with open(bad, "w") as f:
            f.write('id,text\n1,"unterminated\n')
        rc, _, err = run(["import", "--data", self.data, bad])
        self.assertEqual(rc, 2)
        self.assertIn("record 2", err)

    def test_tip(self):
        run(["init", "--data", self.data])
        url = "https://example.invalid/thread/123"
        rc, out, _ = run(["tip", url, "--note", "受け子募集 日給5万 即日即金の書き込み",
                          "--contact", "090-0000-0000", "--data", self.data])
        self.assertEqual(rc, 0)
        self.assertIn("registered tip", out)
        self.assertIn("rules hit", out)
        rc, out, _ = run(["tip", url, "--note", "受け子募集 日給5万 即日即金の書き込み",
                          "--data", self.data])
        self.assertIn("already registered", out)
        rc, out, _ = run(["search", "--data", self.data, "--format", "jsonl", "受け子募集"])
        row = json.loads(out.splitlines()[0])
        self.assertEqual(row["platform"], "tip")
        self.assertEqual(row["url"], url)
        stats = json.loads(run(["stats", "--data", self.data, "--format", "json"])[1])
        self.assertEqual(stats["items"], 1)
        self.assertEqual(stats["categories"]["crime_recruitment"], 1)
        rc, _, err = run(["tip", "ftp://x", "--data", self.data])
        self.assertEqual(rc, 2)
        self.assertIn("not an http(s) URL", err)

    def test_missing_store_is_a_clear_error(self):
        rc, _, err = run(["search", "--data", self.data, "x"])
        self.assertEqual(rc, 2)
        self.assertIn("junkai init", err)
        rc, _, err = run(["stats", "--data", self.data])
        self.assertEqual(rc, 2)

    def test_bad_lines_are_skipped_with_place(self):
        run(["init", "--data", self.data])
        path = os.path.join(self.tmp.name, "posts.jsonl")
        with open(path, "w") as f:
            f.write('{"id":"a","text":"一件目"}\n{broken\n{"id":"b","text":"二件目"}\n')
        rc, out, err = run(["import", "--data", self.data, path])
        self.assertEqual(rc, 0)
        self.assertIn("imported 2 new items", out)
        self.assertIn("1 lines skipped", out)
        self.assertIn("posts.jsonl:2:", err)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=1)
