#!/usr/bin/env python3
"""`junkai summary` end to end: the sample posts imported with the CLI,
items confirmed (and one dismissed) and reports drafted, approved and
marked sent through the API of `junkai serve`; then the day's files in
DATA/summaries hold the right counts per category (found = `junkai stats`'
items with a hit, confirmed, reported = the items the sent reports cover,
removed), the month to date, an empty day, the day's bounds at the
configured UTC offset, the audit entries, --email to an SMTP sink on
loopback (the text as the body, the CSV attached), and bad input.

The removal checker is not part of this change: one removal is recorded
straight in the store (removal_checks.removed_at), and one item's fetch
time is moved to just after midnight JST to test the day's bounds.

usage: summary_test.py JUNKAI_BINARY
"""
import csv
import io
import json
import os
import sqlite3
import sys
import tempfile
import time
import unittest
from collections import Counter
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reportlib import (SUPERVISOR, DataDir, Server, SmtpSink, junkai,  # noqa: E402
                       mail_subject, queue_items, supervisor, write_config)

BIN = None
JST = timezone(timedelta(hours=9))


def read_csv(path):
    with open(path, "rb") as f:
        raw = f.read()
    assert raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    rows = list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
    return raw, rows


class Summary(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.sink = SmtpSink(os.path.join(cls.tmp.name, "mail"))
        cls.data = DataDir(BIN)
        cls.data.user(SUPERVISOR[0], "supervisor", SUPERVISOR[1])
        write_config(cls.data, """smtp:
  url: smtp://127.0.0.1:%d
  from: patrol@example.jp
  from_name: 巡回チーム
  starttls: false
  allow_private: true
summary:
  email_to: [chief@example.jp]
  utc_offset: "+09:00"
""" % cls.sink.port)
        # wait for a JST day that will not end during the test
        now = datetime.now(JST)
        if now.hour == 23 and now.minute >= 55:
            time.sleep((60 - now.minute) * 60 - now.second + 5)
        cls.today = datetime.now(JST).strftime("%Y-%m-%d")
        server = Server(BIN, cls.data.path)
        try:
            api = supervisor(server)
            items = queue_items(api)
            by_category = {}
            for it in items:
                cat = it["hits"][0]["category"] if it.get("hits") else None
                by_category.setdefault(cat, []).append(it["id"])
            cats = sorted((c for c in by_category if c), key=lambda c: -len(by_category[c]))
            cls.confirmed = Counter()
            cls.reported = Counter()
            cls.reported_items = []
            # confirm two items of the biggest category and one of the next,
            # each into a case of its own; the first two get reports sent
            plan = [(cats[0], by_category[cats[0]][0], True),
                    (cats[0], by_category[cats[0]][1], False),
                    (cats[1], by_category[cats[1]][0], True)]
            for cat, item, send in plan:
                r = api.request("POST", "/api/items/%d/decision" % item,
                                {"decision": "confirm", "category": cat, "case": "new"})
                assert r.status == 200, r.raw
                cls.confirmed[cat] += 1
                if not send:
                    continue
                r = api.request("POST", "/api/cases/%d/reports" % r.json["case"],
                                {"kind": "police"})
                assert r.status == 201, r.raw
                report = r.json["reports"][0]["id"]
                assert api.request("POST", "/api/reports/%d/approve" % report).status == 200
                r = api.request("POST", "/api/reports/%d/sent" % report, {"via": "fax"})
                assert r.status == 200, r.raw
                cls.reported[cat] += 1
                cls.reported_items.append((cat, item))
            # a dismissal is not a confirmation
            other = by_category[cats[2]][0]
            r = api.request("POST", "/api/items/%d/decision" % other, {"decision": "dismiss"})
            assert r.status == 200, r.raw
        finally:
            assert server.stop() == 0
        cls.cats = cats
        # one reported item found removed (the removal checker's write)
        cls.removed = Counter({cls.reported_items[0][0]: 1})
        db = sqlite3.connect(cls.data.db)
        db.execute("UPDATE removal_checks SET removed_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'),"
                   " last_result = 'removed' WHERE item_id = ?", (cls.reported_items[0][1],))
        db.commit()
        db.close()
        stats = json.loads(junkai(BIN, ["stats", "--format", "json", "--data", cls.data.path],
                                  check=True).stdout)
        cls.found = Counter({k: v for k, v in stats["categories"].items() if v})

    @classmethod
    def tearDownClass(cls):
        cls.sink.stop()
        cls.data.cleanup()
        cls.tmp.cleanup()

    def summary(self, *args):
        return junkai(BIN, ["summary", "--data", self.data.path] + list(args))

    def path(self, date, ext):
        return os.path.join(self.data.path, "summaries", "%s.%s" % (date, ext))

    def test_day_counts(self):
        p = self.summary("--date", self.today)
        self.assertEqual(p.returncode, 0, p.stderr)
        raw, rows = read_csv(self.path(self.today, "csv"))
        day = {r["category"]: r for r in rows if r["period"] == "day"}
        month = {r["category"]: r for r in rows if r["period"] == "month"}
        # every category of the taxonomy is a row (and a total), zeros too
        self.assertGreaterEqual(len(day), 18)
        self.assertEqual(set(day), set(month))
        self.assertTrue(sum(self.found.values()) > 5)
        for cat, r in day.items():
            if cat == "total":
                continue
            self.assertEqual(int(r["found"]), self.found.get(cat, 0), cat)
            self.assertEqual(int(r["confirmed"]), self.confirmed.get(cat, 0), cat)
            self.assertEqual(int(r["reported"]), self.reported.get(cat, 0), cat)
            self.assertEqual(int(r["removed"]), self.removed.get(cat, 0), cat)
            self.assertEqual(r["first"], self.today)
        total = day["total"]
        self.assertEqual(int(total["found"]), sum(self.found.values()))
        self.assertEqual(int(total["confirmed"]), 3)
        self.assertEqual(int(total["reported"]), 2)
        self.assertEqual(int(total["removed"]), 1)
        # the month to date holds the day (everything happened today)
        for cat in day:
            for col in ("found", "confirmed", "reported", "removed"):
                self.assertEqual(month[cat][col], day[cat][col], (cat, col))
        self.assertEqual(month["total"]["first"], self.today[:8] + "01")
        self.assertEqual(month["total"]["last"], self.today)
        self.assertIn("\r\n", raw.decode())
        # the text: a line per category with something, labels in Japanese
        with open(self.path(self.today, "txt"), encoding="utf-8") as f:
            text = f.read()
        self.assertEqual(p.stdout.decode(), text)
        self.assertIn("junkai 巡回日報 %s（UTC+09:00 の暦日）" % self.today, text)
        top = self.cats[0]
        line = [ln for ln in text.splitlines() if ln.split()[-2:-1] == [top] or
                (len(ln.split()) >= 5 and ln.split()[4] == top)][0]
        self.assertEqual([int(x) for x in line.split()[:4]],
                         [self.found[top], self.confirmed[top], self.reported[top],
                          self.removed.get(top, 0)])
        # audited
        db = sqlite3.connect(self.data.db)
        rows = db.execute("SELECT action, detail FROM audit WHERE target = ?",
                          ("summary:" + self.today,)).fetchall()
        db.close()
        self.assertIn("summary.write", [r[0] for r in rows])
        detail = json.loads([r[1] for r in rows if r[0] == "summary.write"][-1])
        self.assertEqual(detail["confirmed"], 3)

    def test_empty_day_and_bounds(self):
        p = self.summary("--date", "2020-02-29")
        self.assertEqual(p.returncode, 0, p.stderr)
        _, rows = read_csv(self.path("2020-02-29", "csv"))
        self.assertTrue(all(int(r[c]) == 0 for r in rows
                            for c in ("found", "confirmed", "reported", "removed")))
        self.assertIn("(なし)", p.stdout.decode())
        # an item fetched at 00:30 JST today (15:30 UTC yesterday) counts
        # today at +09:00 and yesterday at +00:00
        today = datetime.strptime(self.today, "%Y-%m-%d")
        utc_yesterday = (today - timedelta(days=1)).strftime("%Y-%m-%d")
        db = sqlite3.connect(self.data.db)
        item, cat = db.execute("SELECT d.item_id, d.category FROM detections d"
                               " ORDER BY d.item_id DESC LIMIT 1").fetchone()
        cats = [r[0] for r in db.execute(
            "SELECT DISTINCT category FROM detections WHERE item_id = ?", (item,))]
        db.execute("UPDATE items SET fetched_at = ? WHERE id = ?",
                   (utc_yesterday + "T15:30:00Z", item))
        db.commit()
        db.close()
        try:
            self.summary("--date", self.today)
            _, rows = read_csv(self.path(self.today, "csv"))
            day = {r["category"]: int(r["found"]) for r in rows if r["period"] == "day"}
            self.assertEqual(day[cat], self.found[cat])
            write_config(self.data, "summary:\n  utc_offset: \"+00:00\"\n")
            self.summary("--date", utc_yesterday)
            _, rows = read_csv(self.path(utc_yesterday, "csv"))
            day = {r["category"]: int(r["found"]) for r in rows if r["period"] == "day"}
            for c in cats:
                self.assertEqual(day[c], 1, c)
            self.assertEqual(sum(v for k, v in day.items() if k != "total"), len(cats))
        finally:
            write_config(self.data, """smtp:
  url: smtp://127.0.0.1:%d
  from: patrol@example.jp
  from_name: 巡回チーム
  starttls: false
  allow_private: true
summary:
  email_to: [chief@example.jp]
""" % self.sink.port)
            db = sqlite3.connect(self.data.db)
            db.execute("UPDATE items SET fetched_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')"
                       " WHERE id = ?", (item,))
            db.commit()
            db.close()

    def test_email(self):
        before = len(self.sink.messages())
        p = self.summary("--date", self.today, "--email")
        self.assertEqual(p.returncode, 0, p.stderr)
        msgs = self.sink.messages()
        self.assertEqual(len(msgs), before + 1)
        m = msgs[-1]
        self.assertEqual(m["rcpt_tos"], ["chief@example.jp"])
        self.assertEqual(m["mail_from"], "patrol@example.jp")
        subject, msg = mail_subject(m["data"])
        self.assertEqual(subject, "junkai 巡回日報 " + self.today)
        self.assertIn("巡回チーム", str(msg["From"]))
        parts = list(msg.iter_parts())
        self.assertEqual(len(parts), 2)
        with open(self.path(self.today, "txt"), encoding="utf-8") as f:
            text = f.read()
        self.assertEqual(parts[0].get_content().replace("\r\n", "\n"), text)
        with open(self.path(self.today, "csv"), "rb") as f:
            self.assertEqual(parts[1].get_payload(decode=True), f.read())
        self.assertEqual(parts[1].get_filename(), self.today + ".csv")
        self.assertRegex(msg["Message-ID"], r"^<junkai-summary-%s-[0-9a-f]{16}@example\.jp>$"
                         % self.today)
        db = sqlite3.connect(self.data.db)
        actions = [r[0] for r in db.execute("SELECT action FROM audit WHERE target = ?",
                                            ("summary:" + self.today,))]
        db.close()
        self.assertIn("summary.email", actions)
        p = junkai(BIN, ["verify", "--data", self.data.path])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_bad_input(self):
        for bad in ("2026-02-30", "yesterday", "2026-1-01"):
            p = self.summary("--date", bad)
            self.assertEqual(p.returncode, 2)
            self.assertIn(bad.encode(), p.stderr)
        self.assertFalse(os.path.exists(self.path("2026-02-30", "txt")))
        p = self.summary("extra")
        self.assertEqual(p.returncode, 2)
        self.assertEqual(self.summary("--help").returncode, 0)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
