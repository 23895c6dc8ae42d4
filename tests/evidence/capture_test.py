#!/usr/bin/env python3
"""`junkai capture` end to end with Debian's real headless Chromium.

Pages are served on 127.0.0.1 by a threaded http.server; a second server
listens on 127.0.0.2 (loopback too, but another host) and counts every
request that reaches it, to prove the capture proxy refuses what it must
rather than failing to connect. Checks: a tall page gives a PNG as wide as
the viewport and taller than it, a DOM holding text only the page's script
writes, an MHTML that parses as multipart/related with the page's image;
evidence rows, manifest and audit entry; the same URL without
--allow-private refused naming the URL; subresources and a redirect to
other internal hosts refused and recorded; timeouts for a page that never
answers and one that never finishes loading; `junkai verify` before and
after a flipped byte; an item filed into a case through the server's API
captured by the server's worker.

usage: capture_test.py JUNKAI_BIN
"""
import email
import email.policy
import hashlib
import http.client
import http.server
import json
import os
import re
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import zlib

BIN = None
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "server"))
import serverlib  # noqa: E402

VIEWPORT = (1280, 800)


def tiny_png():
    raw = b"\x00\xff\x00\x00"  # one red pixel, filter byte 0
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class Pages:
    """127.0.0.1:port serves the pages; 127.0.0.2:port2 counts requests."""

    def __init__(self):
        self.hits_other = []
        self.stop_hanging = threading.Event()
        pages = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def send(self, status, body, ctype="text/html; charset=utf-8", extra=()):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in extra:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path = self.path.split("?")[0]
                if path == "/tall":
                    # the marker is assembled by the script: it is not in the
                    # served bytes, so finding it proves the DOM was rendered
                    body = ("<!DOCTYPE html><html><head><title>tall page</title></head>"
                            "<body style='margin:0'><img src='/red.png' width=10 height=10>"
                            "<div style='height:3000px;background:#eee'>top</div>"
                            "<p id=out>static</p><script>document.getElementById('out')"
                            ".textContent=['RENDERED','BY','SCRIPT'].join('-')+'-'+(6*7);"
                            "</script></body></html>").encode()
                    self.send(200, body)
                elif path == "/sized":
                    h = int(self.path.split("h=")[1])
                    body = ("<html><body style='margin:0'><div style='height:%dpx;"
                            "background:linear-gradient(#fff,#000)'>sized</div></body></html>"
                            % h).encode()
                    self.send(200, body)
                elif path == "/red.png":
                    self.send(200, tiny_png(), "image/png")
                elif path == "/mixed":
                    other = "http://127.0.0.2:%d" % pages.port2
                    body = ("<html><body><p>mixed</p>"
                            "<img src='%s/probe.png'>"
                            "<img src='http://10.255.255.1/x.png'>"
                            "<script src='%s/probe.js'></script>"
                            "<script>fetch('%s/probe-fetch').catch(function(){})</script>"
                            "</body></html>" % (other, other, other)).encode()
                    self.send(200, body)
                elif path == "/to-private":
                    self.send(302, b"", extra=[("Location", "http://127.0.0.2:%d/secret" %
                                                 pages.port2)])
                elif path == "/hang":
                    pages.stop_hanging.wait(60)  # never answers within the test's timeout
                elif path == "/slow-load":
                    self.send(200, b"<html><body><h1>almost</h1><img src='/hang'></body></html>")
                else:
                    self.send(404, b"not here")

            def log_message(self, *args):
                pass

        class Other(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                pages.hits_other.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.daemon_threads = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.other = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Other)
        self.port2 = self.other.server_address[1]
        for s in (self.server, self.other):
            threading.Thread(target=s.serve_forever, daemon=True).start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        self.stop_hanging.set()
        self.server.shutdown()
        self.other.shutdown()


def read(path, mode="r"):
    with open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
        return f.read()


def junkai(args, timeout=180):
    env = dict(os.environ)
    env.pop("JUNKAI_DATA", None)
    t0 = time.monotonic()
    p = subprocess.run([BIN] + args, capture_output=True, env=env, timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode(), time.monotonic() - t0


def chromium_left(tmpdir):
    """Processes whose command line names a profile under tmpdir."""
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True).stdout.decode()
    return [l for l in out.splitlines() if "junkai-capture-" in l and tmpdir in l]


class CaptureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pages = Pages()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data = os.path.join(cls.tmp.name, "data")
        # the browser's temporary profile goes here, to check it is removed
        cls.tmpdir = os.path.join(cls.tmp.name, "tmp")
        os.mkdir(cls.tmpdir)
        cls.saved_tmpdir = os.environ.get("TMPDIR")
        os.environ["TMPDIR"] = cls.tmpdir
        rc, out, err, _ = junkai(["init", "--data", cls.data])
        assert rc == 0, err

    @classmethod
    def tearDownClass(cls):
        if cls.saved_tmpdir is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = cls.saved_tmpdir
        cls.pages.stop()
        cls.tmp.cleanup()

    def db(self):
        return sqlite3.connect(os.path.join(self.data, "junkai.db"))

    def capture(self, path, *extra, timeout=180):
        return junkai(["capture", self.pages.url(path), "--data", self.data, "--format", "json"] +
                      list(extra), timeout=timeout)

    def assert_clean(self):
        self.assertEqual(os.listdir(self.tmpdir), [], "temporary profile left behind")
        self.assertEqual(chromium_left(self.tmpdir), [], "browser processes left behind")

    def test_1_tall_page(self):
        rc, out, err, _ = self.capture("/tall", "--allow-private", "--user", "officer-7")
        self.assertEqual(rc, 0, err)
        res = json.loads(out)
        files = res["files"]
        self.assertTrue(res["load_complete"])
        self.assertEqual(res["title"], "tall page")
        png = read(os.path.join(self.data, files["screenshot"]["path"]), "rb")
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(png[12:16], b"IHDR")
        width, height = struct.unpack(">II", png[16:24])
        self.assertEqual(width, VIEWPORT[0])
        self.assertGreater(height, VIEWPORT[1])
        self.assertGreaterEqual(height, 3000)
        dom = read(os.path.join(self.data, files["dom"]["path"]))
        self.assertIn("RENDERED-BY-SCRIPT-42", dom)
        self.assertNotIn(">static<", dom)
        mhtml = read(os.path.join(self.data, files["mhtml"]["path"]), "rb")
        msg = email.message_from_bytes(mhtml, policy=email.policy.default)
        self.assertTrue(msg.is_multipart())
        self.assertEqual(msg.get_content_type(), "multipart/related")
        parts = {p.get_content_type(): p for p in msg.iter_parts()}
        self.assertIn("text/html", parts)
        self.assertEqual(parts["text/html"]["Content-Location"], self.pages.url("/tall"))
        self.assertIn("RENDERED-BY-SCRIPT-42", parts["text/html"].get_content())
        self.assertIn("image/png", parts)
        self.assertEqual(parts["image/png"].get_content(), tiny_png())
        # every file is named by its SHA-256, read-only, and recorded
        rows = {k: (sha, path, url, captured, op, size) for k, sha, path, url, captured, op, size in
                self.db().execute("SELECT kind, sha256, path, url, captured_at, operator, size"
                                  " FROM evidence")}
        for kind in ("screenshot", "dom", "mhtml", "capture"):
            sha, path, url, captured, op, size = rows[kind]
            data = read(os.path.join(self.data, path), "rb")
            self.assertEqual(hashlib.sha256(data).hexdigest(), sha)
            self.assertEqual(files[kind]["sha256"], sha)
            self.assertEqual(len(data), size)
            self.assertIn(sha, path)
            self.assertEqual(os.stat(os.path.join(self.data, path)).st_mode & 0o222, 0)
            self.assertEqual(url, self.pages.url("/tall"))
            self.assertRegex(captured, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertEqual(op, "officer-7")
        manifest = json.loads(read(os.path.join(self.data, rows["capture"][1])))
        self.assertEqual(manifest["format"], "junkai-capture/1")
        self.assertEqual(manifest["operator"], "officer-7")
        self.assertEqual(manifest["viewport"], {"width": 1280, "height": 800})
        for kind in ("screenshot", "dom", "mhtml"):
            self.assertEqual(manifest["files"][kind]["sha256"], rows[kind][0])
        self.assertEqual(manifest["captured_at"], rows["screenshot"][3])
        # The browser went nowhere but the page's server: its own services
        # (Chromium 156 calls update.googleapis.com and accounts.google.com
        # whatever its flags say) were refused by the proxy before any
        # lookup, so none of them was reached, failed or refused either.
        self.assertEqual(manifest["hosts"], ["127.0.0.1:%d" % self.pages.port])
        self.assertIsInstance(manifest["blocked_browser_requests"], int)
        for r in manifest["refused"] + manifest["unreachable"]:
            self.assertTrue(r["url"].startswith("http://127.0.0.1:"), r)
        audit = self.db().execute("SELECT user, action, target, detail FROM audit"
                                  " WHERE action = 'evidence.capture'").fetchall()
        self.assertEqual(len(audit), 1)
        self.assertTrue(audit[0][0].startswith("cli:"))
        self.assertEqual(audit[0][2], self.pages.url("/tall"))
        self.assertEqual(json.loads(audit[0][3])["manifest"], rows["capture"][0])
        self.assert_clean()

    def test_2_private_refused_without_allow(self):
        before = self.db().execute("SELECT count(*) FROM evidence").fetchone()[0]
        rc, out, err, took = self.capture("/tall")
        self.assertEqual(rc, 2)
        self.assertIn(self.pages.url("/tall"), err)
        self.assertIn("internal address", err)
        self.assertIn("--allow-private", err)
        self.assertLess(took, 10)  # refused before any browser starts
        self.assertEqual(self.db().execute("SELECT count(*) FROM evidence").fetchone()[0], before)
        # not a URL a capture takes
        rc, out, err, _ = junkai(["capture", "file:///etc/passwd", "--data", self.data])
        self.assertEqual(rc, 2)
        self.assertIn("file:///etc/passwd", err)
        self.assert_clean()

    def test_3_other_internal_hosts_refused(self):
        self.pages.hits_other.clear()
        rc, out, err, _ = self.capture("/mixed", "--allow-private")
        self.assertEqual(rc, 0, err)
        res = json.loads(out)
        refused = {r["url"] for r in res["refused"]}
        other = "http://127.0.0.2:%d" % self.pages.port2
        self.assertIn(other + "/probe.png", refused)
        self.assertIn(other + "/probe.js", refused)
        self.assertIn(other + "/probe-fetch", refused)
        self.assertIn("http://10.255.255.1/x.png", refused)
        self.assertGreaterEqual(res["refused_total"], 4)
        for r in res["refused"]:
            self.assertIn("internal address", r["reason"])
        self.assertIn("refused " + other + "/probe.png", err)  # logged with its URL
        self.assertEqual(self.pages.hits_other, [], "a refused request reached 127.0.0.2")
        manifest = json.loads(read(os.path.join(self.data, res["files"]["capture"]["path"])))
        self.assertEqual({r["url"] for r in manifest["refused"]}, refused)
        # a redirect of the page itself into another internal host
        rc, out, err, _ = self.capture("/to-private", "--allow-private")
        self.assertEqual(rc, 2)
        self.assertIn(self.pages.url("/to-private"), err)
        self.assertIn("refused", err)
        self.assertEqual(self.pages.hits_other, [])
        self.assert_clean()

    def test_4_timeouts(self):
        rc, out, err, took = self.capture("/hang", "--allow-private", "--timeout", "4")
        self.assertEqual(rc, 2)
        self.assertIn(self.pages.url("/hang"), err)
        self.assertIn("did not answer within 4 s", err)
        self.assertLess(took, 30)
        rc, out, err, took = self.capture("/slow-load", "--allow-private", "--timeout", "4")
        self.assertEqual(rc, 0, err)
        self.assertLess(took, 40)
        res = json.loads(out)
        self.assertFalse(res["load_complete"])
        self.assertIn("did not finish loading within 4 s", err)
        dom = read(os.path.join(self.data, res["files"]["dom"]["path"]))
        self.assertIn("almost", dom)
        manifest = json.loads(read(os.path.join(self.data, res["files"]["capture"]["path"])))
        self.assertFalse(manifest["load_complete"])
        self.assert_clean()

    def test_6_item(self):
        """--item links the files to an item; an unknown item is an error
        naming the URL before any browser starts."""
        posts = os.path.join(self.tmp.name, "one.jsonl")
        with open(posts, "w") as f:
            f.write(json.dumps({"id": "p1", "platform": "web", "text": "a post",
                                "url": self.pages.url("/tall")}) + "\n")
        rc, out, err, _ = junkai(["import", "--data", self.data, posts])
        self.assertEqual(rc, 0, err)
        item, = self.db().execute("SELECT id FROM items WHERE external_id = 'p1'").fetchone()
        rc, out, err, took = self.capture("/tall", "--allow-private", "--item", "999999")
        self.assertEqual(rc, 2)
        self.assertIn(self.pages.url("/tall"), err)
        self.assertIn("999999", err)
        rc, out, err, _ = self.capture("/tall", "--allow-private", "--item", str(item))
        self.assertEqual(rc, 0, err)
        res = json.loads(out)
        self.assertEqual(res["item"], item)
        linked = {k for k, in self.db().execute(
            "SELECT e.kind FROM item_evidence ie JOIN evidence e ON e.id = ie.evidence_id"
            " WHERE ie.item_id = ?", (item,))}
        self.assertEqual(linked, {"screenshot", "dom", "mhtml", "capture"})
        manifest = json.loads(read(os.path.join(self.data, res["files"]["capture"]["path"])))
        self.assertEqual(manifest["item"], item)
        target, = self.db().execute("SELECT target FROM audit WHERE action = 'evidence.capture'"
                                    " ORDER BY id DESC LIMIT 1").fetchone()
        self.assertEqual(target, "item:%d" % item)
        self.assert_clean()

    def test_7_page_limit(self):
        """A page of JK_CAPTURE_PAGE_MAX px is shot whole; one pixel more is
        cut there and marked truncated."""
        for h, truncated in ((16384, False), (16385, True)):
            rc, out, err, _ = self.capture("/sized?h=%d" % h, "--allow-private")
            self.assertEqual(rc, 0, err)
            res = json.loads(out)
            self.assertEqual(res["screenshot"], {"width": 1280, "height": 16384})
            self.assertEqual(res["truncated"], truncated)
            png = read(os.path.join(self.data, res["files"]["screenshot"]["path"]), "rb")
            self.assertEqual(struct.unpack(">II", png[16:24]), (1280, 16384))
            manifest = json.loads(read(os.path.join(self.data, res["files"]["capture"]["path"])))
            self.assertEqual(manifest["page"]["height"], h)
            self.assertEqual(manifest["truncated"], truncated)
        self.assert_clean()

    def test_5_verify(self):
        rc, out, err, _ = junkai(["verify", "--data", self.data])
        self.assertEqual(rc, 0, out + err)
        self.assertRegex(out, r"evidence: \d+ files, 0 do not match")
        path, = self.db().execute("SELECT path FROM evidence WHERE kind = 'screenshot'"
                                  " ORDER BY id LIMIT 1").fetchone()
        full = os.path.join(self.data, path)
        os.chmod(full, 0o644)
        data = bytearray(read(full, "rb"))
        data[len(data) // 2] ^= 0x01
        with open(full, "wb") as f:
            f.write(bytes(data))
        os.chmod(full, 0o444)
        rc, out, err, _ = junkai(["verify", "--data", self.data, "--evidence"])
        self.assertEqual(rc, 1, out)
        self.assertIn("MISMATCH evidence " + path, out)
        self.assertIn("changed", out)
        data[len(data) // 2] ^= 0x01
        os.chmod(full, 0o644)
        with open(full, "wb") as f:
            f.write(bytes(data))
        os.chmod(full, 0o444)
        rc, out, err, _ = junkai(["verify", "--data", self.data])
        self.assertEqual(rc, 0, out)


def rss(link):
    return ("<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
            "<link>http://127.0.0.1/</link><description>d</description>"
            "<item><title>post</title><link>%s</link><guid>post-1</guid>"
            "<description>a post to confirm</description></item></channel></rss>" % link)


class ServerCaptureTest(unittest.TestCase):
    """Filing an item into a case through the API queues its capture; the
    server's worker takes it and keeps the evidence. An item whose source
    does not allow private addresses gets a failed job naming the refusal."""

    def test_confirm_captures(self):
        pages = Pages()
        feed = rss(pages.url("/tall?item=1")).encode()

        class Feed(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(feed)))
                self.end_headers()
                self.wfile.write(feed)

            def log_message(self, *args):
                pass

        fs = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Feed)
        threading.Thread(target=fs.serve_forever, daemon=True).start()
        d = serverlib.DataDir(BIN, posts=None)
        server = None
        try:
            serverlib.run(BIN, ["source", "add", "feed", "loop",
                                "http://127.0.0.1:%d/feed.xml" % fs.server_address[1],
                                "--allow-private", "--data", d.path])
            serverlib.run(BIN, ["patrol", "--once", "--data", d.path])
            # an imported item (no source: private addresses not allowed)
            posts = os.path.join(d.tmp.name, "posts.jsonl")
            with open(posts, "w") as f:
                f.write(json.dumps({"id": "imp-1", "platform": "web", "text": "imported",
                                    "url": pages.url("/tall?item=2")}) + "\n")
            serverlib.run(BIN, ["import", "--data", d.path, posts])
            db = sqlite3.connect(d.db)
            ids = dict(db.execute("SELECT url, id FROM items"))
            fed, imported = ids[pages.url("/tall?item=1")], ids[pages.url("/tall?item=2")]
            d.user("pat", "patroller", "pat-password-1")
            server = serverlib.Server(BIN, d.path)
            c = serverlib.Client(server.port)
            self.assertEqual(c.login("pat", "pat-password-1").status, 200)
            t0 = time.monotonic()
            for item in (fed, imported):
                r = c.request("POST", "/api/items/%d/decision" % item,
                              {"decision": "confirm", "category": "drug_ad"})
                self.assertEqual(r.status, 200, r.raw)
            # the request did not wait for the browser
            self.assertLess(time.monotonic() - t0, 5)
            jobs = dict(db.execute("SELECT item_id, state FROM capture_jobs"))
            self.assertEqual(set(jobs), {fed, imported})
            deadline = time.monotonic() + 120
            states = {}
            while time.monotonic() < deadline:
                states = dict(db.execute("SELECT item_id, state FROM capture_jobs"))
                if states.get(fed) == "done" and states.get(imported) == "failed":
                    break
                time.sleep(0.5)
            self.assertEqual(states.get(fed), "done", states)
            self.assertEqual(states.get(imported), "failed", states)
            kinds = {k for k, in db.execute("SELECT kind FROM evidence WHERE item_id = ?",
                                             (fed,))}
            self.assertEqual(kinds, {"screenshot", "dom", "mhtml", "capture"})
            op, = db.execute("SELECT operator FROM evidence WHERE item_id = ? AND"
                             " kind = 'screenshot'", (fed,)).fetchone()
            self.assertEqual(op, "pat")
            err, attempts = db.execute("SELECT last_error, attempts FROM capture_jobs"
                                       " WHERE item_id = ?", (imported,)).fetchone()
            self.assertIn(pages.url("/tall?item=2"), err)
            self.assertIn("internal address", err)
            self.assertEqual(attempts, 1)  # a refusal is not retried
            # the case view lists the screenshot
            case_id, = db.execute("SELECT case_id FROM case_items WHERE item_id = ?",
                                  (fed,)).fetchone()
            r = c.request("GET", "/api/cases/%d" % case_id)
            self.assertEqual(r.status, 200)
            self.assertIn("screenshot", json.dumps(r.json))
            audit = db.execute("SELECT user, target FROM audit WHERE action ="
                               " 'evidence.capture'").fetchall()
            self.assertEqual(audit, [("pat", "item:%d" % fed)])
            self.assertEqual(server.stop(), 0)
            server = None
            rc, out, err, _ = junkai(["verify", "--data", d.path])
            self.assertEqual(rc, 0, out + err)
            # the case's evidence package carries the capture and the fetch's
            # WARC, each listed with its hash, capture time and operator
            pkg = os.path.join(d.tmp.name, "case.tar.gz")
            rc, out, err, _ = junkai(["case", "package", str(case_id), "-o", pkg,
                                      "--data", d.path])
            self.assertEqual(rc, 0, out + err)
            rc, out, err, _ = junkai(["verify", "--package", pkg])
            self.assertEqual(rc, 0, out + err)
            import tarfile
            with tarfile.open(pkg) as tar:
                names = set(tar.getnames())
                manifest = json.load(tar.extractfile("manifest.json"))
                listing = tar.extractfile("MANIFEST.txt").read().decode()
            rows = db.execute("SELECT kind, path, sha256, captured_at, operator FROM evidence"
                              " WHERE item_id = ?", (fed,)).fetchall()
            byname = {f["path"]: f for f in manifest["files"]}
            for kind, path, sha, captured, operator in rows:
                self.assertIn(path, names)
                self.assertEqual(byname[path]["sha256"], sha)
                self.assertEqual(byname[path]["kind"], kind)
                self.assertEqual(byname[path]["item"], fed)
                if kind == "screenshot":
                    self.assertEqual(byname[path]["operator"], "pat")
                    self.assertEqual(byname[path]["captured_at"], captured)
                    line = [l for l in listing.splitlines() if path in l][0]
                    self.assertTrue(line.startswith(sha), line)
                    self.assertIn(captured, line)
                    self.assertIn("pat", line)
            self.assertTrue(any(p.endswith(".warc.gz") for p in names), names)
            # the CLI lists the jobs and puts the failed one back
            rc, out, err, _ = junkai(["capture", "--jobs", "--data", d.path])
            self.assertEqual(rc, 0, err)
            self.assertIn("failed", out)
            job, = db.execute("SELECT id FROM capture_jobs WHERE item_id = ?",
                              (imported,)).fetchone()
            rc, out, err, _ = junkai(["capture", "--requeue", str(job), "--data", d.path])
            self.assertEqual(rc, 0, err)
            rc, out, err, _ = junkai(["capture", "--pending", "--data", d.path])
            self.assertEqual(rc, 1, out + err)  # refused again, recorded
            self.assertIn("FAILED", out)
            self.assertIn("internal address", out)
        finally:
            if server:
                server.stop()
            fs.shutdown()
            pages.stop()
            d.cleanup()


class PendingTest(unittest.TestCase):
    """A job left running by a worker that died is taken again once its
    lease runs out, by `junkai capture --pending`."""

    def test_interrupted_job_retried(self):
        pages = Pages()
        d = serverlib.DataDir(BIN, posts=None)
        try:
            serverlib.run(BIN, ["source", "add", "web", "loop", pages.url("/"),
                                "--allow-private", "--data", d.path])
            db = sqlite3.connect(d.db)
            src, = db.execute("SELECT id FROM sources").fetchone()
            db.execute("INSERT INTO items (source_id, platform, external_id, url, text,"
                       " raw_sha256, text_sha256) VALUES (?, 'web', 'p1', ?, 't', 'x', 'y')",
                       (src, pages.url("/tall?item=3")))
            item, = db.execute("SELECT id FROM items").fetchone()
            # as a worker killed mid-capture leaves it: running, lease run out
            db.execute("INSERT INTO capture_jobs (item_id, url, allow_private, state, attempts,"
                       " lease_until_unix, requested_by) VALUES (?, ?, 1, 'running', 1, ?,"
                       " 'pat')", (item, pages.url("/tall?item=3"), int(time.time()) - 1))
            db.commit()
            rc, out, err, _ = junkai(["capture", "--pending", "--data", d.path])
            self.assertEqual(rc, 0, out + err)
            self.assertIn("1 capture job run, 0 failed", out)
            state, attempts, ev = db.execute("SELECT state, attempts, evidence_id FROM"
                                             " capture_jobs").fetchone()
            self.assertEqual((state, attempts), ("done", 2))
            kind, = db.execute("SELECT kind FROM evidence WHERE id = ?", (ev,)).fetchone()
            self.assertEqual(kind, "capture")
            rc, out, err, _ = junkai(["capture", "--pending", "--data", d.path])
            self.assertEqual(rc, 0)
            self.assertIn("0 capture jobs run", out)
        finally:
            pages.stop()
            d.cleanup()


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
