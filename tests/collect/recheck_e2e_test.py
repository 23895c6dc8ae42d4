#!/usr/bin/env python3
"""Removal checks end to end: the real junkai binary, a real SQLite store and
loopback sites (recheck_server.py) standing in for a web site with a feed,
a 5ch-style board, a Mastodon instance, a Misskey instance and the X API,
each on its own 127.0.0.N address (its own host in the statistics).

The patrol collects the posts; through `junkai serve` they are confirmed into
three cases and police reports are approved and marked sent. Then `junkai
recheck --now` runs the checks as if days had passed: nothing is due before
24 hours; at 25 hours everything is present and the interval doubles; then the
sites delete posts (a page's text replaced by a "deleted" notice, a board post
gone, Mastodon 404, Misskey NO_SUCH_NOTE, X Not Found Error, a page 404, an
article 410) or fail (500) and each check records removed with its reason and
time, or unknown; cases whose reported items are all gone become "removed";
`junkai stats --removals` gives the medians per category and host for those
times; every check is in the audit log on its case and its fetches are WARC
evidence that `junkai verify` accepts; the patrol daemon runs due checks too.

Usage: recheck_e2e_test.py JUNKAI_BIN
"""
import datetime
import json
import os
import re
import sqlite3
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "server"))

from recheck_server import THREAD_PATH, Site  # noqa: E402
from serverlib import Client, DataDir, Server, run  # noqa: E402

BIN = None
X_TOKEN = "recheck-test-token"
H = 3600

DRUG_PAGE = ("<html><head><title>お知らせ</title></head><body><div class=\"entry\">"
             "<p>ﾔｻｲ あります、都内手押し即日</p></div></body></html>")
CRIME_PAGE = ("<html><head><title>求人</title></head><body>"
              "<p>受け子・出し子募集、テレグラムで連絡ください 高額報酬</p></body></html>")
FEED_TEXT = "高収入バイト募集中！即日現金手渡し 受け子 日払い"
# the article the feed item links to: the same words in other markup
ARTICLE = ("<html><head><title>高収入</title></head><body><article><h1>求人</h1>"
           "<p>高収入バイト<b>募集中</b>！<br>即日 現金手渡し</p><ul><li>受け子</li>"
           "<li>日払い</li></ul></article></body></html>")
BANK_PAGE = "<html><body><p>口座売ってください 買取 即金</p></body></html>"
DELETED_PAGE = "<html><head><title>お知らせ</title></head><body><p>この記事は削除されました</p></body></html>"

STATUS_ID = "110000000000000001"
NOTE_ID = "9abc0001x"
TWEET_ID = "1790000000000001000"


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def unix(s):
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


class RemovalChecks(unittest.TestCase):
    def setUp(self):
        self.sites = []
        self.data = DataDir(BIN, posts=None)
        self.env = dict(os.environ)
        self.env.pop("JUNKAI_DATA", None)
        self.env["JUNKAI_X_BEARER_TOKEN"] = X_TOKEN

    def tearDown(self):
        for s in self.sites:
            s.stop()
        self.data.cleanup()

    def site(self, address, **kw):
        s = Site(address, **kw).start()
        self.sites.append(s)
        return s

    def junkai(self, *args, check=True):
        p = subprocess.run([BIN] + list(args) + ["--data", self.data.path], capture_output=True,
                           env=self.env, timeout=120)
        if check and p.returncode != 0:
            self.fail("junkai %s: exit %d\n%s" % (" ".join(args), p.returncode,
                                                  p.stderr.decode()))
        return p

    def recheck(self, *args):
        p = self.junkai("recheck", "--format", "json", *args)
        results = [json.loads(line) for line in p.stdout.decode().splitlines() if line]
        return {r["item"]: r for r in results}, p.stderr.decode()

    def db(self):
        return sqlite3.connect(os.path.join(self.data.path, "junkai.db"))

    def item_id(self, url):
        with self.db() as c:
            row = c.execute("SELECT i.id, (SELECT count(*) FROM detections d"
                            " WHERE d.item_id = i.id) FROM items i WHERE i.url = ?",
                            (url,)).fetchone()
        self.assertIsNotNone(row, "no item at %s" % url)
        self.assertGreater(row[1], 0, "%s has no detection" % url)
        return row[0]

    def check_row(self, item):
        with self.db() as c:
            return c.execute("SELECT checks, last_result, reason, last_status, removed_at,"
                             " next_check_unix, interval_seconds, last_check_at"
                             " FROM removal_checks WHERE item_id = ?", (item,)).fetchone()

    def case(self, case_id):
        with self.db() as c:
            return c.execute("SELECT status, removed_at FROM cases WHERE id = ?",
                             (case_id,)).fetchone()

    def test_removal_checks(self):
        web = self.site("127.0.0.2")
        board = self.site("127.0.0.3")
        masto = self.site("127.0.0.4")
        missk = self.site("127.0.0.5")
        xapi = self.site("127.0.0.6", x_token=X_TOKEN)
        web.pages.update({"1": DRUG_PAGE, "2": CRIME_PAGE, "a1": ARTICLE, "3": BANK_PAGE})
        web.feed_items.append(("求人", web.url("/article/a1.html"), FEED_TEXT))
        board.thread_posts.extend([(1, "スレ立て乙"),
                                   (2, "手押し 野菜 あります 都内 即日 テレグラムで連絡"),
                                   (3, "通報しとけ")])
        masto.statuses[STATUS_ID] = "ﾔｻｲ あります、都内手押し即日"
        missk.notes[NOTE_ID] = "ﾔｻｲ あります 都内手押し即日"
        xapi.tweets[TWEET_ID] = "ホワイト案件です。運び＆受け取りだけの簡単なお仕事 日給5万 テレグラム"

        with open(os.path.join(self.data.path, "junkai.yaml"), "w") as f:
            f.write("contact: \"recheck-test@example.jp\"\n"
                    "http:\n  min_interval_ms: 0\n  max_retries: 0\n  timeout_seconds: 10\n")
        imported = os.path.join(self.data.tmp.name, "tip.jsonl")
        with open(imported, "w") as f:
            # an imported post on a private address: checked as a web URL,
            # and the address check refuses it (no source allowed it)
            f.write(json.dumps({"id": "imp-1", "platform": "web", "url": web.url("/page/3.html"),
                                "text": "口座売ってください 買取 即金"}, ensure_ascii=False) + "\n")
        self.junkai("import", imported)
        for args in (["web", "page1", web.url("/page/1.html")],
                     ["web", "page2", web.url("/page/2.html")],
                     ["feed", "news", web.url("/feed.xml")],
                     ["web", "thread", board.url(THREAD_PATH)],
                     ["mastodon", "masto", masto.origin],
                     ["misskey", "missk", missk.origin],
                     ["x", "xs", xapi.origin, "--query", "闇バイト"]):
            self.junkai("source", "add", *args, "--allow-private")
        self.junkai("patrol", "--once")

        page1 = self.item_id(web.url("/page/1.html"))
        post2 = self.item_id(board.url(THREAD_PATH) + "#2")
        status = self.item_id("%s/@alice/%s" % (masto.origin, STATUS_ID))
        note = self.item_id("%s/notes/%s" % (missk.origin, NOTE_ID))
        page2 = self.item_id(web.url("/page/2.html"))
        tweet = self.item_id("https://x.com/white_job/status/%s" % TWEET_ID)
        article = self.item_id(web.url("/article/a1.html"))
        bank = self.item_id(web.url("/page/3.html"))

        # confirm into three cases and send a police report of each
        self.data.user("chief", "admin", "chief-password")
        server = Server(BIN, self.data.path)
        try:
            c = Client(server.port)
            self.assertEqual(c.login("chief", "chief-password").status, 200)
            cases = {}
            for name, items, category in (("A", [page1, post2, status, note], "drug_ad"),
                                          ("B", [page2, tweet, article], "crime_recruitment"),
                                          ("C", [bank], "bank_account_trade")):
                r = c.request("POST", "/api/decisions", {"items": items, "decision": "confirm",
                                                         "category": category, "case": "new"})
                self.assertEqual(r.status, 200, r.raw)
                cases[name] = r.json["case"]
                r = c.request("POST", "/api/cases/%d/reports" % cases[name], {"kind": "police"})
                self.assertEqual(r.status, 201, r.raw)
                for rep in r.json["reports"]:
                    r2 = c.request("POST", "/api/reports/%d/approve" % rep["id"], {})
                    self.assertEqual(r2.status, 200, r2.raw)
                    r2 = c.request("POST", "/api/reports/%d/sent" % rep["id"], {"via": "manual"})
                    self.assertEqual(r2.status, 200, r2.raw)
        finally:
            self.assertEqual(server.stop(), 0)
        every = [page1, post2, status, note, page2, tweet, article, bank]
        with self.db() as db:
            rows = db.execute("SELECT item_id, reported_at, next_check_unix FROM removal_checks"
                              ).fetchall()
        self.assertEqual(sorted(r[0] for r in rows), sorted(every))
        t0 = max(unix(r[1]) for r in rows)
        for _, reported, next_check in rows:
            # the first check 24 hours after the report (junkai.yaml default)
            self.assertAlmostEqual(next_check, unix(reported) + 24 * H, delta=2)
        for name in "ABC":
            self.assertEqual(self.case(cases[name])[0], "reported")

        # ---- not due yet: nothing is fetched ----
        before = sum(len(s.requests) for s in self.sites)
        results, err = self.recheck("--once")
        self.assertEqual(results, {})
        self.assertIn("no removal check is due", err)
        results, err = self.recheck("--now", str(t0 + H))
        self.assertEqual(results, {})
        self.assertEqual(sum(len(s.requests) for s in self.sites), before)

        # ---- 25 hours on: everything is there; the interval doubles ----
        # Two checkers at once (a patrol and a `junkai recheck`, say): each
        # due check is taken by one of them and made once, not twice.
        procs = [subprocess.Popen([BIN, "recheck", "--format", "json", "--now", iso(t0 + 25 * H),
                                   "--data", self.data.path], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=self.env) for _ in range(2)]
        results, checked = {}, 0
        for p in procs:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, err.decode())
            for line in out.decode().splitlines():
                r = json.loads(line)
                self.assertNotIn(r["item"], results, "item %d checked twice" % r["item"])
                results[r["item"]] = r
            checked += int(re.search(r"recheck done: (\d+) checked", err.decode()).group(1))
        self.assertEqual(sorted(results), sorted(every))
        self.assertEqual(checked, len(every))  # the summaries agree: no check made twice
        for item in every:
            r = results[item]
            if item == bank:
                continue
            self.assertEqual(r["result"], "present", r)
            self.assertIsNone(r["reason"], r)
            self.assertEqual(r["status"], 200, r)
            self.assertEqual(r["checked_at"], iso(t0 + 25 * H))
            self.assertEqual(r["next_check_at"], iso(t0 + 73 * H))  # 48 h later
            self.assertEqual(r["interval_hours"], 48)
            self.assertTrue(r["evidence"], r)
        self.assertIn("3 of 3 matched passages", results[page1]["detail"])
        self.assertIn("post 2", results[post2]["detail"])
        # each platform asked the way it answers
        self.assertEqual(results[status]["url"], "%s/api/v1/statuses/%s" % (masto.origin,
                                                                            STATUS_ID))
        self.assertEqual(results[note]["method"], "POST")
        self.assertEqual(results[note]["url"], missk.origin + "/api/notes/show")
        self.assertEqual(results[tweet]["url"], "%s/2/tweets/%s" % (xapi.origin, TWEET_ID))
        self.assertEqual(results[post2]["url"], board.url(THREAD_PATH))
        self.assertEqual(results[article]["url"], web.url("/article/a1.html"))
        self.assertEqual(masto.requested("GET", "/api/v1/statuses/"),
                         ["/api/v1/statuses/" + STATUS_ID])
        self.assertEqual(len(missk.requested("POST", "/api/notes/show")), 1)
        self.assertEqual(xapi.requested("GET", "/2/tweets/" + TWEET_ID), ["/2/tweets/" + TWEET_ID])
        # no source allowed the imported URL's private address: refused, not fetched
        self.assertEqual(results[bank]["result"], "unknown")
        self.assertEqual(results[bank]["reason"], "denied")
        self.assertEqual(results[bank]["next_check_at"], iso(t0 + 49 * H))  # not backed off
        self.assertEqual(web.requested("GET", "/page/3.html"), [])
        self.assertEqual(self.check_row(page1)[:2], (1, "present"))
        # an hour later nothing is due: the backoff holds
        results, _ = self.recheck("--now", str(t0 + 26 * H))
        self.assertEqual(results, {})

        # ---- the sites take posts down; one fails ----
        web.pages["1"] = DELETED_PAGE               # a "deleted" notice answering 200
        board.thread_posts[:] = [p for p in board.thread_posts if p[0] != 2]
        del masto.statuses[STATUS_ID]               # 404
        del missk.notes[NOTE_ID]                    # NO_SUCH_NOTE
        del xapi.tweets[TWEET_ID]                   # Not Found Error
        web.status["/page/2.html"] = 500            # a server error says nothing
        t73 = t0 + 73 * H
        results, _ = self.recheck("--now", iso(t73))
        self.assertEqual(sorted(results), sorted(every))
        expect = {page1: ("removed", "text_gone", 200), post2: ("removed", "post_gone", 200),
                  status: ("removed", "http_404", 404), note: ("removed", "no_such_note", 400),
                  tweet: ("removed", "not_found_error", 200),
                  page2: ("unknown", "http_500", 500), article: ("present", None, 200),
                  bank: ("unknown", "denied", 0)}
        for item, (result, reason, code) in expect.items():
            r = results[item]
            self.assertEqual((r["result"], r["reason"], r["status"]), (result, reason, code), r)
            row = self.check_row(item)
            self.assertEqual((row[1], row[2]), (result, reason))
            if result == "removed":
                self.assertEqual(row[4], iso(t73))      # removed_at: when it was found gone
                self.assertIsNone(row[5])              # no more checks
                self.assertIsNone(r["next_check_at"])
            else:
                self.assertIsNone(row[4])
        self.assertIn("0 of", results[page1]["detail"])
        self.assertEqual(results[article]["next_check_at"], iso(t73 + 96 * H))  # 48 → 96 h
        self.assertEqual(results[page2]["next_check_at"], iso(t73 + 48 * H))    # kept, retried
        self.assertEqual(self.check_row(page2)[0], 2)
        # every reported item of case A is gone: the case is removed, then
        self.assertEqual(self.case(cases["A"]), ("removed", iso(t73)))
        self.assertEqual(sum(results[i]["case_removed"] for i in (page1, post2, status, note)), 1)
        self.assertEqual(self.case(cases["B"])[0], "reported")

        # ---- 121 h: the page that failed is now gone (404) ----
        web.status["/page/2.html"] = 404
        results, _ = self.recheck("--now", iso(t0 + 121 * H))
        self.assertEqual(sorted(results), sorted([page2, bank]))
        self.assertEqual((results[page2]["result"], results[page2]["reason"]),
                         ("removed", "http_404"))
        self.assertEqual(self.case(cases["B"])[0], "reported")  # the article is still up

        # ---- 169 h: the article answers 410: case B is removed too ----
        web.status["/article/a1.html"] = 410
        results, _ = self.recheck("--now", iso(t0 + 169 * H))
        self.assertEqual((results[article]["result"], results[article]["reason"]),
                         ("removed", "http_410"))
        self.assertTrue(results[article]["case_removed"])
        self.assertEqual(self.case(cases["B"]), ("removed", iso(t0 + 169 * H)))
        self.assertEqual(self.case(cases["C"])[0], "reported")

        # ---- one item now, due or not ----
        p = self.junkai("recheck", "--item", str(page1))
        self.assertIn("found removed at %s (text_gone)" % iso(t73), p.stdout.decode())
        checks = self.check_row(bank)[0]
        results, _ = self.recheck("--item", str(bank), "--now", str(t0 + 170 * H))
        self.assertEqual(results[bank]["result"], "unknown")
        self.assertEqual(self.check_row(bank)[0], checks + 1)
        p = self.junkai("recheck", "--item", "999999", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("never reported", p.stderr.decode())
        p = self.junkai("recheck", "--now", "2026-02-31T00:00:00Z", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--now 2026-02-31T00:00:00Z", p.stderr.decode())

        # ---- medians per category and per host ----
        p = self.junkai("stats", "--removals", "--format", "json")
        stats = json.loads(p.stdout)
        by_cat = {r["key"]: r for r in stats["by_category"]}
        self.assertEqual(sorted(by_cat), ["bank_account_trade", "crime_recruitment", "drug_ad"])
        self.assertEqual((by_cat["drug_ad"]["reported"], by_cat["drug_ad"]["removed"]), (4, 4))
        self.assertAlmostEqual(by_cat["drug_ad"]["median_hours_reported"], 73, delta=0.01)
        # crime_recruitment: 73 (tweet), 121 (page), 169 (article)
        self.assertEqual(by_cat["crime_recruitment"]["removed"], 3)
        self.assertAlmostEqual(by_cat["crime_recruitment"]["median_hours_reported"], 121,
                               delta=0.01)
        self.assertAlmostEqual(by_cat["crime_recruitment"]["median_hours_found"], 121, delta=0.1)
        self.assertEqual(by_cat["bank_account_trade"]["removed"], 0)
        self.assertIsNone(by_cat["bank_account_trade"]["median_hours_reported"])
        by_host = {r["key"]: r for r in stats["by_host"]}
        self.assertEqual(sorted(by_host), ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5",
                                           "x.com"])
        # the web site: page 1 (73), page 2 (121), the article (169), the import (never)
        self.assertEqual((by_host["127.0.0.2"]["reported"], by_host["127.0.0.2"]["removed"]),
                         (4, 3))
        self.assertAlmostEqual(by_host["127.0.0.2"]["median_hours_reported"], 121, delta=0.01)
        for host in ("127.0.0.3", "127.0.0.4", "127.0.0.5", "x.com"):
            self.assertAlmostEqual(by_host[host]["median_hours_reported"], 73, delta=0.01)
        text = self.junkai("stats", "--removals").stdout.decode()
        self.assertRegex(text, r"drug_ad\s+4\s+4\s+73\.0")
        self.assertRegex(text, r"bank_account_trade\s+1\s+0\s+-")

        # ---- the audit log: every result on its case's history; evidence kept ----
        with self.db() as db:
            audited = dict(db.execute("SELECT target, count(*) FROM audit"
                                      " WHERE action = 'removal.check' GROUP BY target"))
            detail = json.loads(db.execute(
                "SELECT detail FROM audit WHERE action = 'removal.check' AND target = ?"
                " ORDER BY id DESC LIMIT 1", ("case:%d" % cases["B"],)).fetchone()[0])
            status_files = db.execute(
                "SELECT count(*) FROM item_evidence ie JOIN evidence e ON e.id = ie.evidence_id"
                " WHERE ie.item_id = ? AND e.url LIKE '%/api/v1/statuses/%'",
                (status,)).fetchone()[0]
        # A: 4 + 4; B: 3 + 3 + 1 + 1; C: the import at 25, 73, 121, 169 h and --item
        self.assertEqual(audited, {"case:%d" % cases["A"]: 8, "case:%d" % cases["B"]: 8,
                                   "case:%d" % cases["C"]: 5})
        self.assertEqual((detail["item"], detail["result"], detail["reason"]),
                         (article, "removed", "http_410"))
        self.assertEqual(status_files, 2)  # the two checks of the status, as WARC
        p = self.junkai("verify")
        self.assertEqual(p.returncode, 0, p.stdout.decode() + p.stderr.decode())

        # ---- the patrol daemon runs due checks as it goes ----
        with self.db() as db:
            db.execute("UPDATE removal_checks SET next_check_unix = strftime('%s','now') - 10"
                       " WHERE item_id = ?", (bank,))
        checks = self.check_row(bank)[0]
        p = self.junkai("patrol", "--once", check=False)
        self.assertIn("removal check: item %d" % bank, p.stderr.decode())
        self.assertEqual(self.check_row(bank)[0], checks + 1)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
