#!/usr/bin/env python3
"""The x collector end to end: the real junkai binary patrols a stand-in of
the X API v2 recent-search endpoint (x_server.py) on 127.0.0.1.

- a first run pages through every matching tweet (next_token) and stores
  each with its x.com URL, @author, UTC time, language and expanded text;
- a second run sends since_id and stores only the new tweets;
- a run that spends the rate-limit window (remaining 0) stops after the
  page in hand, logs the reset time, keeps its paging position, and the
  next run honours the reset: it skips until then, then resumes;
- a 429 after the fetch layer's retries stops the run the same way;
- a since_id the API refuses as too old is dropped and the search redone;
- a missing or rejected bearer token is a clear error that names the
  variable and never prints the token.

usage: x_e2e_test.py JUNKAI_BINARY
"""
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from x_server import XServer  # noqa: E402

BIN = None
TOKEN = "AAAA-test-bearer-7f3c9e"
QUERY = "闇バイト"


def run(args, token=TOKEN):
    env = dict(os.environ)
    env.pop("JUNKAI_X_BEARER_TOKEN", None)
    if token is not None:
        env["JUNKAI_X_BEARER_TOKEN"] = token
    p = subprocess.run([BIN] + args, capture_output=True, timeout=120, env=env)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


class XCollector(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.tmp.name, "data")
        self.db = os.path.join(self.data, "junkai.db")
        # pages of 4 make a handful of tweets span several pages
        self.server = XServer(TOKEN, page_size=4).__enter__()
        self.assertEqual(run(["init", "--data", self.data])[0], 0)
        # no politeness pause between pages of the loopback server
        with open(os.path.join(self.data, "junkai.yaml"), "w") as f:
            f.write("http:\n  min_interval_ms: 0\n")
        rc, out, err = run(["source", "add", "x", "xs", self.server.base, "--query", QUERY,
                            "--allow-private", "--every", "1s", "--data", self.data])
        self.assertEqual(rc, 0, err)

    def tearDown(self):
        self.server.__exit__(None, None, None)
        self.tmp.cleanup()

    def patrol(self, token=TOKEN):
        time.sleep(1.1)  # the source is due once a second has passed
        return run(["patrol", "--once", "--data", self.data], token)

    def items(self):
        con = sqlite3.connect(self.db)
        try:
            return con.execute("SELECT external_id, url, author, posted_at, lang, text "
                               "FROM items WHERE platform = 'x' ORDER BY external_id").fetchall()
        finally:
            con.close()

    def state(self):
        con = sqlite3.connect(self.db)
        try:
            s = con.execute("SELECT state FROM sources WHERE name = 'xs'").fetchone()[0]
            return json.loads(s) if s else {}
        finally:
            con.close()

    def searches(self):
        st = self.server.state
        with st.lock:
            reqs = [q for path, q, _ in st.requests if path == "/2/tweets/search/recent"]
            st.requests.clear()
        return reqs

    def test_pages_then_since_id(self):
        st = self.server.state
        st.add(11, long_every=5)
        rc, out, err = self.patrol()
        self.assertEqual(rc, 0, err)
        rows = self.items()
        self.assertEqual(len(rows), 11, err)
        reqs = self.searches()
        self.assertEqual(len(reqs), 3)  # 4 + 4 + 3
        self.assertEqual(reqs[0]["query"], QUERY)
        self.assertEqual(reqs[0]["max_results"], "100")
        self.assertEqual(reqs[0]["expansions"], "author_id")
        self.assertIn("note_tweet", reqs[0]["tweet.fields"].split(","))
        self.assertNotIn("since_id", reqs[0])
        self.assertNotIn("next_token", reqs[0])
        self.assertIn("next_token", reqs[1])
        self.assertIn("next_token", reqs[2])
        for i, tweet in enumerate(st.tweets):
            ext, url, author, posted, lang, text = next(r for r in rows if r[0] == tweet["id"])
            user = [u for u in (("2000000001", "kousyunyu_job"), ("2000000002", "white_anken"),
                                ("2000000003", "news_reader")) if u[0] == tweet["author_id"]][0]
            self.assertEqual(url, "https://x.com/%s/status/%s" % (user[1], ext))
            self.assertEqual(author, "@" + user[1])
            self.assertEqual(posted, tweet["created_at"][:19] + "Z")
            self.assertEqual(lang, "ja")
            self.assertEqual(text, st.expected_text(i))
        self.assertIn("&手渡し OK>>", rows[0][5])      # &amp; and &gt; decoded
        self.assertGreater(len(rows[0][5]), 300)        # tweet 0 is a long post
        newest = st.tweets[-1]["id"]
        self.assertEqual(self.state(), {"since_id": newest})
        self.assertIn("source xs: 11 new", err)

        # nothing new: one request with since_id, nothing stored
        rc, out, err = self.patrol()
        self.assertEqual(rc, 0, err)
        reqs = self.searches()
        self.assertEqual(len(reqs), 1)
        self.assertEqual(reqs[0]["since_id"], newest)
        self.assertEqual(len(self.items()), 11)

        st.add(3)
        rc, out, err = self.patrol()
        self.assertEqual(rc, 0, err)
        reqs = self.searches()
        self.assertEqual([r.get("since_id") for r in reqs], [newest])
        self.assertEqual(len(self.items()), 14)
        self.assertIn("source xs: 3 new, 0 already stored", err)
        self.assertEqual(self.state(), {"since_id": st.tweets[-1]["id"]})

    def test_rate_limit_stops_and_resumes(self):
        st = self.server.state
        st.add(10)
        st.budget = 1          # the first page spends the window
        st.reset_in = 15      # room for a slow (ASan, loaded) second run before it
        rc, out, err = self.patrol()
        self.assertEqual(rc, 0, err)
        m = re.search(r"source xs: rate limited until (\d\d:\d\d:\d\d) UTC", err)
        self.assertIsNotNone(m, err)
        self.assertEqual(len(self.items()), 4)
        state = self.state()
        self.assertNotIn("since_id", state)  # the run has not finished its paging
        self.assertIn("pending_next_token", state)
        self.assertEqual(state["pending_newest"], st.tweets[-1]["id"])
        self.assertGreater(state["resume_after"], time.time())
        self.assertEqual(time.strftime("%H:%M:%S", time.gmtime(state["resume_after"])),
                         m.group(1))
        self.assertEqual(len(self.searches()), 1)

        # before the reset: skipped without a request
        st.budget = 100
        rc, out, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertIn("rate limited until %s UTC; skipped" % m.group(1), err)
        self.assertEqual(self.searches(), [])
        self.assertEqual(len(self.items()), 4)

        # after it: the interrupted paging goes on where it stopped
        time.sleep(max(0.0, state["resume_after"] - time.time()) + 0.2)
        rc, out, err = self.patrol()
        self.assertEqual(rc, 0, err)
        reqs = self.searches()
        self.assertEqual(len(reqs), 2)
        self.assertEqual(reqs[0]["next_token"], state["pending_next_token"])
        self.assertEqual(len(self.items()), 10)
        self.assertIn("source xs: 6 new, 0 already stored", err)
        self.assertEqual(self.state(), {"since_id": st.tweets[-1]["id"]})

    def test_killed_between_pages_resumes(self):
        st = self.server.state
        st.add(20)             # five pages of four
        st.delay = 0.3
        time.sleep(1.1)
        env = dict(os.environ, JUNKAI_X_BEARER_TOKEN=TOKEN)
        p = subprocess.Popen([BIN, "patrol", "--once", "--data", self.data], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(self.items()) < 8 and time.monotonic() < deadline:
            time.sleep(0.02)
        p.send_signal(signal.SIGKILL)
        p.wait()
        stored = len(self.items())
        self.assertGreaterEqual(stored, 8)
        self.assertLess(stored, 20)  # killed mid-run
        state = self.state()
        self.assertIn("pending_next_token", state)
        self.assertNotIn("since_id", state)  # the newest id waits for the run's end
        st.delay = 0
        self.searches()
        rc, out, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertIn("resuming an interrupted search", err)
        self.assertEqual(self.searches()[0]["next_token"], state["pending_next_token"])
        rows = self.items()
        self.assertEqual(len(rows), 20)
        self.assertEqual(len({r[0] for r in rows}), 20)
        self.assertEqual(self.state(), {"since_id": st.tweets[-1]["id"]})

    def test_expired_paging_token_starts_over(self):
        st = self.server.state
        st.add(10)
        st.budget = 1
        st.reset_in = 1
        self.assertEqual(self.patrol()[0], 0)
        self.assertEqual(len(self.items()), 4)
        state = self.state()
        self.assertIn("pending_next_token", state)
        with st.lock:
            st.tokens.clear()  # the saved token means nothing now
        st.budget = 100
        time.sleep(max(0.0, state["resume_after"] - time.time()) + 0.2)
        self.searches()
        rc, out, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertIn("refused the saved paging token", err)
        reqs = self.searches()
        self.assertEqual(reqs[0]["next_token"], state["pending_next_token"])
        self.assertNotIn("next_token", reqs[1])
        self.assertEqual(len(self.items()), 10)
        self.assertIn("source xs: 6 new, 4 already stored", err)
        self.assertEqual(self.state(), {"since_id": st.tweets[-1]["id"]})

    def test_429_after_retries_stops_the_run(self):
        st = self.server.state
        st.add(2)
        st.budget = 0
        st.retry_after = 0
        st.reset_in = 600
        rc, out, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertRegex(err, r"source xs: rate limited until \d\d:\d\d:\d\d UTC")
        self.assertEqual(len(self.items()), 0)
        self.assertAlmostEqual(self.state()["resume_after"], time.time() + 600, delta=30)
        self.searches()
        rc, out, err = self.patrol()
        self.assertIn("; skipped", err)
        self.assertEqual(self.searches(), [])

    def test_since_id_refused_as_too_old(self):
        st = self.server.state
        st.add(5)
        self.assertEqual(self.patrol()[0], 0)
        self.assertEqual(len(self.items()), 5)
        self.searches()
        old = self.state()["since_id"]
        st.add(2)
        st.oldest_since = int(st.tweets[-1]["id"]) + 1  # every saved id is "too old" now
        rc, out, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertIn("refused since_id %s" % old, err)
        reqs = self.searches()
        self.assertEqual(reqs[0].get("since_id"), old)
        self.assertNotIn("since_id", reqs[1])
        self.assertEqual(len(self.items()), 7)
        self.assertIn("source xs: 2 new, 5 already stored", err)

    def test_token_problems(self):
        st = self.server.state
        st.add(3)
        rc, out, err = self.patrol(token=None)
        self.assertNotEqual(rc, 0)
        self.assertIn("JUNKAI_X_BEARER_TOKEN", err)
        self.assertEqual(self.searches(), [])
        rc, out, err = self.patrol(token="")
        self.assertNotEqual(rc, 0)
        self.assertIn("JUNKAI_X_BEARER_TOKEN", err)
        rc, out, err = self.patrol(token="wrong-secret-4711")
        self.assertNotEqual(rc, 0)
        self.assertIn("JUNKAI_X_BEARER_TOKEN", err)
        self.assertIn("HTTP 401", err)
        self.assertNotIn("wrong-secret-4711", err + out)
        self.assertEqual(len(self.items()), 0)
        rc, out, err = self.patrol(token="two words")
        self.assertNotEqual(rc, 0)
        self.assertIn("JUNKAI_X_BEARER_TOKEN", err)
        self.assertNotIn("two words", err)
        # the token is sent as a bearer and stored nowhere
        self.assertEqual(self.patrol()[0], 0)
        with st.lock:
            auths = {a for _, _, a in st.requests}
        self.assertIn("Bearer " + TOKEN, auths)
        with open(self.db, "rb") as f:
            self.assertNotIn(TOKEN.encode(), f.read())

    def test_query_required(self):
        # refused when added…
        rc, out, err = run(["source", "add", "x", "noq", self.server.base, "--allow-private",
                            "--every", "1s", "--data", self.data])
        self.assertEqual(rc, 2, err)
        self.assertIn("an x source needs --query", err)
        # …and a row without one (an older store, a hand edit) fails at patrol time
        con = sqlite3.connect(self.db)
        con.execute("INSERT INTO sources (kind, name, target, every_seconds, allow_private)"
                    " VALUES ('x', 'noq', ?, 1, 1)", (self.server.base,))
        con.commit()
        con.close()
        rc, out, err = self.patrol()
        self.assertNotEqual(rc, 0)
        self.assertIn("source noq: an x source needs a search query", err)


if __name__ == "__main__":
    BIN = sys.argv.pop(1)
    unittest.main(verbosity=2)
