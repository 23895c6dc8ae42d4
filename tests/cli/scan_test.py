#!/usr/bin/env python3
"""Integration tests of `junkai scan` and `junkai rules`, driving the real
binary as a user would: exit codes, JSONL shape, byte-offset spans, bad
input handling, threads, filters.

usage: scan_test.py JUNKAI_BINARY
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

BIN = None
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PACK = os.path.join(ROOT, "tests", "data", "scan", "pack.yaml")
BAD_PACK = os.path.join(ROOT, "tests", "data", "scan", "bad.yaml")


def run(args, stdin=None):
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def scan(args, stdin):
    return run(["scan", "--rules", PACK] + args, stdin.encode("utf-8"))


def jsonl(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


class ScanTest(unittest.TestCase):
    def test_exit_codes_like_grep(self):
        rc, out, _ = scan([], "野菜あります 手押し\n")
        self.assertEqual(rc, 0)
        rc, out, _ = scan([], "今日は晴れ\n")
        self.assertEqual(rc, 1)
        rc, _, err = run(["scan", "--rules", PACK, "/nonexistent/posts.txt"])
        self.assertEqual(rc, 2)
        self.assertIn("/nonexistent/posts.txt", err)

    def test_text_input_object_and_hit_fields(self):
        rc, out, _ = scan(["--input", "text"], "a\n野菜あります 手押し\n")
        self.assertEqual(rc, 0)
        items = jsonl(out)
        self.assertEqual([i["line"] for i in items], [1, 2])
        self.assertEqual(items[0]["hits"], [])
        hit = items[1]["hits"][0]
        self.assertEqual(hit["rule"], "drug_ad.test.vegetables_hand")
        self.assertEqual(hit["category"], "drug_ad")
        self.assertEqual(set(hit["terms"]), {"野菜", "手押し"})
        self.assertAlmostEqual(hit["score"], 0.8 * 0.9, places=3)
        self.assertAlmostEqual(items[1]["categories"]["drug_ad"], 0.72, places=3)

    def test_spans_are_byte_offsets_into_the_original(self):
        text = "★★ ﾔｻｲ あります、手 押 し OK"
        rc, out, _ = scan([], json.dumps({"id": "p1", "text": text}, ensure_ascii=False) + "\n")
        self.assertEqual(rc, 0, out)
        item = jsonl(out)[0]
        raw = text.encode("utf-8")
        pieces = [raw[s:e].decode("utf-8") for s, e in item["hits"][0]["spans"]]
        self.assertEqual(pieces, ["ﾔｻｲ", "手 押 し"])

    def test_jsonl_fields_pass_through(self):
        post = {"id": 7, "text": "受け子 高額", "author": "x", "meta": {"n": [1, 2]}, "hits": "old"}
        rc, out, _ = scan([], json.dumps(post, ensure_ascii=False) + "\n")
        self.assertEqual(rc, 0)
        item = jsonl(out)[0]
        self.assertEqual(item["id"], 7)
        self.assertEqual(item["author"], "x")
        self.assertEqual(item["meta"], {"n": [1, 2]})
        self.assertEqual(item["hits"][0]["rule"], "crime_recruitment.test.ukeko")

    def test_bad_jsonl_lines_are_reported_and_skipped(self):
        lines = [
            json.dumps({"id": "a", "text": "受け子 即金"}, ensure_ascii=False),
            "{not json",
            json.dumps({"id": "b"}),
            json.dumps({"id": "c", "text": "出し子 日払い"}, ensure_ascii=False),
        ]
        rc, out, err = scan(["--input", "jsonl"], "\n".join(lines) + "\n")
        self.assertEqual(rc, 0)
        self.assertEqual([i["id"] for i in jsonl(out)], ["a", "c"])
        self.assertIn("(stdin):2:", err)
        self.assertIn("(stdin):3:", err)
        self.assertIn("\"text\"", err)
        self.assertIn("skipped 2 unreadable lines (first at (stdin):2)", err)

    def test_exclusion_and_word_boundary(self):
        rc, out, _ = scan(["--only-hits"], "家庭菜園の野菜 即日\nadmin が儲かる\nDMで儲かる\n")
        items = jsonl(out)
        self.assertEqual(len(items), 1)
        self.assertEqual(items[0]["line"], 3)

    def test_filters(self):
        text = "受け子 即金\n野菜 手押し\n儲かる DM\n"
        rc, out, _ = scan(["--only-hits", "--category", "drug_ad,fraud"], text)
        self.assertEqual(sorted(i["line"] for i in jsonl(out)), [2, 3])
        rc, out, _ = scan(["--only-hits", "--min-score", "0.5"], text)
        self.assertEqual(sorted(i["line"] for i in jsonl(out)), [1, 2])
        rc, out, _ = scan(["--only-hits", "--category", "threat"], text)
        self.assertEqual(rc, 1)
        self.assertEqual(out, "")
        rc, _, err = scan(["--category", "nope"], text)
        self.assertEqual(rc, 2)
        self.assertIn("nope", err)

    def test_threads_keep_order_and_output(self):
        lines = []
        for i in range(20000):
            lines.append(["野菜 手押し %d" % i, "普通の投稿 %d" % i, "受け子 高額 %d" % i][i % 3])
        data = "\n".join(lines) + "\n"
        rc1, out1, _ = scan(["--threads", "1"], data)
        rc2, out2, _ = scan(["--threads", "3"], data)
        self.assertEqual(rc1, 0)
        self.assertEqual(out1, out2)
        self.assertEqual(len(out1.splitlines()), 20000)

    def test_stats(self):
        rc, _, err = scan(["--stats", "--only-hits"], "受け子 即金\n野菜 手押し\n晴れ\n")
        self.assertIn("items: 3, with hits: 2", err)
        self.assertRegex(err, r"drug_ad\s+1")

    def test_text_format_highlights(self):
        rc, out, _ = scan(["--format", "text", "--color", "never"], "野菜あります 手押し\n")
        self.assertIn("【野菜】あります 【手押し】", out)
        self.assertIn("drug_ad.test.vegetables_hand", out)
        rc, out, _ = scan(["--format", "text", "--color", "always"], "野菜 手押し\n")
        self.assertIn("\033[1;31m野菜\033[0m", out)

    def test_invalid_utf8_does_not_break_output(self):
        rc, out, _ = run(["scan", "--rules", PACK], b"\xff\xfe \xe9\x87\x8e\xe8\x8f\x9c \xe6\x89\x8b\xe6\x8a\xbc\xe3\x81\x97\n")
        self.assertEqual(rc, 0)
        item = jsonl(out)[0]
        self.assertEqual(item["hits"][0]["spans"], [[3, 9], [10, 19]])

    def test_overlong_line_is_skipped_and_run_goes_on(self):
        with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as f:
            f.write("受け子 即金\n".encode())
            f.write(b"x" * (4 * 1024 * 1024 + 1) + b"\n")
            f.write("野菜 手押し\n".encode())
            path = f.name
        try:
            rc, out, err = run(["scan", "--rules", PACK, "--only-hits", path])
            self.assertEqual(rc, 0)
            self.assertEqual([i["line"] for i in jsonl(out)], [1, 3])
            self.assertIn(":2: line longer than", err)
        finally:
            os.unlink(path)

    def test_broken_pack_is_an_error_naming_the_place(self):
        rc, _, err = run(["rules", "check", BAD_PACK])
        self.assertEqual(rc, 2)
        self.assertRegex(err, r"bad\.yaml:7:\d+: .*drugs")
        rc, out, err = run(["scan", "--rules", BAD_PACK, "--rules", PACK], "野菜 手押し\n".encode())
        self.assertEqual(rc, 2)  # an error happened, even though the good pack scanned
        self.assertEqual(len(jsonl(out)[0]["hits"]), 1)

    def test_unbuildable_regex_named_and_skipped(self):
        # scans only parse regexes at load (start-up time); one that parses
        # but cannot be built still costs only its own pack, named by place
        bad = os.path.join(ROOT, "tests", "data", "scan", "unbuildable.yaml")
        where = r"unbuildable\.yaml:17:18: bad regular expression: Pattern is too large"
        rc, _, err = run(["rules", "check", bad])
        self.assertEqual(rc, 2)
        self.assertRegex(err, where)
        rc, out, err = run(["scan", "--rules", bad, "--rules", PACK], "野菜 手押し\n".encode())
        self.assertEqual(rc, 2)
        self.assertRegex(err, where)
        self.assertEqual([h["rule"] for h in jsonl(out)[0]["hits"]],
                         ["drug_ad.test.vegetables_hand"])

    def test_rules_test_runs_examples(self):
        rc, out, _ = run(["rules", "test", "--rules", PACK])
        self.assertEqual(rc, 0, out)
        self.assertIn("12 passed, 0 failed", out)

    def test_normalize_command(self):
        rc, out, _ = run(["normalize"], "ﾔ.ｻ.ｲ ＴＨＣ\n工口動画\nthe cat\n".encode())
        self.assertEqual(rc, 0)
        self.assertEqual(out.splitlines(), ["やさいthc", "えろ動画", "the cat"])
        rc, out, _ = run(["normalize", "--steps", "nfkc,kana", "--offsets"], "ｶﾞ ｂ\n".encode())
        self.assertEqual(out.splitlines(), ["が b", "0-6 6-7 7-10"])
        rc, _, err = run(["normalize", "--steps", "bogus"], b"x\n")
        self.assertEqual(rc, 2)
        self.assertIn("bogus", err)

    def test_rules_list_terms_categories(self):
        rc, out, _ = run(["rules", "list", "--rules", PACK])
        self.assertEqual(rc, 0)
        rows = [l.split("\t") for l in out.splitlines()]
        self.assertEqual([r[0] for r in rows], ["drug_ad.test.vegetables_hand",
                                                 "crime_recruitment.test.ukeko", "fraud.test.dm"])
        self.assertEqual(rows[0][1:4], ["drug_ad", "high", "0.80"])
        self.assertTrue(rows[0][5].endswith("pack.yaml:10"))
        rc, out, _ = run(["rules", "terms", "--rules", PACK])
        terms = out.splitlines()
        self.assertIn("手押し", terms)
        self.assertEqual(len(terms), len(set(terms)))
        rc, out, _ = run(["rules", "categories"])
        self.assertIn("self_harm_risk\tsupport\t", out)
        rc, out, err = run(["rules", "check", PACK, BAD_PACK])
        self.assertEqual(rc, 2)
        self.assertNotIn("ok:", out)

    def test_help_is_true(self):
        rc, out, _ = run(["scan", "--help"])
        self.assertEqual(rc, 0)
        for opt in ["--rules", "--input", "--format", "--category", "--min-score",
                    "--only-hits", "--threads", "--stats"]:
            self.assertIn(opt, out)
        rc, out, _ = run(["--help"])
        self.assertIn("scan", out)
        self.assertIn("rules", out)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=1)
