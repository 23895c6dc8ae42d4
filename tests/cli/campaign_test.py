#!/usr/bin/env python3
"""Campaigns through the real binary: posts imported with `junkai import`
(scanned with a small rule pack of our own), then `junkai campaigns` and
`junkai links` checked line by line, field by field (JSONL), plus the text
format, the frequency cut, exit statuses and errors.

Three posts share a LINE ID (one only through a line.me link), two of them
and a fourth share a Telegram handle (one through a t.me link): one
campaign of four. Two posts share only an x.com link: not linked. One
post stands alone.

usage: campaign_test.py JUNKAI_BINARY
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

BIN = None

RULES = """\
pack: {name: campaign-test, version: "1", language: ja}
rules:
  - id: t.drug
    category: drug_ad
    title: drug
    terms: {thing: [野菜], deal: [手押し]}
    condition: thing and deal
    examples: {hit: [野菜 手押し]}
  - id: t.job
    category: crime_recruitment
    title: job
    terms: {job: [高収入]}
    examples: {hit: [高収入]}
"""

POSTS = [
    ("p1", "2024-05-01T10:00:00Z", "野菜あります 手押し LINE: yasai_tokyo"),
    ("p2", "2024-05-02T10:00:00Z", "LINE ID：yasai_tokyo テレグラム @dark_job77"),
    ("p3", "2024-05-03T10:00:00Z", "https://line.me/ti/p/~yasai_tokyo https://t.me/dark_job77"),
    ("p4", "2024-05-04T10:00:00Z", "高収入 即日 https://t.me/dark_job77"),
    ("p5", "2024-05-05T10:00:00Z", "ニュース https://x.com/explore"),
    ("p6", "2024-05-06T10:00:00Z", "見て https://x.com/explore"),
    ("p7", "2024-05-07T10:00:00Z", "お問い合わせ 090-1234-5678"),
]
CATEGORIES = {"p1": ["drug_ad"], "p4": ["crime_recruitment"]}
FETCHED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
LINE = {"type": "line_id", "value": "yasai_tokyo"}
TG = {"type": "telegram", "value": "@dark_job77"}


def run(args):
    p = subprocess.run([BIN] + args, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def span(n, needle, nth=0):
    """Byte span of the nth occurrence of needle in post n's text."""
    text = POSTS[n - 1][2].encode()
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle.encode(), at + 1)
    return [at, at + len(needle.encode())]


def item_fields(n):
    ext, posted, text = POSTS[n - 1]
    return {"platform": "import", "id": ext, "posted_at": posted,
            "categories": CATEGORIES.get(ext, []), "text": text}


def ind(n, type_, value, needle, status, items=None, nth=0):
    d = {"type": type_, "value": value, "spans": [span(n, needle, nth)], "status": status}
    if items is not None:
        d["items"] = items
    return d


class Campaigns(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data = os.path.join(cls.tmp.name, "data")
        rules = os.path.join(cls.tmp.name, "rules.yaml")
        posts = os.path.join(cls.tmp.name, "posts.jsonl")
        with open(rules, "w") as f:
            f.write(RULES)
        with open(posts, "w") as f:
            for ext, posted, text in POSTS:
                f.write(json.dumps({"platform": "import", "id": ext, "posted_at": posted,
                                    "text": text}, ensure_ascii=False) + "\n")
        rc, _, err = run(["init", "--data", cls.data])
        assert rc == 0, err
        rc, out, err = run(["import", "--data", cls.data, "--rules", rules, posts])
        assert rc == 0 and "imported 7 new items" in out and "2 with hits" in out, out + err

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def jsonl(self, args, want_rc=0):
        rc, out, err = run(args)
        self.assertEqual(rc, want_rc, err)
        rows = []
        for line in out.splitlines():
            row = json.loads(line)
            if "fetched_at" in row:  # the import's clock: only its form is known
                self.assertRegex(row.pop("fetched_at"), FETCHED)
            rows.append(row)
        return rows

    def assertRows(self, got, want):
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertEqual(g, w)
            self.assertEqual(list(g), list(w))  # key order too

    def test_campaigns(self):
        rows = self.jsonl(["campaigns", "--data", self.data, "--format", "jsonl"])
        self.assertRows(rows, [{
            "campaign": 1, "size": 4, "categories": ["drug_ad", "crime_recruitment"],
            "first_seen": "2024-05-01T10:00:00Z", "last_seen": "2024-05-04T10:00:00Z",
            "indicators": [dict(LINE, items=3), dict(TG, items=3)],
            "items": [1, 2, 3, 4]}])
        self.assertEqual(self.jsonl(["campaigns", "--data", self.data, "--min-size", "5"], 1), [])
        rows = self.jsonl(["campaigns", "--data", self.data, "--top", "1"])
        self.assertEqual(rows[0]["indicators"], [dict(LINE, items=3)])

    def test_campaigns_text(self):
        rc, out, _ = run(["campaigns", "--data", self.data, "--format", "text"])
        self.assertEqual(rc, 0)
        self.assertEqual(out,
                         "campaign 1  4 items  2024-05-01T10:00:00Z .. 2024-05-04T10:00:00Z"
                         "  [drug_ad]  [crime_recruitment]\n"
                         "  line_id yasai_tokyo (3), telegram @dark_job77 (3)\n")

    def test_links_of_the_first_post(self):
        rows = self.jsonl(["links", "--data", self.data, "1"])
        self.assertRows(rows, [
            dict({"item": 1}, **item_fields(1),
                 indicators=[ind(1, "line_id", "yasai_tokyo", "yasai_tokyo", "links", 3)],
                 campaign=1, campaign_size=4),
            dict({"linked": 2}, **item_fields(2), direct=True, via=[LINE]),
            dict({"linked": 3}, **item_fields(3), direct=True, via=[LINE]),
            # p4 shares nothing with p1: it comes in through p2 and p3's handle
            dict({"linked": 4}, **item_fields(4), direct=False, via=[TG]),
        ])

    def test_links_by_platform_id_and_link_statuses(self):
        rows = self.jsonl(["links", "--data", self.data, "import:p3", "--format", "jsonl"])
        self.assertRows(rows, [
            dict({"item": 3}, **item_fields(3), indicators=[
                ind(3, "url", "https://line.me/ti/p/~yasai_tokyo", "https://line.me/ti/p/~yasai_tokyo",
                    "account-url"),
                ind(3, "line_id", "yasai_tokyo", "https://line.me/ti/p/~yasai_tokyo", "links", 3),
                ind(3, "domain", "line.me", "line.me", "shared-host"),
                ind(3, "url", "https://t.me/dark_job77", "https://t.me/dark_job77", "account-url"),
                ind(3, "telegram", "@dark_job77", "https://t.me/dark_job77", "links", 3),
                ind(3, "domain", "t.me", "t.me", "shared-host"),
            ], campaign=1, campaign_size=4),
            dict({"linked": 1}, **item_fields(1), direct=True, via=[LINE]),
            dict({"linked": 2}, **item_fields(2), direct=True, via=[LINE, TG]),
            dict({"linked": 4}, **item_fields(4), direct=True, via=[TG]),
        ])

    def test_x_links_do_not_link(self):
        for n in (5, 6):
            rows = self.jsonl(["links", "--data", self.data, str(n)], 1)
            self.assertRows(rows, [dict({"item": n}, **item_fields(n), indicators=[
                ind(n, "url", "https://x.com/explore", "https://x.com/explore", "platform"),
                ind(n, "domain", "x.com", "x.com", "platform"),
            ], campaign=None, campaign_size=1)])

    def test_alone(self):
        rows = self.jsonl(["links", "--data", self.data, "import:p7"], 1)
        self.assertRows(rows, [dict({"item": 7}, **item_fields(7), indicators=[
            ind(7, "phone", "+819012345678", "090-1234-5678", "unshared", 1),
        ], campaign=None, campaign_size=1)])

    def test_links_text(self):
        rc, out, _ = run(["links", "--data", self.data, "4", "--format", "text"])
        self.assertEqual(rc, 0)
        lines = out.splitlines()
        self.assertEqual(lines[0], "item 4  import:p4  2024-05-04T10:00:00Z  [crime_recruitment]")
        self.assertIn("  telegram @dark_job77  links 3 items", lines)
        self.assertIn("  domain t.me  not linked: shared-host", lines)
        self.assertIn("campaign 1: 4 items", lines)
        self.assertIn("         1  import:p1  2024-05-01T10:00:00Z  [drug_ad]", lines)
        self.assertIn("  direct 2  import:p2  2024-05-02T10:00:00Z", lines)

    def test_frequency_cut(self):
        # at most 2 items per indicator: the LINE ID and the handle (3 each)
        # are too common, and nothing is linked
        rc, out, err = run(["campaigns", "--data", self.data, "--max-share", "2"])
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("2 indicators held by more than 2 items were too common", err)
        rows = self.jsonl(["links", "--data", self.data, "2", "--max-share", "2"], 1)
        self.assertEqual([i["status"] for i in rows[0]["indicators"]], ["common", "common"])
        self.assertEqual(rows[0]["campaign"], None)

    def test_errors(self):
        for args, msg in [(["links", "--data", self.data, "import:nope"], "no item import:nope"),
                          (["links", "--data", self.data, "99"], "no item 99"),
                          (["links", "--data", self.data, "nonsense"], "names no item"),
                          (["links", "--data", self.data], "needs one ITEM"),
                          (["campaigns", "--data", self.data, "--min-size", "1"], "--min-size"),
                          (["campaigns", "--data", self.data, "extra"], "no arguments"),
                          (["campaigns", "--data", os.path.join(self.tmp.name, "none")],
                           "junkai init")]:
            rc, out, err = run(args)
            self.assertEqual(rc, 2, args)
            self.assertEqual(out, "")
            self.assertIn(msg, err)


if __name__ == "__main__":
    BIN = sys.argv.pop(1)
    unittest.main(verbosity=2)
