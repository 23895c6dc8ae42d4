#!/usr/bin/env python3
"""Evidence end to end: the real binary patrols feeds served on 127.0.0.1,
and every WARC file it leaves is read back by warcio.js (Webrecorder's
reader, through read_warc.mjs), not by junkai's own code.

Checked: one file per HTTP exchange (a redirect hop is its own file) under
DATA/evidence/sha256/AB/CD/<sha256>.warc.gz, named by the SHA-256 of its
bytes, read-only, each gzip member one whole record; records warcinfo,
request, response, metadata (WARC/1.1) tied by WARC-Concurrent-To; the
response payload equals, byte for byte, the gzip-encoded body the server
sent; block and payload digests are the SHA-256 of what warcio read; the
metadata names the patrol run, source and operator; the evidence rows
match the files and the items are linked to them; a source added with
--no-evidence leaves no file and no row.

usage: evidence_e2e_test.py JUNKAI_BINARY NODE READ_WARC_MJS
"""
import base64
import gzip
import hashlib
import http.server
import json
import os
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import unittest
import zlib

BIN = NODE = READER = None
CONTACT = "patrol-ops@example.org"


def run(args):
    p = subprocess.run([BIN] + args, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def rss(items):
    body = ['<?xml version="1.0" encoding="utf-8"?>',
            '<rss version="2.0"><channel><title>Test</title><language>ja</language>']
    for guid, title, desc in items:
        body.append("<item><guid>%s</guid><title>%s</title><description>%s</description>"
                    "<pubDate>Sat, 04 May 2024 21:30:00 +0900</pubDate></item>" % (guid, title, desc))
    body.append("</channel></rss>")
    return "\n".join(body).encode("utf-8")


class Server:
    """Serves feeds gzip-encoded (Content-Encoding: gzip) and remembers the
    exact body bytes it sent for each path; /old redirects to /news.xml."""

    def __init__(self):
        self.docs = {}
        self.sent = {}  # path -> body bytes as written to the socket
        self.sent_plain = {}  # path -> the entity body (chunking removed)
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                if self.path == "/old":
                    self.send_response(301)
                    self.send_header("Location", "/news.xml")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                doc = server.docs.get(self.path)
                if doc is None:
                    self.send_error(404)
                    return
                if self.path == "/chunked.xml":
                    # chunked transfer-coding over gzip content-coding, in
                    # uneven chunks: the wire bytes are what evidence keeps
                    z = gzip.compress(doc, mtime=0)
                    wire = b""
                    for i in range(0, len(z), 100):
                        part = z[i:i + 100]
                        wire += b"%x;note=1\r\n" % len(part) + part + b"\r\n"
                    wire += b"0\r\n\r\n"
                    server.sent[self.path] = wire
                    server.sent_plain[self.path] = z
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                    self.send_header("Content-Encoding", "gzip")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    self.wfile.write(wire)
                    return
                # mtime 0: the same bytes every time
                body = gzip.compress(doc, mtime=0)
                server.sent[self.path] = body
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def warc_files(data):
    root = os.path.join(data, "evidence", "sha256")
    out = []
    for dirpath, _, names in os.walk(root):
        out += [os.path.join(dirpath, n) for n in names]
    return sorted(out)


def read_with_warcio(paths):
    p = subprocess.run([NODE, READER] + paths, capture_output=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError("warcio failed: " + p.stderr.decode("utf-8", "replace"))
    return json.loads(p.stdout)


def field(rec, name):
    for k, v in rec["warc"]:
        if k.lower() == name.lower():
            return v
    return None


def sha256_label(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


class EvidenceE2E(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data = os.path.join(cls.tmp.name, "data")
        cls.server = Server()
        cls.server.docs["/news.xml"] = rss([("n1", "ニュース一", "駅前の天気"),
                                            ("n2", "ニュース二", "ラーメン屋の話")])
        cls.server.docs["/quiet.xml"] = rss([("q1", "静か", "図書館の本")])
        cls.server.docs["/chunked.xml"] = rss([("c%d" % i, "記事%d" % i, "本文" * 50)
                                               for i in range(20)])
        rc, _, err = run(["init", "--data", cls.data])
        assert rc == 0, err
        yaml = os.path.join(cls.data, "junkai.yaml")
        with open(yaml, encoding="utf-8") as f:
            text = f.read()
        with open(yaml, "w", encoding="utf-8") as f:
            f.write(text.replace('contact: ""', 'contact: "%s"' % CONTACT))
        for args in (["news", cls.server.url("/news.xml")],
                     ["moved", cls.server.url("/old")],
                     ["quiet", cls.server.url("/quiet.xml"), "--no-evidence"],
                     ["chunky", cls.server.url("/chunked.xml")]):
            rc, _, err = run(["source", "add", "feed"] + args + ["--allow-private",
                                                                "--data", cls.data])
            assert rc == 0, err
        rc, _, err = run(["patrol", "--once", "--data", cls.data])
        cls.patrol_err = err
        assert rc == 0, err
        cls.db = sqlite3.connect(os.path.join(cls.data, "junkai.db"))
        cls.files = warc_files(cls.data)
        cls.read = read_with_warcio(cls.files) if cls.files else {}

    @classmethod
    def tearDownClass(cls):
        cls.db.close()
        cls.server.close()
        cls.tmp.cleanup()

    def rows(self, source):
        return self.db.execute(
            "SELECT e.id, e.sha256, e.path, e.kind, e.url, e.run_id, e.size FROM evidence e"
            " JOIN sources s ON s.id = e.source_id WHERE s.name = ? ORDER BY e.id",
            (source,)).fetchall()

    def test_files_are_content_addressed_and_read_only(self):
        # news and chunky: one exchange each (feeds read no robots.txt);
        # moved: 301 + 200
        self.assertEqual(len(self.files), 4, self.patrol_err)
        for path in self.files:
            with open(path, "rb") as f:
                data = f.read()
            digest = hashlib.sha256(data).hexdigest()
            self.assertEqual(os.path.basename(path), digest + ".warc.gz")
            rel = os.path.relpath(path, os.path.join(self.data, "evidence"))
            self.assertEqual(rel, "sha256/%s/%s/%s.warc.gz" % (digest[:2], digest[2:4], digest))
            self.assertFalse(os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        tmp = os.path.join(self.data, "evidence", "tmp")
        self.assertEqual(os.listdir(tmp) if os.path.isdir(tmp) else [], [])

    def test_each_gzip_member_is_one_whole_record(self):
        for path in self.files:
            with open(path, "rb") as f:
                rest = f.read()
            members = 0
            while rest:
                d = zlib.decompressobj(31)
                record = d.decompress(rest)
                self.assertTrue(d.eof, path)
                self.assertTrue(record.startswith(b"WARC/1.1\r\n"), path)
                self.assertTrue(record.endswith(b"\r\n\r\n"), path)
                self.assertEqual(record.count(b"WARC/1.1\r\nWARC-Type"), 1, path)
                rest = d.unused_data
                members += 1
            self.assertEqual(members, 4, path)

    def test_warcio_reads_records_and_digests(self):
        for path in self.files:
            recs = self.read[path]
            self.assertEqual([r["type"] for r in recs],
                             ["warcinfo", "request", "response", "metadata"], path)
            for r in recs:
                self.assertEqual(r["version"], "WARC/1.1")
                block = base64.b64decode(r["block_b64"])
                self.assertEqual(field(r, "WARC-Block-Digest"), sha256_label(block))
                self.assertEqual(int(field(r, "Content-Length")), len(block))
                rid = field(r, "WARC-Record-ID")
                self.assertRegex(rid, r"^<urn:uuid:[0-9a-f-]{36}>$")
                self.assertRegex(field(r, "WARC-Date"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
            info, req, resp, meta = recs
            self.assertIn("software: junkai/", base64.b64decode(info["block_b64"]).decode())
            self.assertIn("operator: " + CONTACT, base64.b64decode(info["block_b64"]).decode())
            resp_id = field(resp, "WARC-Record-ID")
            self.assertEqual(field(req, "WARC-Concurrent-To"), resp_id)
            self.assertEqual(field(meta, "WARC-Concurrent-To"), resp_id)
            for r in (req, resp):
                self.assertEqual(field(r, "WARC-IP-Address"), "127.0.0.1")
                payload = base64.b64decode(r["payload_b64"])
                if r is resp and field(r, "WARC-Target-URI").endswith("/chunked.xml"):
                    continue  # its digest is of the entity body: checked below
                self.assertEqual(field(r, "WARC-Payload-Digest"), sha256_label(payload))
            self.assertEqual(field(req, "Content-Type"), "application/http;msgtype=request")
            self.assertEqual(field(resp, "Content-Type"), "application/http;msgtype=response")
            url = field(resp, "WARC-Target-URI")
            self.assertEqual(field(req, "WARC-Target-URI"), url)
            path_part = url.split(str(self.server.port), 1)[1]
            self.assertTrue(req["http_status_line"].startswith("GET %s HTTP/1.1" % path_part))

    def test_response_payload_is_the_bytes_the_server_sent(self):
        by_url = {}
        for path in self.files:
            resp = self.read[path][2]
            by_url.setdefault(field(resp, "WARC-Target-URI"), []).append(resp)
        sent = self.server.sent["/news.xml"]
        feeds = by_url[self.server.url("/news.xml")]
        self.assertEqual(len(feeds), 2)  # news, and moved after its redirect
        for resp in feeds:
            self.assertTrue(resp["http_status_line"].startswith("HTTP/1.1 200"))
            headers = {k.lower(): v for k, v in resp["http_headers"]}
            self.assertEqual(headers["content-encoding"], "gzip")
            payload = base64.b64decode(resp["payload_b64"])
            self.assertEqual(payload, sent)  # still gzip: nothing decoded
            self.assertIn("ニュース一".encode(), gzip.decompress(payload))
        moved = by_url[self.server.url("/old")]
        self.assertEqual(len(moved), 1)
        self.assertTrue(moved[0]["http_status_line"].startswith("HTTP/1.1 301"))

    def test_chunked_response_kept_as_sent(self):
        resps = [self.read[p][2] for p in self.files
                 if field(self.read[p][2], "WARC-Target-URI") == self.server.url("/chunked.xml")]
        self.assertEqual(len(resps), 1)
        payload = base64.b64decode(resps[0]["payload_b64"])
        # chunk framing and gzip both kept, byte for byte
        self.assertEqual(payload, self.server.sent["/chunked.xml"])
        # WARC-Payload-Digest: of the entity body, chunking removed (WARC 1.1 §6.3.2)
        self.assertEqual(field(resps[0], "WARC-Payload-Digest"),
                         sha256_label(self.server.sent_plain["/chunked.xml"]))
        n = self.db.execute("SELECT count(*) FROM items WHERE external_id LIKE '%chunked.xml#c%'"
                            ).fetchone()[0]
        self.assertEqual(n, 20)

    def test_metadata_names_run_source_operator(self):
        run_id = self.db.execute("SELECT max(id) FROM patrol_runs").fetchone()[0]
        names = {}
        for path in self.files:
            meta = base64.b64decode(self.read[path][3]["block_b64"]).decode()
            fields = dict(line.split(": ", 1) for line in meta.split("\r\n") if line)
            self.assertEqual(fields["patrol-run"], str(run_id))
            self.assertEqual(fields["operator"], CONTACT)
            self.assertEqual(fields["remote-ip"], "127.0.0.1")
            self.assertEqual(fields["truncated"], "false")
            self.assertIn("fetch-time", fields)
            names[fields["source"]] = names.get(fields["source"], 0) + 1
        self.assertEqual(names, {"news": 1, "moved": 2, "chunky": 1})

    def test_rows_match_files_and_items_are_linked(self):
        by_sha = {}
        for source in ("news", "moved", "chunky"):
            for row in self.rows(source):
                eid, sha, path, kind, url, run_id, size = row
                self.assertEqual(kind, "http")
                full = os.path.join(self.data, path)
                self.assertEqual(os.path.basename(full), sha + ".warc.gz")
                self.assertEqual(os.path.getsize(full), size)
                by_sha[sha] = (eid, source, url)
        self.assertEqual(sorted(by_sha), sorted(os.path.basename(p)[:64] for p in self.files))
        # every item links to the evidence of each fetch it was met in:
        # news's one exchange, and both hops of moved (the same feed again,
        # its items deduplicated but seen there too)
        news = self.rows("news")
        self.assertEqual(len(news), 1)
        moved_ids = {r[0] for r in self.rows("moved")}
        self.assertEqual(len(moved_ids), 2)
        for guid in ("n1", "n2"):
            ids = {r[0] for r in self.db.execute(
                "SELECT ie.evidence_id FROM item_evidence ie JOIN items i ON i.id = ie.item_id"
                " WHERE i.external_id = ?", (self.server.url("/news.xml") + "#" + guid,))}
            self.assertEqual(ids, moved_ids | {news[0][0]}, guid)

    def test_no_evidence_source_leaves_nothing(self):
        self.assertEqual(self.rows("quiet"), [])
        q = self.db.execute("SELECT count(*) FROM items WHERE external_id LIKE '%#q1'").fetchone()[0]
        self.assertEqual(q, 1)  # collected all the same
        links = self.db.execute(
            "SELECT count(*) FROM item_evidence ie JOIN items i ON i.id = ie.item_id"
            " WHERE i.external_id LIKE '%#q1'").fetchone()[0]
        self.assertEqual(links, 0)
        for path in self.files:
            meta = base64.b64decode(self.read[path][3]["block_b64"]).decode()
            self.assertNotIn("source: quiet", meta)


if __name__ == "__main__":
    BIN, NODE, READER = sys.argv[1], sys.argv[2], sys.argv[3]
    unittest.main(argv=sys.argv[:1], verbosity=2)
