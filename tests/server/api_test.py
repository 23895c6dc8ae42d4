#!/usr/bin/env python3
"""The review workbench's API over real HTTP against a running `junkai serve`
on a free loopback port: accounts made with `junkai user` (passwords on
stdin), login and its cookie flags, bad passwords, rate limiting, roles,
CSRF, malformed and oversized bodies, unknown routes, the ranked queue
after `junkai import` (order, spans against `junkai scan`), decisions
leaving the queue and landing in the audit log, the audit chain verified
and then tampered with, logout, static files, a clean stop on SIGTERM, and
an import writing beside the running server.

usage: api_test.py JUNKAI_BINARY
"""
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serverlib import SAMPLE, Client, DataDir, Server, ServeTest, run  # noqa: E402

BIN = None
PW = {"alice": "alice-password-1", "sam": "sam-password-22", "pat": "pat-password-333"}


class Api(ServeTest):
    PW = PW

    @classmethod
    def setUpClass(cls):
        cls.data = DataDir(BIN)
        cls.data.user("alice", "admin", PW["alice"])
        cls.data.user("sam", "supervisor", PW["sam"])
        cls.data.user("pat", "patroller", PW["pat"])
        cls.server = Server(BIN, cls.data.path)

    def test_login_cookie_and_csrf(self):
        c = Client(self.server.port)
        r = c.login("pat", PW["pat"])
        self.assertEqual(r.status, 200)
        cookie = r.header("Set-Cookie")
        self.assertRegex(cookie, r"^junkai_session=[0-9a-f]{64};")
        attrs = [a.strip() for a in cookie.split(";")[1:]]
        self.assertIn("HttpOnly", attrs)
        self.assertIn("SameSite=Strict", attrs)
        self.assertIn("Path=/", attrs)
        self.assertNotIn("Secure", attrs)  # only when configured
        self.assertRegex(r.json["csrf"], r"^[0-9a-f]{64}$")
        self.assertEqual(r.json["user"]["name"], "pat")
        self.assertEqual(r.json["user"]["role"], "patroller")
        self.assertEqual(r.header("Content-Type"), "application/json; charset=utf-8")
        me = c.request("GET", "/api/session")
        self.assertEqual(me.status, 200)
        self.assertEqual(me.json["user"]["name"], "pat")
        self.assertEqual(me.json["csrf"], r.json["csrf"])
        # two logins are two sessions with different tokens
        c2 = self.client("pat")
        self.assertNotEqual(c2.cookie, c.cookie)
        self.assertNotEqual(c2.csrf, c.csrf)

    def test_bad_credentials(self):
        c = Client(self.server.port)
        r = c.login("sam", "not-the-password")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json, {"error": "wrong username or password"})
        self.assertIsNone(r.header("Set-Cookie"))
        self.assertEqual(c.login("nobody-here", "whatever-pass").status, 401)
        self.assertEqual(c.request("POST", "/api/session", {"username": "sam"}).status, 400)
        self.assertEqual(c.request("POST", "/api/session", {"username": 1, "password": "x"})
                         .status, 400)

    def test_unauthenticated(self):
        c = Client(self.server.port)
        for path in ["/api/queue", "/api/session", "/api/items/1", "/api/audit", "/api/users"]:
            r = c.request("GET", path)
            self.assertEqual(r.status, 401, path)
            self.assertEqual(r.json, {"error": "not logged in"})
        c.cookie = "0" * 64  # well-formed, unknown
        self.assertEqual(c.request("GET", "/api/queue").status, 401)
        c.cookie = "../../etc/passwd"
        self.assertEqual(c.request("GET", "/api/queue").status, 401)

    def test_roles(self):
        pat = self.client("pat")
        r = pat.request("GET", "/api/audit")
        self.assertEqual(r.status, 403)
        self.assertIn("supervisor", r.json["error"])
        r = pat.request("POST", "/api/users",
                        {"username": "mallory", "password": "mallory-pass", "role": "admin"})
        self.assertEqual(r.status, 403)
        self.assertEqual(pat.request("GET", "/api/users").status, 403)
        self.assertEqual(pat.request("GET", "/api/stats").status, 403)
        self.assertEqual(pat.request("POST", "/api/sources", {"kind": "rss", "name": "x"})
                         .status, 403)
        self.assertEqual(pat.request("GET", "/api/sources").status, 200)
        sam = self.client("sam")
        self.assertEqual(sam.request("GET", "/api/audit").status, 200)
        self.assertEqual(sam.request("GET", "/api/stats").status, 200)
        self.assertEqual(sam.request("GET", "/api/users").status, 403)
        alice = self.client("alice")
        self.assertEqual(alice.request("GET", "/api/users").status, 200)
        # mallory was never created
        names = [u["name"] for u in alice.request("GET", "/api/users").json["users"]]
        self.assertNotIn("mallory", names)
        self.assertNotIn("password_hash", json.dumps(alice.request("GET", "/api/users").json))

    def test_csrf(self):
        pat = self.client("pat")
        item = pat.request("GET", "/api/queue?limit=1").json["items"][0]["id"]
        path = "/api/items/%d/decision" % item
        r = pat.request("POST", path, {"decision": "dismiss"}, csrf=False)
        self.assertEqual(r.status, 403)
        self.assertIn("X-CSRF-Token", r.json["error"])
        wrong = pat.csrf[:-1] + ("0" if pat.csrf[-1] != "0" else "1")
        for token in [wrong, "", pat.csrf[:32], pat.csrf + "0"]:
            r = pat.request("POST", path, {"decision": "dismiss"}, headers={"X-CSRF-Token": token})
            self.assertEqual(r.status, 403, token)
        # another session's token is wrong for this one
        other = self.client("pat")
        r = pat.request("POST", path, {"decision": "dismiss"}, headers={"X-CSRF-Token": other.csrf})
        self.assertEqual(r.status, 403)
        r = pat.request("DELETE", "/api/session", csrf=False)
        self.assertEqual(r.status, 403)
        # none of that decided anything
        self.assertEqual(pat.request("GET", "/api/items/%d" % item).json["status"], "pending")

    def test_malformed_json(self):
        pat = self.client("pat")
        r = pat.request("POST", "/api/decisions", raw=b'{"items": [1, 2,', headers={
            "Content-Type": "application/json"})
        self.assertEqual(r.status, 400)
        self.assertRegex(r.json["error"], r"invalid JSON at byte \d+")
        r = pat.request("POST", "/api/decisions", raw=b'[1, 2]')
        self.assertEqual(r.status, 400)
        self.assertIn("object", r.json["error"])
        r = pat.request("POST", "/api/decisions", {"items": [1], "decision": "maybe"})
        self.assertEqual(r.status, 400)
        r = pat.request("POST", "/api/decisions", {"items": ["1"], "decision": "confirm"})
        self.assertEqual(r.status, 400)
        r = pat.request("POST", "/api/decisions", raw=b'{"a":1,"a":2}')
        self.assertEqual(r.status, 400)
        r = pat.request("GET", "/api/queue?min_score=abc")
        self.assertEqual(r.status, 400)
        r = pat.request("GET", "/api/queue?category=nonsense")
        self.assertEqual(r.status, 400)
        r = pat.request("GET", "/api/queue?limit=100000")
        self.assertEqual(r.status, 400)

    def test_oversized_body(self):
        pat = self.client("pat")
        # a declared length over 1 MiB is refused before the body is read
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        c.putrequest("POST", "/api/decisions")
        c.putheader("Content-Length", str(1024 * 1024 + 1))
        c.putheader("Cookie", "junkai_session=" + pat.cookie)
        c.putheader("X-CSRF-Token", pat.csrf)
        c.endheaders()
        try:
            c.send(b'{"x":"' + b"a" * 1000)
        except OSError:
            pass  # the server may already have answered and closed
        r = c.getresponse()
        self.assertEqual(r.status, 413)
        self.assertIn("larger than 1048576 bytes", json.loads(r.read())["error"])
        c.close()
        # without a Content-Length (chunked), counted as it arrives
        c = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        c.putrequest("POST", "/api/decisions")
        c.putheader("Transfer-Encoding", "chunked")
        c.putheader("Cookie", "junkai_session=" + pat.cookie)
        c.putheader("X-CSRF-Token", pat.csrf)
        c.endheaders()
        chunk = b"a" * 65536
        for _ in range(20):
            c.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        c.send(b"0\r\n\r\n")
        r = c.getresponse()
        self.assertEqual(r.status, 413)
        c.close()
        # exactly at the limit is read (and then found not to be JSON)
        at = b" " * (1024 * 1024 - 2) + b"{}"
        self.assertEqual(len(at), 1024 * 1024)
        r = pat.request("POST", "/api/decisions", raw=at)
        self.assertEqual(r.status, 400)  # an object, but no "items"

    def test_unknown_routes(self):
        pat = self.client("pat")
        r = pat.request("GET", "/api/nothing")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json, {"error": "no such route"})
        self.assertEqual(Client(self.server.port).request("GET", "/api/nothing").status, 404)
        self.assertEqual(pat.request("GET", "/api/items/abc").status, 404)
        self.assertEqual(pat.request("GET", "/api/items/999999").status, 404)
        r = pat.request("PUT", "/api/queue")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.header("Allow"), "GET, HEAD")
        r = pat.request("POST", "/api/items/999999/decision", {"decision": "confirm"})
        self.assertEqual(r.status, 404)

    def test_static_files(self):
        c = Client(self.server.port)
        r = c.request("GET", "/")
        self.assertEqual(r.status, 200)
        self.assertIn("巡回 junkai", r.raw.decode())
        self.assertTrue(r.header("Content-Type").startswith("text/html"))
        self.assertIn("default-src 'self'", r.header("Content-Security-Policy"))
        self.assertEqual(c.request("GET", "/index.html").status, 200)
        for bad in ["/../CMakeLists.txt", "/%2e%2e/CMakeLists.txt", "/.hidden", "/nope.html",
                    "/web/index.html"]:
            self.assertEqual(c.request("GET", bad).status, 404, bad)

    def test_queue_ranked_with_spans(self):
        pat = self.client("pat")
        r = pat.request("GET", "/api/queue?limit=500&status=pending")
        self.assertEqual(r.status, 200)
        # (an item imported by test_import_beside_server may be there too)
        items = [i for i in r.json["items"] if not i["external_id"].startswith("beside-")]
        scan = {}
        out = run(BIN, ["scan", SAMPLE]).stdout.decode()
        for line in out.splitlines():
            post = json.loads(line)
            if post["hits"]:
                scan[post["id"]] = post
        decided = {i["external_id"] for i in pat.request(
            "GET", "/api/queue?status=confirmed&limit=500").json["items"]} | {
            i["external_id"] for i in pat.request(
                "GET", "/api/queue?status=dismissed&limit=500").json["items"]}
        self.assertEqual({i["external_id"] for i in items} | decided, set(scan))
        keys = [(i["score"], i["posted_at"]) for i in items]
        for a, b in zip(items, items[1:]):
            self.assertGreaterEqual(a["score"], b["score"])
        self.assertTrue(len(keys) > 5)
        for item in items:
            expect = scan[item["external_id"]]
            self.assertEqual(set(item), {"id", "platform", "external_id", "url", "author",
                                         "posted_at", "text", "score", "status", "hits",
                                         "indicators"})
            self.assertEqual(item["text"], expect["text"])
            self.assertAlmostEqual(item["score"], max(h["score"] for h in expect["hits"]),
                                   places=3)
            got = sorted((h["rule"], h["category"], h["spans"]) for h in item["hits"])
            want = sorted((h["rule"], h["category"], h["spans"]) for h in expect["hits"])
            self.assertEqual(got, want)
            raw = item["text"].encode()
            for h in item["hits"]:
                self.assertEqual(set(h), {"rule", "category", "score", "spans"})
                for s, e in h["spans"]:
                    self.assertTrue(0 <= s < e <= len(raw))
                    raw[s:e].decode()  # spans fall on character boundaries
        # filters
        drug = pat.request("GET", "/api/queue?category=drug_ad&limit=500").json["items"]
        self.assertTrue(drug)
        for i in drug:
            self.assertIn("drug_ad", [h["category"] for h in i["hits"]])
        high = pat.request("GET", "/api/queue?min_score=0.9&limit=500").json["items"]
        self.assertTrue(all(i["score"] >= 0.9 for i in high))
        self.assertLess(len(high), len(items))
        every = pat.request("GET", "/api/queue?limit=500").json["items"]
        page = pat.request("GET", "/api/queue?limit=3&offset=2").json
        self.assertEqual([i["id"] for i in page["items"]], [i["id"] for i in every[2:5]])
        since = pat.request("GET", "/api/queue?since=2025-06-10&limit=500").json["items"]
        self.assertTrue(0 < len(since) < len(items))
        self.assertEqual(pat.request("GET", "/api/queue?since=yesterday").status, 400)
        self.assertEqual(pat.request("GET", "/api/queue?source=no-such-source").json["items"], [])

    def test_decisions_leave_queue_and_are_audited(self):
        pat = self.client("pat")
        queue = pat.request("GET", "/api/queue?limit=500").json["items"]
        first, second = queue[0]["id"], queue[1]["id"]
        r = pat.request("POST", "/api/items/%d/decision" % first,
                        {"decision": "confirm", "category": "trafficking", "reason": "clear"})
        self.assertEqual(r.status, 200, r.raw)
        self.assertEqual(r.json["status"], "confirmed")
        r = pat.request("POST", "/api/items/%d/decision" % second,
                        {"decision": "dismiss", "reason": "a news story"})
        self.assertEqual(r.status, 200)
        ids = [i["id"] for i in pat.request("GET", "/api/queue?limit=500").json["items"]]
        self.assertNotIn(first, ids)
        self.assertNotIn(second, ids)
        self.assertEqual(len(ids), len(queue) - 2)
        confirmed = pat.request("GET", "/api/queue?status=confirmed&limit=500").json["items"]
        self.assertIn(first, [i["id"] for i in confirmed])
        item = pat.request("GET", "/api/items/%d" % first).json
        self.assertEqual(item["status"], "confirmed")
        self.assertEqual(item["decisions"][0]["user"], "pat")
        self.assertEqual(item["decisions"][0]["category"], "trafficking")
        self.assertEqual(pat.request("POST", "/api/items/%d/decision" % first,
                                     {"decision": "confirm", "category": "nope"}).status, 400)

        # bulk: all or nothing
        rest = ids[:3]
        r = pat.request("POST", "/api/decisions",
                        {"items": rest + [999999], "decision": "dismiss"})
        self.assertEqual(r.status, 404)
        self.assertIn("999999", r.json["error"])
        self.assertEqual(len(pat.request("GET", "/api/queue?limit=500").json["items"]),
                         len(ids))
        r = pat.request("POST", "/api/decisions", {"items": rest, "decision": "dismiss",
                                                   "reason": "spam"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["decided"], 3)
        after = [i["id"] for i in pat.request("GET", "/api/queue?limit=500").json["items"]]
        self.assertEqual(len(after), len(ids) - 3)

        sam = self.client("sam")
        entries = sam.request("GET", "/api/audit?limit=1000").json["entries"]
        mine = [(e["user"], e["action"], e["target"]) for e in entries]
        self.assertIn(("pat", "decision.confirm", "item:%d" % first), mine)
        self.assertIn(("pat", "decision.dismiss", "item:%d" % second), mine)
        for i in rest:
            self.assertIn(("pat", "decision.dismiss", "item:%d" % i), mine)
        confirm = [e for e in entries if e["target"] == "item:%d" % first][0]
        self.assertEqual(confirm["detail"], {"category": "trafficking", "reason": "clear"})
        self.assertIn(("cli:" + __import__("pwd").getpwuid(os.geteuid()).pw_name, "user.add",
                       "user:alice"), mine)
        self.assertIn(("pat", "session.login", "user:pat"), mine)
        ids_desc = [e["id"] for e in entries]
        self.assertEqual(ids_desc, sorted(ids_desc, reverse=True))
        v = sam.request("GET", "/api/audit/verify").json
        self.assertEqual(v["ok"], True)
        self.assertEqual(v["checked"], len(entries))
        stats = sam.request("GET", "/api/stats").json["counts"]
        self.assertTrue(sum(s["confirmed"] for s in stats) >= 1)
        self.assertTrue(sum(s["dismissed"] for s in stats) >= 4)
        self.assertTrue(all(re.match(r"^\d{4}-\d{2}$", s["month"]) for s in stats))

    def test_users_and_sources_over_api(self):
        alice = self.client("alice")
        r = alice.request("POST", "/api/users",
                          {"username": "newbie", "password": "newbie-pass", "role": "patroller"})
        self.assertEqual(r.status, 201, r.raw)
        self.assertEqual(r.json["user"]["name"], "newbie")
        r = alice.request("POST", "/api/users",
                          {"username": "newbie", "password": "newbie-pass", "role": "patroller"})
        self.assertEqual(r.status, 409)
        self.assertEqual(alice.request("POST", "/api/users", {
            "username": "short", "password": "short", "role": "patroller"}).status, 400)
        self.assertEqual(alice.request("POST", "/api/users", {
            "username": "bad name", "password": "long-enough", "role": "patroller"}).status, 400)
        self.assertEqual(alice.request("POST", "/api/users", {
            "username": "x2", "password": "long-enough", "role": "root"}).status, 400)
        c = Client(self.server.port)
        self.assertEqual(c.login("newbie", "newbie-pass").status, 200)
        self.assertEqual(c.request("GET", "/api/session").json["user"]["role"], "patroller")

        r = alice.request("POST", "/api/sources", {"kind": "rss", "name": "feed-a",
                                                   "target": "https://example.invalid/feed",
                                                   "every_seconds": 600})
        self.assertEqual(r.status, 201, r.raw)
        self.assertEqual(r.json["source"]["name"], "feed-a")
        self.assertEqual(alice.request("POST", "/api/sources",
                                       {"kind": "rss", "name": "feed-a"}).status, 409)
        names = [s["name"] for s in c.request("GET", "/api/sources").json["sources"]]
        self.assertIn("feed-a", names)

    def test_logout(self):
        pat = self.client("pat")
        cookie = pat.cookie
        r = pat.request("DELETE", "/api/session")
        self.assertEqual(r.status, 200)
        self.assertIn("Max-Age=0", r.header("Set-Cookie"))
        self.assertEqual(pat.request("GET", "/api/queue").status, 401)
        self.assertEqual(pat.request("GET", "/api/session").status, 401)
        pat.cookie = cookie  # replaying the old cookie does not help
        self.assertEqual(pat.request("GET", "/api/queue").status, 401)

    def test_import_beside_server(self):
        """WAL: an import writes while the server reads."""
        pat = self.client("pat")
        before = len(pat.request("GET", "/api/queue?limit=500").json["items"])
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            f.write(json.dumps({"id": "beside-1", "platform": "x", "posted_at":
                                "2030-01-01T00:00:00Z", "text": "腎臓売ります、500万円、健康体です 別件"})
                    + "\n")
        try:
            run(BIN, ["import", "--data", self.data.path, f.name])
        finally:
            os.unlink(f.name)
        items = pat.request("GET", "/api/queue?limit=500").json["items"]
        self.assertEqual(len(items), before + 1)
        self.assertIn("beside-1", [i["external_id"] for i in items])


class RateLimit(unittest.TestCase):
    def setUp(self):
        self.data = DataDir(BIN, posts=None)
        self.data.user("victim", "patroller", "victim-password")
        self.data.user("other", "patroller", "other-password")
        self.server = Server(BIN, self.data.path)

    def tearDown(self):
        self.assertEqual(self.server.stop(), 0)
        self.data.cleanup()

    def test_per_user_then_per_address(self):
        c = Client(self.server.port)
        for _ in range(5):
            self.assertEqual(c.login("victim", "wrong-password").status, 401)
        r = c.login("victim", "wrong-password")
        self.assertEqual(r.status, 429)
        self.assertGreater(int(r.header("Retry-After")), 0)
        self.assertLessEqual(int(r.header("Retry-After")), 300)
        # even the right password waits: no oracle while limited
        self.assertEqual(c.login("victim", "victim-password").status, 429)
        # another account from the same address is still fine
        self.assertEqual(c.login("other", "other-password").status, 200)
        # per address: 20 failures across names limit every name
        for i in range(15):
            self.assertEqual(Client(self.server.port).login("name%d" % (i % 4), "x-password-x")
                             .status, 401 if i < 15 else 429)
        r = Client(self.server.port).login("other", "other-password")
        self.assertEqual(r.status, 429)
        self.assertIn("try again", r.json["error"])


class AuditTamper(unittest.TestCase):
    def test_verify_then_tamper(self):
        data = DataDir(BIN)
        try:
            data.user("pat", "patroller", "pat-password")
            server = Server(BIN, data.path)
            c = Client(server.port)
            self.assertEqual(c.login("pat", "pat-password").status, 200)
            ids = [i["id"] for i in c.request("GET", "/api/queue").json["items"][:3]]
            for i in ids:
                self.assertEqual(c.request("POST", "/api/items/%d/decision" % i,
                                           {"decision": "dismiss"}).status, 200)
            self.assertEqual(server.stop(), 0)
            p = run(BIN, ["verify", "--audit", "--data", data.path])
            # init, import, user add, login, three decisions
            self.assertIn("7 entries, chain intact", p.stdout.decode())
            db = sqlite3.connect(data.db)
            with self.assertRaises(sqlite3.DatabaseError):  # junkai refuses edits itself
                db.execute("UPDATE audit SET user = 'eve' WHERE id = 3")
            db.execute("DROP TRIGGER audit_no_update")
            db.execute("UPDATE audit SET user = 'eve' WHERE id = 3")
            db.commit()
            db.close()
            p = run(BIN, ["verify", "--audit", "--data", data.path], check=False)
            self.assertEqual(p.returncode, 1)
            self.assertIn("BROKEN at entry 3", p.stdout.decode())
            self.assertIn("MISMATCH audit entry 3", p.stdout.decode())
        finally:
            data.cleanup()


class Cli(unittest.TestCase):
    def test_user_commands(self):
        data = DataDir(BIN, posts=None)
        try:
            p = run(BIN, ["user", "add", "x", "--role", "admin", "--data", data.path],
                    stdin=b"short\n", check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("at least 8", p.stderr.decode())
            p = run(BIN, ["user", "add", "x", "--role", "god", "--data", data.path],
                    stdin=b"long-enough\n", check=False)
            self.assertEqual(p.returncode, 2)
            data.user("x", "supervisor", "first-password")
            p = run(BIN, ["user", "add", "x", "--role", "admin", "--data", data.path],
                    stdin=b"long-enough\n", check=False)
            self.assertIn("already exists", p.stderr.decode())
            run(BIN, ["user", "passwd", "x", "--data", data.path], stdin=b"second-password\r\n")
            users = json.loads(run(BIN, ["user", "list", "--format", "json", "--data",
                                         data.path]).stdout)
            self.assertEqual([(u["name"], u["role"], u["disabled"]) for u in users],
                             [("x", "supervisor", False)])
            server = Server(BIN, data.path)
            try:
                c = Client(server.port)
                self.assertEqual(c.login("x", "first-password").status, 401)
                self.assertEqual(c.login("x", "second-password").status, 200)
                run(BIN, ["user", "disable", "x", "--data", data.path])
                self.assertEqual(c.request("GET", "/api/session").status, 401)
                self.assertEqual(Client(server.port).login("x", "second-password").status, 401)
            finally:
                self.assertEqual(server.stop(), 0)
            self.assertIn("(disabled)", run(BIN, ["user", "list", "--data", data.path])
                          .stdout.decode())
            p = run(BIN, ["user", "disable", "nobody", "--data", data.path], check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("no account named", p.stderr.decode())
        finally:
            data.cleanup()

    def test_serve_errors(self):
        p = run(BIN, ["serve", "--data", "/nonexistent/dir"], check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("junkai init", p.stderr.decode())
        data = DataDir(BIN, posts=None)
        try:
            p = run(BIN, ["serve", "--data", data.path, "--listen", "nonsense"], check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("HOST:PORT", p.stderr.decode())
        finally:
            data.cleanup()


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
