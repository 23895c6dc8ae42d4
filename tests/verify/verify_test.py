#!/usr/bin/env python3
"""`junkai verify` end to end, through the real binary.

A data directory gets a patrol over feeds served on 127.0.0.1 (so evidence
WARC files exist), CLI writes (source add/rm, user add/passwd/disable,
intel add/rm, tip, import) and decisions through `junkai serve`; verify
then passes, and every such write is in the audit log as "cli:<login>" (or
the account for the API). Then, each on a fresh copy of that directory:
an audit row changed with sqlite3 (after dropping the append-only
trigger), an evidence file with one byte flipped, an evidence file
deleted, a writable evidence file, the last audit rows deleted (only
DATA/audit.head shows it), the log cut back and written again, and a file
no row records (a warning only). Each must make verify fail naming what
changed, or (the last) pass with a warning.

usage: verify_test.py JUNKAI_BINARY
"""
import glob
import http.server
import json
import os
import pwd
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "server"))
import serverlib  # noqa: E402

BIN = None
INTEL = os.path.join(ROOT, "tests", "data", "intel", "jpcert-phishurl.csv")
PASSWORD = "correct horse battery"


def run(args, stdin=None):
    env = dict(os.environ)
    env.pop("JUNKAI_DATA", None)
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, env=env, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def must(args, stdin=None):
    rc, out, err = run(args, stdin)
    assert rc == 0, "junkai %s: %d %s %s" % (" ".join(args), rc, out, err)
    return out


def rss(items):
    body = ['<?xml version="1.0" encoding="utf-8"?>',
            '<rss version="2.0"><channel><title>Test</title><language>ja</language>']
    for guid, title, desc in items:
        body.append("<item><guid>%s</guid><title>%s</title><description>%s</description>"
                    "<pubDate>Sat, 04 May 2024 21:30:00 +0900</pubDate></item>"
                    % (guid, title, desc))
    body.append("</channel></rss>")
    return "\n".join(body).encode("utf-8")


class FeedServer:
    def __init__(self, docs):
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                doc = docs.get(self.path)
                if doc is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(doc)))
                self.end_headers()
                self.wfile.write(doc)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.httpd.server_address[1], path)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def evidence_files(data):
    return sorted(glob.glob(os.path.join(data, "evidence", "sha256", "*", "*", "*.warc.gz")))


def verify(data, *extra):
    rc, out, err = run(["verify", "--data", data] + list(extra))
    return rc, out + err


class VerifyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.template = os.path.join(cls.tmp.name, "data")
        data = cls.template
        feeds = FeedServer({"/a.xml": rss([("a1", "一", "駅前の天気"), ("a2", "二", "ラーメン")]),
                            "/b.xml": rss([("b1", "三", "図書館の本")])})
        try:
            must(["init", "--data", data])
            must(["source", "add", "feed", "a", feeds.url("/a.xml"), "--allow-private",
                  "--data", data])
            must(["source", "add", "feed", "b", feeds.url("/b.xml"), "--allow-private",
                  "--data", data])
            must(["patrol", "--once", "--data", data])
        finally:
            feeds.stop()
        must(["source", "rm", "b", "--data", data])
        must(["import", "--data", data, serverlib.SAMPLE])
        must(["intel", "add", "phish", INTEL, "--data", data])
        must(["intel", "add", "gone", INTEL, "--data", data])
        must(["intel", "rm", "gone", "--data", data])
        must(["tip", "https://example.org/tip", "--note", "a tip", "--data", data])
        for name, role in (("boss", "admin"), ("pat", "patroller"), ("old", "patroller")):
            must(["user", "add", name, "--role", role, "--data", data],
                 stdin=(PASSWORD + "\n").encode())
        must(["user", "passwd", "pat", "--data", data], stdin=(PASSWORD + "!\n").encode())
        must(["user", "disable", "old", "--data", data])
        srv = serverlib.Server(BIN, data)
        try:
            c = serverlib.Client(srv.port)
            assert c.login("pat", PASSWORD + "!").status == 200
            items = c.request("GET", "/api/queue?limit=2").json["items"]
            assert len(items) == 2, items
            for it, d in zip(items, ("confirm", "dismiss")):
                r = c.request("POST", "/api/items/%d/decision" % it["id"], {"decision": d})
                assert r.status == 200, (r.status, r.raw)
        finally:
            assert srv.stop() == 0

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        self.work = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.work.name, "data")
        shutil.copytree(self.template, self.data)
        self.db = os.path.join(self.data, "junkai.db")

    def tearDown(self):
        for f in evidence_files(self.data):
            os.chmod(f, 0o644)
        self.work.cleanup()

    def sql(self, *statements):
        con = sqlite3.connect(self.db)
        try:
            for s in statements:
                con.execute(s)
            con.commit()
        finally:
            con.close()

    def query(self, q):
        con = sqlite3.connect(self.db)
        try:
            return con.execute(q).fetchall()
        finally:
            con.close()

    def head(self):
        with open(os.path.join(self.data, "audit.head")) as f:
            tag, ident, digest = f.read().split()
        return tag, int(ident), digest

    # ---- intact ----

    def test_intact(self):
        rc, out = verify(self.data)
        self.assertEqual(rc, 0, out)
        files = evidence_files(self.data)
        self.assertGreaterEqual(len(files), 2)
        n = self.query("SELECT count(*) FROM audit")[0][0]
        self.assertIn("audit log: %d entries, chain intact" % n, out)
        self.assertIn("evidence: %d files, 0 do not match, 0 unrecorded" % len(files), out)
        self.assertNotIn("warning", out)
        rc, out = verify(self.data, "--format", "json")
        self.assertEqual(rc, 0, out)
        j = json.loads(out)
        self.assertTrue(j["ok"])
        self.assertEqual(j["evidence"]["files"], len(files))
        self.assertEqual(j["audit"]["entries"], n)
        self.assertEqual(j["problems"], [])
        # each half alone
        rc, out = verify(self.data, "--audit")
        self.assertEqual(rc, 0, out)
        self.assertNotIn("evidence:", out)
        rc, out = verify(self.data, "--evidence")
        self.assertEqual(rc, 0, out)
        self.assertNotIn("audit log:", out)

    def test_every_write_audited(self):
        me = "cli:" + pwd.getpwuid(os.getuid()).pw_name
        rows = self.query("SELECT user, action, target, detail FROM audit ORDER BY id")
        actions = [(u, a) for u, a, _, _ in rows]
        for action in ("init", "source.add", "patrol", "source.rm", "import", "intel.add",
                       "intel.rm", "tip.add", "user.add", "user.passwd", "user.disable"):
            self.assertIn((me, action), actions)
        self.assertEqual(actions[0], (me, "init"))
        self.assertEqual(actions.count((me, "patrol")), 1)
        self.assertEqual(actions.count((me, "import")), 1)
        patrol = [json.loads(d) for u, a, t, d in rows if a == "patrol"][0]
        self.assertEqual(patrol["fresh"], 3)
        self.assertEqual(patrol["evidence_files"], len(evidence_files(self.data)))
        imp = [json.loads(d) for u, a, t, d in rows if a == "import"][0]
        self.assertGreater(imp["fresh"], 0)
        self.assertIn(("pat", "decision.confirm"), actions)
        self.assertIn(("pat", "decision.dismiss"), actions)
        self.assertIn(("pat", "session.login"), actions)
        # the head file follows the server's writes too: it names the last entry
        last = self.query("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")[0]
        tag, ident, digest = self.head()
        self.assertEqual((tag, ident, digest), ("junkai-audit-head-1", last[0], last[1]))
        self.assertEqual(must(["verify", "--print-head", "--data", self.data]).split(),
                         [str(last[0]), last[1]])

    # ---- the audit log ----

    def test_changed_audit_row(self):
        target = self.query("SELECT id FROM audit WHERE action = 'user.add' LIMIT 1")[0][0]
        self.sql("DROP TRIGGER audit_no_update",
                 "UPDATE audit SET user = 'someone-else' WHERE id = %d" % target)
        rc, out = verify(self.data)
        self.assertEqual(rc, 1, out)
        self.assertIn("MISMATCH audit entry %d:" % target, out)
        self.assertIn("audit log: BROKEN at entry %d (%d entries before it verify)"
                      % (target, target - 1), out)
        self.assertIn("FAILED: ", out)
        self.assertIn("first: audit entry %d" % target, out)
        rc, out = verify(self.data, "--format", "json")
        self.assertEqual(rc, 1, out)
        j = json.loads(out)
        self.assertFalse(j["ok"])
        self.assertEqual(j["audit"]["first_bad_entry"], target)
        self.assertEqual(j["problems"][0]["name"], "entry %d" % target)
        # the evidence half alone still passes
        self.assertEqual(verify(self.data, "--evidence")[0], 0)

    def test_truncated_audit_tail(self):
        last = self.query("SELECT max(id) FROM audit")[0][0]
        self.sql("DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE id >= %d" % (last - 1))
        rc, out = verify(self.data)
        self.assertEqual(rc, 1, out)
        self.assertIn("audit log: %d entries, chain intact" % (last - 2), out)
        self.assertIn("MISMATCH audit entry %d: audit.head names entry %d but the log ends at "
                      "entry %d" % (last, last, last - 2), out)
        # a later write does not paper over it: the head stays where it was
        must(["source", "add", "feed", "c", "http://127.0.0.1:9/c.xml", "--data", self.data])
        self.assertEqual(self.head()[1], last)
        rc, out = verify(self.data)
        self.assertEqual(rc, 1, out)
        self.assertIn("audit.head names entry %d but the log ends at entry %d" % (last, last - 1),
                      out)
        # the log grows back to the head's id: a different entry 'last' now
        must(["source", "add", "feed", "d", "http://127.0.0.1:9/d.xml", "--data", self.data])
        self.assertEqual(self.head()[1], last)
        rc, out = verify(self.data)
        self.assertEqual(rc, 1, out)
        self.assertIn("MISMATCH audit entry %d" % last, out)
        self.assertIn("the log was cut back and written again", out)
        must(["source", "add", "feed", "e", "http://127.0.0.1:9/e.xml", "--data", self.data])
        self.assertEqual(self.head()[1], last)
        self.assertEqual(verify(self.data)[0], 1)

    def test_head_kept_elsewhere(self):
        # --print-head, kept outside; even a forger who rewrites the table and
        # audit.head together is caught by --head
        kept = must(["verify", "--print-head", "--data", self.data]).split()
        self.assertEqual(verify(self.data, "--head", ":".join(kept))[0], 0)
        last = int(kept[0])
        self.sql("DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE id = %d" % last)
        os.unlink(os.path.join(self.data, "audit.head"))
        rc, out = verify(self.data)
        self.assertEqual(rc, 0, out)  # nothing inside the data directory shows it
        rc, out = verify(self.data, "--head", "%s %s" % (kept[0], kept[1]))
        self.assertEqual(rc, 1, out)
        self.assertIn("MISMATCH audit entry %d: --head names entry %d but the log ends" %
                      (last, last), out)
        rc, out = verify(self.data, "--head", "12:nothex")
        self.assertEqual(rc, 2, out)

    def test_head_file_removed_or_damaged(self):
        os.unlink(os.path.join(self.data, "audit.head"))
        rc, out = verify(self.data)
        self.assertEqual(rc, 0, out)
        self.assertIn("warning: audit audit.head: no head file", out)
        with open(os.path.join(self.data, "audit.head"), "w") as f:
            f.write("junk\n")
        rc, out = verify(self.data)
        self.assertEqual(rc, 1, out)
        self.assertIn("MISMATCH audit audit.head", out)

    # ---- evidence ----

    def test_flipped_byte(self):
        f = evidence_files(self.data)[0]
        rel = os.path.relpath(f, self.data)
        os.chmod(f, 0o644)
        with open(f, "r+b") as fh:
            fh.seek(40)
            b = fh.read(1)
            fh.seek(40)
            fh.write(bytes([b[0] ^ 0x01]))
        os.chmod(f, 0o444)
        rc, out = verify(self.data)
        self.assertEqual(rc, 1, out)
        self.assertIn("MISMATCH evidence %s: its SHA-256 is" % rel, out)
        self.assertIn("evidence: %d files, 1 do not match" % len(evidence_files(self.data)), out)
        self.assertIn("first: evidence %s" % rel, out)
        # the audit half alone does not look at files
        self.assertEqual(verify(self.data, "--audit")[0], 0)

    def test_deleted_file(self):
        files = evidence_files(self.data)
        for f in files[:2]:
            os.unlink(f)
        rc, out = verify(self.data)
        self.assertEqual(rc, 1, out)
        for f in files[:2]:
            self.assertIn("MISMATCH evidence %s: missing" % os.path.relpath(f, self.data), out)
        self.assertIn("2 do not match", out)
        self.assertIn("FAILED: 2 mismatches", out)

    def test_writable_file(self):
        f = evidence_files(self.data)[-1]
        os.chmod(f, 0o644)
        rc, out = verify(self.data)
        self.assertEqual(rc, 1, out)
        self.assertIn("MISMATCH evidence %s: writable (mode 644)" % os.path.relpath(f, self.data),
                      out)

    def test_bad_record_digest_with_matching_hash(self):
        # a file rewritten together with its row: the name and row agree,
        # the WARC record digests inside do not
        import gzip
        import hashlib
        f = evidence_files(self.data)[0]
        with gzip.open(f, "rb") as fh:
            raw = fh.read()
        i = raw.index(b"WARC-Type: response")
        j = raw.index(b"\r\n\r\n", raw.index(b"\r\n\r\n", i) + 4) + 4  # into the payload
        tampered = raw[:j] + bytes([raw[j] ^ 0x20]) + raw[j + 1:]
        blob = gzip.compress(tampered)
        sha = hashlib.sha256(blob).hexdigest()
        rel = "evidence/sha256/%s/%s/%s.warc.gz" % (sha[:2], sha[2:4], sha)
        os.makedirs(os.path.join(self.data, os.path.dirname(rel)), exist_ok=True)
        with open(os.path.join(self.data, rel), "wb") as fh:
            fh.write(blob)
        os.chmod(os.path.join(self.data, rel), 0o444)
        old = os.path.relpath(f, self.data)
        self.sql("UPDATE evidence SET sha256 = '%s', path = '%s', size = %d WHERE path = '%s'"
                 % (sha, rel, len(blob), old))
        os.chmod(f, 0o644)
        os.unlink(f)
        rc, out = verify(self.data)
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, r"MISMATCH evidence %s: record \d+ \(response, offset \d+\): its "
                              r"(block|payload) digest does not match" % rel)

    def test_unrecorded_file(self):
        extra = os.path.join(self.data, "evidence", "sha256", "00", "11", "0011" + "0" * 60
                             + ".warc.gz")
        os.makedirs(os.path.dirname(extra))
        with open(extra, "wb") as f:
            f.write(b"not recorded")
        rc, out = verify(self.data)
        self.assertEqual(rc, 0, out)
        self.assertIn("warning: evidence %s: unrecorded" % os.path.relpath(extra, self.data), out)
        self.assertIn("1 unrecorded", out)
        j = json.loads(verify(self.data, "--format", "json")[1])
        self.assertTrue(j["ok"])
        self.assertEqual(j["evidence"]["unrecorded"], 1)
        self.assertEqual(len(j["warnings"]), 1)

    # ---- errors ----

    def test_errors(self):
        rc, out = verify(os.path.join(self.work.name, "nowhere"))
        self.assertEqual(rc, 2, out)
        rc, out = verify(self.data, "--format", "xml")
        self.assertEqual(rc, 2, out)
        rc, out = verify(self.data, "extra-arg")
        self.assertEqual(rc, 2, out)


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
