#!/usr/bin/env python3
"""Mastodon and Misskey sources end to end: the real junkai binary patrols
the loopback instance of social_server.py.

For each platform: the first patrol stores exactly the posts the server
has for the query (walking back through older pages); after the server
gets new posts, the next patrol stores only those, asking with
min_id / sinceId = the newest id of the first run; a patrol with nothing
new stores nothing. Also: the page cap of a first run, a search query, the
token from the environment, and a server error named in the log.

usage: social_e2e_test.py JUNKAI_BINARY
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import social_server  # noqa: E402

BIN = None
TAG_QUERY = "#" + social_server.TAG


class SocialE2E(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.tmp.name, "data")
        self.env = dict(os.environ)
        self.env.pop("JUNKAI_MASTODON_TOKEN", None)
        self.env.pop("JUNKAI_MISSKEY_TOKEN", None)
        self.server = None
        rc, _, err = self.run_junkai(["init"])
        self.assertEqual(rc, 0, err)
        # the loopback server needs no politeness pause between pages
        with open(os.path.join(self.data, "junkai.yaml"), "w") as f:
            f.write("http:\n  min_interval_ms: 0\n")

    def tearDown(self):
        if self.server:
            self.server.stop()
        self.tmp.cleanup()

    def start_server(self, **kw):
        self.server = social_server.Server(**kw).start()
        return self.server

    def run_junkai(self, args):
        p = subprocess.run([BIN] + args + ["--data", self.data], capture_output=True,
                           timeout=300, env=self.env)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def add_source(self, kind, name, query=None):
        args = ["source", "add", kind, name, self.server.url, "--allow-private", "--every", "1s"]
        if query is not None:
            args += ["--query", query]
        rc, out, err = self.run_junkai(args)
        self.assertEqual(rc, 0, err)

    def patrol(self):
        time.sleep(1.1)  # the source becomes due again (--every 1s)
        rc, out, err = self.run_junkai(["patrol", "--once"])
        return rc, err

    def stored(self, platform):
        rc, out, err = self.run_junkai(["stats", "--format", "json"])
        self.assertEqual(rc, 0, err)
        for row in json.loads(out)["platforms"]:
            if row["key"] == platform:
                return row["items"]
        return 0

    def search(self, text):
        rc, out, err = self.run_junkai(["search", "--format", "jsonl", "--limit", "1000", text])
        self.assertIn(rc, (0, 1), err)
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    # ---- Mastodon ----

    def test_mastodon_tag_first_run_then_only_new(self):
        srv = self.start_server()
        srv.add_statuses(90, tagged=True)
        srv.add_statuses(15, tagged=False)  # public timeline only: not in the tag
        self.add_source("mastodon", "m1", TAG_QUERY)

        rc, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.stored("mastodon"), 90, err)
        self.assertIn("source m1: 90 new", err)
        first = srv.requests_to("/api/v1/timelines/tag/")
        self.assertEqual(first[0]["params"], {"limit": "40"})
        # walked back through Link rel="next" (max_id), 3 pages and the empty one
        self.assertEqual([r["params"].get("max_id") is not None for r in first],
                         [False, True, True, True])
        newest = max(s.id for s in srv.statuses if s.tagged)

        # stored items are the statuses' URIs (a reblog: the reblogged one),
        # with the HTML turned into text and UTC times
        hits = self.search("#%d" % 3)
        ids = {h["id"] for h in hits}
        self.assertIn("https://remote.example/users/r3/statuses/3", ids)
        items = self.search("example.jp/p/10 ")
        row = [h for h in items if h["id"].endswith("/statuses/%d" % srv.statuses[9].id)]
        self.assertEqual(len(row), 1, items)
        self.assertEqual(row[0]["posted_at"], "2026-03-01T00:10:00Z")
        self.assertTrue(row[0]["text"].startswith("閲覧注意\n"), row[0]["text"])
        self.assertIn("<連絡> & https://example.jp/p/10", row[0]["text"])
        self.assertNotIn("<p>", row[0]["text"])

        before = len(srv.requests)
        srv.add_statuses(50, tagged=True)
        srv.add_statuses(5, tagged=False)
        rc, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.stored("mastodon"), 140, err)
        self.assertIn("source m1: 50 new, 0 already stored", err)
        second = srv.requests[before:]
        self.assertEqual(second[0]["params"].get("min_id"), str(newest))
        # the page came back full: on through Link rel="prev", never from the top
        self.assertEqual(len(second), 2, second)
        self.assertTrue(all("min_id" in r["params"] for r in second), second)

        before = len(srv.requests)
        rc, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.stored("mastodon"), 140)
        self.assertEqual(len(srv.requests) - before, 1)
        self.assertEqual(srv.requests[-1]["params"].get("min_id"),
                         str(max(s.id for s in srv.statuses if s.tagged)))

    def test_mastodon_first_run_page_cap(self):
        srv = self.start_server()
        srv.add_statuses(230, tagged=False)
        self.add_source("mastodon", "pub")  # no query: the public timeline
        rc, err = self.patrol()
        self.assertEqual(rc, 0, err)
        reqs = srv.requests_to("/api/v1/timelines/public")
        self.assertEqual(len(reqs), 5)  # the cap
        self.assertEqual(self.stored("mastodon"), 200)
        # later runs go forward from the newest, not back into the rest
        srv.add_statuses(3, tagged=False)
        before = len(srv.requests)
        rc, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.stored("mastodon"), 203)
        self.assertEqual(srv.requests[before]["params"].get("min_id"), str(srv.statuses[-4].id))

    def test_mastodon_walk_cut_short_keeps_the_cursor(self):
        srv = self.start_server()
        srv.add_statuses(90, tagged=True)
        srv.refuse_max_id = True
        self.add_source("mastodon", "m2", TAG_QUERY)
        rc, err = self.patrol()
        self.assertNotEqual(rc, 0)
        self.assertIn("HTTP status 400", err)
        self.assertEqual(self.stored("mastodon"), 40)  # the first page is kept
        # the cursor committed with it is the newest id: new posts come next
        srv.refuse_max_id = False
        newest = srv.statuses[-1].id
        srv.add_statuses(5, tagged=True)
        before = len(srv.requests)
        rc, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertEqual(srv.requests[before]["params"].get("min_id"), str(newest))
        self.assertEqual(self.stored("mastodon"), 45)

    def test_mastodon_search_with_token(self):
        srv = self.start_server(mastodon_token="secret-token")
        srv.add_statuses(100, tagged=True)
        want = sum(1 for s in srv.statuses if "受け子" in s.text)
        self.add_source("mastodon", "s1", "受け子")

        rc, err = self.patrol()  # no token: the server refuses, the log says where
        self.assertNotEqual(rc, 0)
        self.assertIn("HTTP status 401", err)
        self.assertIn("/api/v2/search?q=%E5%8F%97%E3%81%91%E5%AD%90", err)
        self.assertIn("The access token is invalid", err)
        self.assertNotIn("secret-token", err)
        self.assertEqual(self.stored("mastodon"), 0)

        self.env["JUNKAI_MASTODON_TOKEN"] = "secret-token"
        rc, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.stored("mastodon"), want)
        reqs = [r for r in srv.requests_to("/api/v2/search")
                if r["authorization"] == "Bearer secret-token"]
        self.assertEqual(reqs[0]["params"]["type"], "statuses")
        self.assertEqual(reqs[0]["params"]["resolve"], "false")
        srv.add_statuses(20, tagged=True)
        want2 = sum(1 for s in srv.statuses if "受け子" in s.text)
        self.assertGreater(want2, want)
        rc, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.stored("mastodon"), want2)
        self.assertIn("min_id", srv.requests[-1]["params"])

    # ---- Misskey ----

    def test_misskey_tag_first_run_then_only_new(self):
        srv = self.start_server(misskey_token="mk-token")
        self.env["JUNKAI_MISSKEY_TOKEN"] = "mk-token"
        srv.add_notes(90, tagged=True)
        srv.add_notes(10, tagged=False)
        self.add_source("misskey", "k1", TAG_QUERY)

        rc, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.stored("misskey"), 90, err)
        first = srv.requests_to("/api/notes/search-by-tag")
        self.assertEqual(first[0]["method"], "POST")
        self.assertEqual(first[0]["body"]["tag"], social_server.TAG)
        self.assertEqual(first[0]["body"]["limit"], 100)
        self.assertEqual(first[0]["body"]["i"], "mk-token")
        self.assertNotIn("sinceId", first[0]["body"])
        self.assertIn("untilId", first[-1]["body"])  # the walk back found the end
        newest = max(n.id for n in srv.notes if n.tagged)

        # local notes get the instance's address, remote ones keep their uri
        items = self.search(social_server.TAG)
        self.assertTrue(any(i["id"].startswith(srv.url + "/notes/") for i in items))
        self.assertTrue(any(i["id"].startswith("https://remote.example/notes/") for i in items))

        before = len(srv.requests)
        srv.add_notes(150, tagged=True)
        rc, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.stored("misskey"), 240, err)
        self.assertIn("source k1: 150 new, 0 already stored", err)
        second = srv.requests[before:]
        self.assertEqual(second[0]["body"].get("sinceId"), newest)
        self.assertEqual(len(second), 2)  # 100 (full), then the last 50
        self.assertTrue(all("sinceId" in r["body"] and "untilId" not in r["body"]
                            for r in second))

        rc, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.stored("misskey"), 240)
        self.assertEqual(srv.requests[-1]["body"].get("sinceId"),
                         max(n.id for n in srv.notes if n.tagged))

    def test_misskey_global_and_search(self):
        srv = self.start_server()
        srv.add_notes(120, tagged=False)
        self.add_source("misskey", "g")
        self.add_source("misskey", "s", "受け子")
        rc, err = self.patrol()
        self.assertEqual(rc, 0, err)
        # every note is in the global timeline; the search's are among them
        self.assertEqual(self.stored("misskey"), 120)
        self.assertTrue(srv.requests_to("/api/notes/global-timeline"))
        search = srv.requests_to("/api/notes/search")
        self.assertEqual(search[0]["body"]["query"], "受け子")
        self.assertIn("source s: 0 new, %d already stored"
                      % sum(1 for n in srv.notes if "受け子" in n.text), err)

    def test_misskey_error_is_named(self):
        srv = self.start_server(misskey_token="needed")
        srv.add_notes(5)
        self.add_source("misskey", "k2")
        rc, err = self.patrol()
        self.assertNotEqual(rc, 0)
        self.assertIn("source k2: POST %s/api/notes/global-timeline: HTTP status 401" % srv.url,
                      err)
        self.assertIn("CREDENTIAL_REQUIRED", err)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
