#!/usr/bin/env python3
"""End-to-end tests of intel lists through the real binary: `junkai init`,
`intel add` (JPCERT/CC-style CSV with broken lines, STIX, MISP), `import`
of posts naming listed URLs (plain and defanged) → detections with rule
intel:LIST in the store, `scan --data` shows them, a refresh replaces the
entries, match modes, `intel list`/`rm`, and `intel export` in all three
formats — the STIX bundle validated against the OASIS JSON schemas with
Debian's python3-jsonschema (tests/intel/validate_stix.py).

usage: intel_test.py JUNKAI_BINARY SHARED_FIXTURES_DIR
"""
import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

BIN = None
FIXTURES = None
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "tests", "data", "intel")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-jsonschema


def run(args, stdin=None):
    env = dict(os.environ)
    env.pop("JUNKAI_DATA", None)
    p = subprocess.run([BIN] + args, capture_output=True, env=env, input=stdin, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


POSTS = [
    {"id": "p1", "text": "Amazonのアカウントが停止されました。確認はこちら https://amazon-co-jp.phish-example.com/ap/signin"},
    {"id": "p2", "text": "注意喚起: hxxps://smbc-card[.]phish-example[.]net/login/ は偽サイトです"},
    {"id": "p3", "text": "今日の天気は晴れ https://www.example.com/"},
    {"id": "p4", "text": "新しい偽サイト https://brand-new.phish-example.com/kit/a.php にご注意"},
]


class IntelCommands(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.tmp.name, "data")
        rc, _, err = run(["init", "--data", self.data])
        self.assertEqual(rc, 0, err)
        # no rule packs: the hits the tests see are the intel lists' alone
        self.no_rules = os.path.join(self.tmp.name, "no-rules")
        os.mkdir(self.no_rules)
        self.posts = os.path.join(self.tmp.name, "posts.jsonl")
        with open(self.posts, "w", encoding="utf-8") as f:
            for p in POSTS:
                f.write(json.dumps(p, ensure_ascii=False) + "\n")

    def tearDown(self):
        self.tmp.cleanup()

    def db(self):
        return sqlite3.connect(os.path.join(self.data, "junkai.db"))

    def detections(self):
        with self.db() as c:
            return sorted(c.execute(
                "SELECT i.external_id, d.rule_id, d.category, d.spans FROM detections d"
                " JOIN items i ON i.id = d.item_id WHERE d.rule_id LIKE 'intel:%'"))

    def add(self, name, path, *extra):
        return run(["intel", "add", name, path, "--data", self.data] + list(extra))

    def scan_hits(self):
        rc, out, err = run(["scan", "--data", self.data, "--format", "jsonl", "--only-hits",
                            "--rules", self.no_rules, self.posts])
        hits = {}
        for line in out.splitlines():
            o = json.loads(line)
            hits[o["id"]] = [(h["rule"], h["category"], h["terms"]) for h in o["hits"]]
        return rc, hits, err

    def test_jpcert_import_match_refresh(self):
        rc, out, err = self.add("jpcert", os.path.join(DATA, "jpcert-phishurl.csv"))
        self.assertEqual(rc, 0, err)
        self.assertIn("intel list jpcert v1: 6 entries", out)
        # every broken line is named by file:line; the rest imported
        for line in (6, 7, 8, 9):
            self.assertIn("jpcert-phishurl.csv:%d:" % line, err)

        rc, out, err = run(["import", "--data", self.data, "--rules", self.no_rules, self.posts])
        self.assertEqual(rc, 0, err)
        self.assertIn("imported 4 new items", out)
        self.assertIn("2 with hits", out)
        text2 = POSTS[1]["text"].encode()
        start2 = text2.index(b"hxxps")
        end2 = text2.index(b" \xe3\x81\xaf")  # before " は"
        self.assertEqual(self.detections(), [
            ("p1", "intel:jpcert", "phishing",
             "[[%d,%d]]" % (POSTS[0]["text"].encode().index(b"https"), len(POSTS[0]["text"].encode()))),
            ("p2", "intel:jpcert", "phishing", "[[%d,%d]]" % (start2, end2)),
        ])
        with self.db() as c:
            pack = c.execute("SELECT pack_version FROM detections WHERE rule_id = 'intel:jpcert'"
                             " LIMIT 1").fetchone()[0]
        self.assertTrue(pack.startswith("v1 "), pack)

        # junkai scan matches the same lists when given the data directory
        rc, hits, err = self.scan_hits()
        self.assertEqual(rc, 0, err)
        self.assertEqual(hits, {
            "p1": [("intel:jpcert", "phishing", ["https://amazon-co-jp.phish-example.com/ap/signin"])],
            "p2": [("intel:jpcert", "phishing", ["https://smbc-card.phish-example.net/login/"])],
        })
        rc, out, _ = run(["scan", "--format", "text", "--rules", self.no_rules,
                          "--data", self.data, self.posts])
        self.assertIn("intel:jpcert  on an intel list", out)
        self.assertIn("【hxxps://smbc-card[.]phish-example[.]net/login/】", out)
        # without --data, scan opens no store and finds nothing
        rc, out, _ = run(["scan", "--format", "jsonl", "--only-hits",
                          "--rules", self.no_rules, self.posts])
        self.assertEqual((rc, out), (1, ""))

        # a refresh replaces the entries as a new version
        newer = os.path.join(self.tmp.name, "jpcert-2024-03.csv")
        with open(newer, "w", encoding="utf-8") as f:
            f.write("date,URL,description\n2024/03/01,https://brand-new.phish-example.com/kit/a.php,新規\n")
        rc, out, err = self.add("jpcert", newer)
        self.assertEqual(rc, 0, err)
        self.assertIn("intel list jpcert v2: 1 entries", out)
        rc, hits, _ = self.scan_hits()
        self.assertEqual(list(hits), ["p4"])
        rc, out, _ = run(["intel", "list", "--data", self.data])
        fields = out.strip().split("\t")
        self.assertEqual(fields[0:2], ["jpcert", "v2"])
        self.assertEqual(fields[3:8], ["csv", "phishing", "exact", "1", "0"])

        rc, out, _ = run(["intel", "rm", "jpcert", "--data", self.data])
        self.assertEqual(rc, 0)
        rc, out, err = run(["intel", "rm", "jpcert", "--data", self.data])
        self.assertEqual(rc, 2)
        self.assertIn("no intel list named \"jpcert\"", err)
        rc, hits, _ = self.scan_hits()
        self.assertEqual(hits, {})

    def test_match_modes_and_formats(self):
        # domain: every host under phish-example.com, as fraud
        rc, out, err = self.add("dom", os.path.join(DATA, "jpcert-phishurl.csv"),
                                "--match", "domain", "--category", "fraud")
        self.assertEqual(rc, 0, err)
        rc, hits, _ = self.scan_hits()
        # p4's host is on no list, but phish-example.com is; p3's is not
        self.assertEqual(sorted(hits), ["p1", "p2", "p4"])
        self.assertEqual(hits["p4"][0][:2], ("intel:dom", "fraud"))
        # prefix: URLs under an entry URL at path-segment boundaries
        prefix = os.path.join(self.tmp.name, "prefix.csv")
        with open(prefix, "w", encoding="utf-8") as f:
            f.write("date,URL,description\n2024-03-01,https://brand-new.phish-example.com/kit/,kit\n")
        rc, out, err = self.add("kits", prefix, "--match", "prefix")
        self.assertEqual(rc, 0, err)
        rc, hits, _ = self.scan_hits()
        self.assertIn(("intel:kits", "phishing", ["https://brand-new.phish-example.com/kit/"]),
                      hits["p4"])
        # STIX and MISP lists, format guessed from the content
        rc, out, err = self.add("stix", os.path.join(DATA, "stix-bundle.json"))
        self.assertEqual(rc, 0, err)
        self.assertIn("8 entries", out)
        self.assertIn("(stix; 9 read, 5 skipped;", out)
        self.assertIn("indicator--6f1c7c5e-0d5f-4e5c-9d45-30a5a39f6e8b: pattern: unsupported", err)
        rc, out, err = self.add("misp", os.path.join(DATA, "misp-event.json"))
        self.assertEqual(rc, 0, err)
        self.assertIn("9 entries", out)
        rc, out, err = self.add("oasis", os.path.join(
            FIXTURES, "stix21-oasis", "examples", "threat-reports", "poisonivy.json"), "--format", "stix")
        self.assertEqual(rc, 0, err)
        rc, out, _ = run(["intel", "list", "--data", self.data])
        self.assertEqual([l.split("\t")[0] for l in out.splitlines()],
                         ["dom", "kits", "misp", "oasis", "stix"])
        # bad options
        rc, _, err = self.add("x", prefix, "--match", "fuzzy")
        self.assertEqual(rc, 2)
        self.assertIn("match mode", err)
        rc, _, err = self.add("x", prefix, "--category", "nonsense")
        self.assertEqual(rc, 2)
        rc, _, err = self.add("x", os.path.join(self.tmp.name, "missing.csv"))
        self.assertEqual(rc, 2)
        self.assertIn("missing.csv", err)

    def test_export(self):
        self.add("jpcert", os.path.join(DATA, "jpcert-phishurl.csv"))
        run(["import", "--data", self.data, "--rules", self.no_rules, self.posts])
        bundle = os.path.join(self.tmp.name, "bundle.json")
        rc, _, err = run(["intel", "export", "--format", "stix", "--output", bundle,
                          "--data", self.data])
        self.assertEqual(rc, 0, err)
        self.assertIn("exported 4 indicators", err)
        with open(bundle, encoding="utf-8") as f:
            b = json.load(f)
        patterns = sorted(o["pattern"] for o in b["objects"] if o["type"] == "indicator")
        self.assertEqual(patterns, [
            "[domain-name:value = 'amazon-co-jp.phish-example.com']",
            "[domain-name:value = 'smbc-card.phish-example.net']",
            "[url:value = 'https://amazon-co-jp.phish-example.com/ap/signin']",
            "[url:value = 'https://smbc-card.phish-example.net/login/']",
        ])
        # every object of the bundle against the OASIS schemas
        p = subprocess.run([SYSTEM_PYTHON, os.path.join(HERE, "validate_stix.py"), bundle,
                            os.path.join(FIXTURES, "stix21-oasis", "schemas")],
                           capture_output=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout.decode() + p.stderr.decode())
        self.assertIn("1 identity, 4 indicator", p.stdout.decode())
        # ids are stable across exports
        rc, again, _ = run(["intel", "export", "--format", "stix", "--data", self.data])
        ids = lambda objs: sorted(o["id"] for o in objs if o["type"] != "bundle")
        self.assertEqual(ids(json.loads(again)["objects"]), ids(b["objects"]))

        rc, out, _ = run(["intel", "export", "--format", "csv", "--defang", "--data", self.data])
        rows = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual(sorted(r["value"] for r in rows), [
            "amazon-co-jp[.]phish-example[.]com", "hxxps://amazon-co-jp[.]phish-example[.]com/ap/signin",
            "hxxps://smbc-card[.]phish-example[.]net/login/", "smbc-card[.]phish-example[.]net"])
        self.assertEqual({r["items"] for r in rows}, {"1"})

        rc, out, _ = run(["intel", "export", "--format", "misp", "--data", self.data])
        event = json.loads(out)["Event"]
        self.assertEqual(sorted((a["type"], a["value"]) for a in event["Attribute"])[0],
                         ("domain", "amazon-co-jp.phish-example.com"))
        # junkai reads its own MISP export back as a list
        misp = os.path.join(self.tmp.name, "export-misp.json")
        with open(misp, "w", encoding="utf-8") as f:
            f.write(out)
        rc, out, err = self.add("roundtrip", misp)
        self.assertEqual(rc, 0, err)
        self.assertIn("4 entries", out)
        rc, _, err = run(["intel", "export", "--data", self.data])
        self.assertEqual(rc, 2)
        self.assertIn("--format", err)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    FIXTURES = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
