#!/usr/bin/env python3
"""The feed collector end to end, through the real binary and a real HTTP
server on 127.0.0.1.

A feed served with an ETag is patrolled: the first pass takes its entries,
the second sends If-None-Match, gets 304 and adds nothing, a changed feed
adds only its new entries, and `junkai search` finds them. A feed in
Shift_JIS behind a charset=Shift_JIS header comes out as Japanese text. A
source added without --allow-private is refused (the server is on
loopback): the patrol says so and exits non-zero, and the server never
sees the request.

usage: feed_e2e_test.py JUNKAI_BINARY
"""
import hashlib
import http.server
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

BIN = None


def run(args):
    p = subprocess.run([BIN] + args, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def rss(items, encoding="utf-8"):
    body = ['<?xml version="1.0" encoding="%s"?>' % encoding,
            '<rss version="2.0"><channel><title>Test</title><language>ja</language>']
    for guid, title, desc in items:
        body.append("<item><guid>%s</guid><title>%s</title><description><![CDATA[<p>%s</p>]]>"
                    "</description><pubDate>Sat, 04 May 2024 21:30:00 +0900</pubDate></item>"
                    % (guid, title, desc))
    body.append("</channel></rss>")
    return "\n".join(body).encode(encoding)


class FeedServer:
    """Serves self.docs[path] = (bytes, content_type) with a strong ETag and
    answers If-None-Match with 304; records every request."""

    def __init__(self):
        self.docs = {}
        self.log = []  # (path, if_none_match, status)
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                doc = server.docs.get(self.path)
                inm = self.headers.get("If-None-Match")
                if doc is None:
                    server.log.append((self.path, inm, 404))
                    self.send_error(404)
                    return
                body, ctype = doc
                etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
                if inm == etag:
                    server.log.append((self.path, inm, 304))
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                server.log.append((self.path, inm, 200))
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def count_items(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM items").fetchone()[0]
    finally:
        con.close()


class FeedE2E(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.tmp.name, "data")
        self.db = os.path.join(self.data, "junkai.db")
        self.server = FeedServer()
        rc, _, err = run(["init", "--data", self.data])
        self.assertEqual(rc, 0, err)

    def tearDown(self):
        self.server.close()
        self.tmp.cleanup()

    def patrol(self):
        return run(["patrol", "--once", "--data", self.data])

    def test_conditional_get_and_new_entries(self):
        items = [("tag:t,2024:1", "最初の記事", "ラーメン屋の話"),
                 ("tag:t,2024:2", "二番目の記事", "駅前の天気")]
        self.server.docs["/feed.xml"] = (rss(items), "application/rss+xml; charset=utf-8")
        rc, _, err = run(["source", "add", "feed", "news", self.server.url("/feed.xml"),
                          "--allow-private", "--every", "1s", "--data", self.data])
        self.assertEqual(rc, 0, err)

        rc, _, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertEqual(count_items(self.db), 2, err)
        self.assertEqual(self.server.log[-1][1:], (None, 200))

        time.sleep(1.2)  # due again
        rc, _, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertEqual(count_items(self.db), 2, err)
        path, inm, status = self.server.log[-1]
        self.assertIsNotNone(inm, "the second fetch must be conditional")
        self.assertEqual(status, 304)

        items.append(("tag:t,2024:3", "三番目の記事", "手押し即日の募集"))
        self.server.docs["/feed.xml"] = (rss(items), "application/rss+xml; charset=utf-8")
        time.sleep(1.2)
        rc, _, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.server.log[-1][2], 200)
        self.assertEqual(count_items(self.db), 3, err)
        self.assertIn("1 new", err)

        rc, out, err = run(["search", "--data", self.data, "三番目"])
        self.assertEqual(rc, 0, err)
        self.assertIn("tag:t,2024:3", out)
        self.assertIn("手押し即日の募集", out)
        self.assertIn("2024-05-04T12:30:00Z", out)
        self.assertNotIn("<p>", out)
        rc, out, err = run(["search", "--data", self.data, "ラーメン"])
        self.assertEqual(rc, 0, err)
        self.assertIn("tag:t,2024:1", out)

    def test_shift_jis_behind_its_header(self):
        body = rss([("tag:sj,2024:1", "野菜あります", "連絡はテレグラムで")], "shift_jis")
        self.server.docs["/sj.xml"] = (body, "text/xml; charset=Shift_JIS")
        rc, _, err = run(["source", "add", "feed", "sj", self.server.url("/sj.xml"),
                          "--allow-private", "--data", self.data])
        self.assertEqual(rc, 0, err)
        rc, _, err = self.patrol()
        self.assertEqual(rc, 0, err)
        rc, out, err = run(["search", "--data", self.data, "テレグラム"])
        self.assertEqual(rc, 0, err)
        self.assertIn("野菜あります", out)

    def test_not_a_feed_and_http_errors_name_the_url(self):
        self.server.docs["/page.html"] = (b"<!DOCTYPE html><html><body>hi</body></html>",
                                          "text/html")
        url = self.server.url("/page.html")
        rc, _, err = run(["source", "add", "feed", "page", url, "--allow-private",
                          "--data", self.data])
        self.assertEqual(rc, 0, err)
        missing = self.server.url("/missing.xml")
        rc, _, err = run(["source", "add", "feed", "gone", missing, "--allow-private",
                          "--data", self.data])
        self.assertEqual(rc, 0, err)
        rc, _, err = self.patrol()
        self.assertNotEqual(rc, 0)
        self.assertIn("not an RSS or Atom feed (root element <html>)", err)
        self.assertIn(url, err)
        self.assertIn(missing, err)
        self.assertIn("404", err)
        self.assertEqual(count_items(self.db), 0)

    def test_private_address_refused_without_allow_private(self):
        self.server.docs["/feed.xml"] = (rss([("tag:p,1", "秘密", "x")]), "application/rss+xml")
        rc, _, err = run(["source", "add", "feed", "loop", self.server.url("/feed.xml"),
                          "--data", self.data])
        self.assertEqual(rc, 0, err)
        rc, _, err = self.patrol()
        self.assertNotEqual(rc, 0, err)
        self.assertIn("source loop", err)
        self.assertIn("127.0.0.1", err)
        self.assertEqual(count_items(self.db), 0)
        self.assertEqual(self.server.log, [], "a refused fetch must not reach the server")


if __name__ == "__main__":
    BIN = sys.argv.pop(1)
    unittest.main()
