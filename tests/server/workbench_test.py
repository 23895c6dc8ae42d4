#!/usr/bin/env python3
"""The workbench's routes for outcomes, sources and rules over real HTTP
against `junkai serve` on a free loopback port:

- GET /api/stats/outcomes: reported / removed per category and month and
  the median time to removal per category and per host, after a case's
  report is drafted, approved and marked sent (and a removal recorded in
  the store), against the numbers worked out here;
- POST /api/sources/{id}/run: `junkai patrol --source NAME` started by the
  server as a child against a feed on a slow loopback HTTP server (a
  second click while it runs is 409), the source list then shows the
  outcome (the items it stored), the audit log holds source.run (the
  admin) and patrol (target source:NAME); roles, CSRF, unknown ids;
- `junkai patrol --source` from the command line (an unknown name);
- GET /api/rules against `junkai rules list`; POST /api/rules/try against
  `junkai scan` on the same text (same hits, spans, scores), nothing
  audited, bad bodies, a server without rules (503);
- GET /api/items/{id} names the case the item was filed into.

usage: workbench_test.py JUNKAI_BINARY
"""
import calendar
import http.server
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serverlib import ROOT, Client, DataDir, Server, ServeTest, run  # noqa: E402

BIN = None
PW = {"root": "root-password-1", "sup": "sup-password-22", "pat": "pat-password-333"}

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>slow board</title>
<item><title>手押し</title><link>https://slow.example/p/1</link><guid>slow-1</guid>
<description>ﾔｻｲ あります、都内手押し即日 テレグラム @slow_green</description>
<pubDate>Mon, 02 Jun 2025 10:00:00 GMT</pubDate></item>
<item><title>夕飯</title><link>https://slow.example/p/2</link><guid>slow-2</guid>
<description>今日の夕飯は夏野菜カレー</description>
<pubDate>Mon, 02 Jun 2025 11:00:00 GMT</pubDate></item>
</channel></rss>
""".encode()


class SlowFeed(http.server.BaseHTTPRequestHandler):
    """A feed that takes a while to answer: the run is still going when
    the second "run now" arrives."""
    delay = 2.0

    def do_GET(self):
        if self.path == "/robots.txt":
            self.send_response(404)
            self.end_headers()
            return
        time.sleep(self.delay)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(FEED)))
        self.end_headers()
        self.wfile.write(FEED)

    def log_message(self, *args):
        pass


class Workbench(ServeTest):
    PW = PW

    @classmethod
    def setUpClass(cls):
        cls.data = DataDir(BIN)
        cls.data.user("root", "admin", PW["root"])
        cls.data.user("sup", "supervisor", PW["sup"])
        cls.data.user("pat", "patroller", PW["pat"])
        cls.server = Server(BIN, cls.data.path)

    def audit(self, sql, args=()):
        db = sqlite3.connect(self.data.db)
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    # ---- outcomes ----

    def test_outcomes(self):
        pat, sup = self.client("pat"), self.client("sup")
        self.assertEqual(pat.request("GET", "/api/stats/outcomes").status, 403)
        self.assertEqual(Client(self.server.port).request("GET", "/api/stats/outcomes").status, 401)
        before = sup.request("GET", "/api/stats/outcomes").json
        # two items of one category confirmed into one new case
        queue = pat.request("GET", "/api/queue?category=drug_ad&limit=50").json["items"]
        items = [i for i in queue if i["url"]][:2]
        self.assertEqual(len(items), 2)
        r = pat.request("POST", "/api/decisions", {"decision": "confirm", "category": "drug_ad",
                                                   "items": [i["id"] for i in items], "case": "new"})
        self.assertEqual(r.status, 200, r.raw)
        case = r.json["case"]
        for it in items:
            self.assertEqual(pat.request("GET", "/api/items/%d" % it["id"]).json["case"], case)
        r = pat.request("POST", "/api/cases/%d/reports" % case, {"kind": "police"})
        self.assertEqual(r.status, 201, r.raw)
        report = r.json["reports"][0]["id"]
        self.assertEqual(sup.request("POST", "/api/reports/%d/approve" % report, {}).status, 200)
        r = sup.request("POST", "/api/reports/%d/sent" % report, {})
        self.assertEqual(r.status, 200, r.raw)
        sent_month = r.json["report"]["sent_at"][:7]
        # the removal checker (another process) found the first one gone
        # 30 hours after the report: recorded in the store as it would
        reported_at = self.audit("SELECT reported_at FROM removal_checks WHERE item_id = ?",
                                 (items[0]["id"],))[0][0]
        t = calendar.timegm(time.strptime(reported_at, "%Y-%m-%dT%H:%M:%SZ"))
        removed_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t + 30 * 3600))
        db = sqlite3.connect(self.data.db)
        db.execute("UPDATE removal_checks SET removed_at = ?, last_result = 'removed' WHERE item_id = ?",
                   (removed_at, items[0]["id"]))
        db.commit()
        db.close()
        after = sup.request("GET", "/api/stats/outcomes").json

        def count(doc, cat, month, key):
            return sum(o[key] for o in doc["outcomes"] if o["category"] == cat and o["month"] == month)
        self.assertEqual(count(after, "drug_ad", sent_month, "reported") -
                         count(before, "drug_ad", sent_month, "reported"), 2, after)
        removed_month = removed_at[:7]
        self.assertEqual(count(after, "drug_ad", removed_month, "removed") -
                         count(before, "drug_ad", removed_month, "removed"), 1, after)
        cat = [r for r in after["removal_by_category"] if r["key"] == "drug_ad"]
        self.assertEqual(len(cat), 1, after)
        self.assertEqual((cat[0]["reported"], cat[0]["removed"]), (2, 1))
        self.assertAlmostEqual(cat[0]["median_hours_reported"], 30.0, places=3)
        self.assertGreater(cat[0]["median_hours_found"], 0)
        host = items[0]["url"].split("/")[2]
        hosts = {r["key"]: r for r in after["removal_by_host"]}
        self.assertIn(host, hosts, after)
        self.assertGreaterEqual(hosts[host]["removed"], 1)
        # a group with nothing removed has no median
        other = items[1]["url"].split("/")[2]
        if other != host:
            self.assertIsNone(hosts[other]["median_hours_reported"])

    # ---- run now ----

    def test_run_now(self):
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowFeed)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        try:
            root, sup = self.client("root"), self.client("sup")
            url = "http://127.0.0.1:%d/feed.xml" % srv.server_address[1]
            r = root.request("POST", "/api/sources", {"kind": "feed", "name": "slow-board",
                                                      "target": url, "allow_private": True})
            self.assertEqual(r.status, 201, r.raw)
            sid = r.json["source"]["id"]
            listed = {s["name"]: s for s in root.request("GET", "/api/sources").json["sources"]}
            self.assertIsNone(listed["slow-board"]["last_result"])
            self.assertIsNone(listed["slow-board"]["run"])
            self.assertEqual(sup.request("POST", "/api/sources/%d/run" % sid, {}).status, 403)
            self.assertEqual(root.request("POST", "/api/sources/%d/run" % sid, {}, csrf=False).status, 403)
            self.assertEqual(root.request("POST", "/api/sources/999999/run", {}).status, 404)
            self.assertEqual(root.request("POST", "/api/sources/x/run", {}).status, 404)
            items_before = self.audit("SELECT count(*) FROM items")[0][0]
            r = root.request("POST", "/api/sources/%d/run" % sid, {})
            self.assertEqual(r.status, 202, r.raw)
            self.assertEqual((r.json["name"], r.json["run"]["state"], r.json["run"]["user"]),
                             ("slow-board", "running", "root"))
            again = root.request("POST", "/api/sources/%d/run" % sid, {})
            self.assertEqual(again.status, 409, again.raw)
            self.assertIn("running", again.json["error"])
            # the patroller sees the list (and the run) too
            deadline = time.time() + 30
            while True:
                s = {x["name"]: x for x in self.client("pat").request("GET", "/api/sources").json["sources"]}
                if s["slow-board"]["run"]["state"] != "running" or time.time() > deadline:
                    break
                time.sleep(0.2)
            src = s["slow-board"]
            self.assertEqual(src["run"]["state"], "done", src)
            self.assertEqual(src["run"]["exit_status"], 0)
            self.assertEqual(src["run"]["message"], "source slow-board: 2 new, 0 already stored", src)
            self.assertEqual(src["last_result"]["fresh"], 2, src)
            self.assertEqual(src["last_result"]["errors"], 0)
            self.assertEqual(src["last_result"]["outcome"], "source slow-board: 2 new, 0 already stored")
            self.assertIsNotNone(src["last_run_at"])
            # the source's own record of its last run, as every run writes it
            self.assertIs(src["last_ok"], True, src)
            self.assertEqual(src["last_outcome"], "source slow-board: 2 new, 0 already stored")
            self.assertEqual(src["failures"], 0)
            self.assertRegex(src["last_attempt_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            self.assertEqual(self.audit("SELECT count(*) FROM items")[0][0], items_before + 2)
            acts = self.audit("SELECT user, action FROM audit WHERE target = 'source:slow-board' ORDER BY id")
            self.assertEqual([a for _, a in acts], ["source.add", "source.run", "patrol"], acts)
            self.assertEqual(acts[1][0], "root")
            # the stored item hit the rules and waits in the queue
            q = root.request("GET", "/api/queue?source=slow-board").json["items"]
            self.assertEqual([i["url"] for i in q], ["https://slow.example/p/1"])
            # a second run stores nothing twice
            SlowFeed.delay = 0
            r = root.request("POST", "/api/sources/%d/run" % sid, {})
            self.assertEqual(r.status, 202, r.raw)
            deadline = time.time() + 30
            while time.time() < deadline:
                src = {x["name"]: x for x in root.request("GET", "/api/sources").json["sources"]}["slow-board"]
                if src["run"]["state"] != "running":
                    break
                time.sleep(0.2)
            self.assertEqual(src["run"]["message"], "source slow-board: 0 new, 2 already stored", src)
            self.assertEqual(src["last_result"]["fresh"], 0)
        finally:
            srv.shutdown()
            srv.server_close()

    def test_run_now_failure_is_shown(self):
        root = self.client("root")
        r = root.request("POST", "/api/sources", {"kind": "jsonl", "name": "gone-file",
                                                  "target": "/nonexistent/posts.jsonl"})
        self.assertEqual(r.status, 201, r.raw)
        sid = r.json["source"]["id"]
        self.assertEqual(root.request("POST", "/api/sources/%d/run" % sid, {}).status, 202)
        deadline = time.time() + 30
        while time.time() < deadline:
            src = {x["name"]: x for x in root.request("GET", "/api/sources").json["sources"]}["gone-file"]
            if src["run"]["state"] != "running":
                break
            time.sleep(0.2)
        self.assertEqual(src["run"]["state"], "failed", src)
        self.assertEqual(src["run"]["exit_status"], 2)
        self.assertIn("/nonexistent/posts.jsonl", src["run"]["message"])
        self.assertTrue(src["last_result"]["outcome"].startswith("error:"), src)
        self.assertEqual(src["last_result"]["errors"], 1)
        self.assertIs(src["last_ok"], False, src)
        self.assertEqual(src["last_outcome"], src["last_result"]["outcome"])
        self.assertEqual(src["failures"], 1)
        self.assertIsNone(src["last_run_at"])  # never completed
        # a second failure in a row is counted as such
        self.assertEqual(root.request("POST", "/api/sources/%d/run" % sid, {}).status, 202)
        deadline = time.time() + 30
        while time.time() < deadline:
            src = {x["name"]: x for x in root.request("GET", "/api/sources").json["sources"]}["gone-file"]
            if src["run"]["state"] != "running":
                break
            time.sleep(0.2)
        self.assertEqual(src["failures"], 2, src)
        self.assertIs(src["last_ok"], False)

    def test_patrol_source_cli(self):
        p = run(BIN, ["patrol", "--source", "no-such-source", "--data", self.data.path], check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn('no source named "no-such-source"', p.stderr.decode())
        h = run(BIN, ["patrol", "--help"]).stdout.decode()
        self.assertIn("--source NAME", h)

    # ---- rules ----

    def test_rules_list(self):
        pat = self.client("pat")
        r = pat.request("GET", "/api/rules")
        self.assertEqual(r.status, 200, r.raw)
        listed = run(BIN, ["rules", "list"]).stdout.decode().strip().split("\n")
        self.assertTrue(r.json["loaded"])
        self.assertEqual(len(r.json["rules"]), len(listed))
        self.assertEqual(sum(p["rules"] for p in r.json["packs"]), len(listed))
        ids = {x["id"] for x in r.json["rules"]}
        for line in listed:
            self.assertIn(line.split()[0], ids)
        for p in r.json["packs"]:
            self.assertNotIn("/", p["file"])  # no server paths in replies
        rule = next(x for x in r.json["rules"] if x["id"] == "trafficking.organ.sale")
        self.assertEqual(rule["category"], "trafficking")
        self.assertGreaterEqual(rule["hit_examples"], 2)

    def test_rules_try_equals_scan(self):
        pat = self.client("pat")
        entries = self.audit("SELECT count(*) FROM audit")[0][0]
        for text in ("ﾔｻｲ あります、都内手押し即日 LINE: yasai_tokyo", "腎臓売ります、500万円、健康体です",
                     "ホワイト案件 高収入 DMください", "【都内手押し】ﾔｻｲ🥦 入荷 即日OK テレグラム @green_tokyo77",
                     "❄️🧊 0.2 1.5 手押し 新宿・池袋 秘密厳守", "今日の夕飯は夏野菜カレー"):
            r = pat.request("POST", "/api/rules/try", {"text": text})
            self.assertEqual(r.status, 200, r.raw)
            p = subprocess.run([BIN, "scan", "--input", "jsonl"], capture_output=True,
                               input=(json.dumps({"id": "t", "text": text}) + "\n").encode())
            scan = json.loads(p.stdout.decode())
            got = [(h["rule"], h["category"], h["spans"], sorted(h["terms"]), h["score"]) for h in r.json["hits"]]
            want = [(h["rule"], h["category"], h["spans"], sorted(h["terms"]), h["score"]) for h in scan["hits"]]
            self.assertEqual(got, want, text)
            self.assertEqual(r.json["score"], scan["score"])
            self.assertEqual(r.json["categories"], scan["categories"])
            self.assertEqual([(i["type"], i["value"], i["span"]) for i in r.json["indicators"]],
                             [(i["type"], i["value"], i["spans"][0]) for i in scan.get("indicators", [])])
        self.assertEqual(r.json["hits"], [])
        r = pat.request("POST", "/api/rules/try", {"text": "ﾔｻｲ"})
        self.assertEqual(r.json["normalized"], "やさい")
        # nothing was stored or audited
        self.assertEqual(self.audit("SELECT count(*) FROM audit")[0][0], entries + 0)
        self.assertEqual(pat.request("POST", "/api/rules/try", {"text": "x"}, csrf=False).status, 403)
        self.assertEqual(Client(self.server.port).request("POST", "/api/rules/try", {"text": "x"}).status, 401)
        for body in ({}, {"text": ""}, {"text": 5}, {"text": "あ" * 100000}):
            b = pat.request("POST", "/api/rules/try", body)
            self.assertEqual(b.status, 400, (body if len(str(body)) < 50 else "long", b.raw))

    def test_rules_without_packs(self):
        import tempfile
        with tempfile.TemporaryDirectory() as norules:
            os.environ["JUNKAI_RULES_DIR"] = norules
            try:
                s2 = Server(BIN, self.data.path)
            finally:
                del os.environ["JUNKAI_RULES_DIR"]
            try:
                c = Client(s2.port)
                c.login("pat", PW["pat"])
                r = c.request("GET", "/api/rules")
                self.assertEqual((r.json["loaded"], r.json["packs"], r.json["rules"]), (False, [], []))
                r = c.request("POST", "/api/rules/try", {"text": "手押し"})
                self.assertEqual(r.status, 503, r.raw)
                self.assertIn("no rules", r.json["error"])
            finally:
                self.assertEqual(s2.stop(), 0)

    def test_rules_from_junkai_yaml(self):
        # the server scans with the packs junkai.yaml names, as patrols do
        import shutil
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            shutil.copytree(self.data.path, data)
            pack = os.path.join(ROOT, "rules", "drugs.yaml")
            with open(os.path.join(data, "junkai.yaml"), "a", encoding="utf-8") as f:
                f.write("\nrules: [%s]\n" % json.dumps(pack))
            with open(os.path.join(data, "junkai.yaml"), encoding="utf-8") as f:
                text = f.read().replace("rules: []\n", "", 1)
            with open(os.path.join(data, "junkai.yaml"), "w", encoding="utf-8") as f:
                f.write(text)
            s2 = Server(BIN, data)
            try:
                c = Client(s2.port)
                c.login("pat", PW["pat"])
                r = c.request("GET", "/api/rules")
                self.assertEqual([p["file"] for p in r.json["packs"]], ["drugs.yaml"], r.raw)
                cats = {x["category"] for x in r.json["rules"]}
                self.assertEqual(cats, {"drug_ad"})
            finally:
                self.assertEqual(s2.stop(), 0)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
