#!/usr/bin/env python3
"""docs/openapi.json against the server: the document parses (JSON, the
OpenAPI 3.0 subset the standard library reads), every route it documents
is in `junkai serve --routes` with the same minimum role and the other way
round, and every documented route answers on a running server (as an admin
with the CSRF token) with something other than 404 or 405.

usage: openapi_test.py JUNKAI_BINARY
"""
import json
import os
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serverlib import ROOT, Client, DataDir, Server, run  # noqa: E402

BIN = None
METHODS = {"get", "post", "put", "patch", "delete"}


def documented():
    with open(os.path.join(ROOT, "docs", "openapi.json"), encoding="utf-8") as f:
        doc = json.load(f)
    routes = {}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method in METHODS:
                routes[(method.upper(), path)] = op
    return doc, routes


class OpenApi(unittest.TestCase):
    def test_document_matches_route_table(self):
        doc, routes = documented()
        self.assertTrue(doc["openapi"].startswith("3.0"))
        out = run(BIN, ["serve", "--routes"]).stdout.decode().split("\n")
        served = {}
        for line in filter(None, out):
            method, path, role = line.split(" ")
            served[(method, path)] = role
        self.assertTrue(len(served) >= 10)
        self.assertEqual(sorted(set(served) - set(routes)), [], "served but not documented")
        self.assertEqual(sorted(set(routes) - set(served)), [], "documented but not served")
        for key, op in routes.items():
            self.assertEqual(op.get("x-junkai-role"), served[key], key)
            self.assertTrue(op.get("summary"), key)
            self.assertIn("responses", op, key)
            if key[0] != "GET" and key != ("POST", "/api/session"):
                params = [p.get("$ref", p.get("name")) for p in op.get("parameters", [])]
                self.assertIn("#/components/parameters/CsrfToken", params, key)
        # every $ref resolves
        text = json.dumps(doc)
        for ref in set(part.split('"')[0] for part in text.split('"$ref": "#/')[1:]):
            node = doc
            for step in ref.split("/"):
                node = node[step]

    def test_documented_routes_answer(self):
        _, routes = documented()
        data = DataDir(BIN)
        try:
            data.user("root", "admin", "root-password")
            server = Server(BIN, data.path)
            try:
                c = Client(server.port)
                self.assertEqual(c.login("root", "root-password").status, 200)
                item = c.request("GET", "/api/queue?limit=1").json["items"][0]["id"]
                # the resources the paths name: a case holding the item, one
                # drafted report of it
                r = c.request("POST", "/api/items/%d/decision" % item, {"decision": "confirm"})
                self.assertEqual(r.status, 200, r.raw)
                case = r.json["case"]
                r = c.request("POST", "/api/cases/%d/reports" % case, {"kind": "police"})
                self.assertEqual(r.status, 201, r.raw)
                report = r.json["reports"][0]["id"]
                # a source whose run fails at once (its file is missing)
                r = c.request("POST", "/api/sources", {"kind": "jsonl", "name": "missing",
                                                       "target": "/nonexistent/x.jsonl"})
                self.assertEqual(r.status, 201, r.raw)
                ids = {"/api/cases/": case, "/api/reports/": report,
                       "/api/sources/": r.json["source"]["id"]}
                order = sorted(routes, key=lambda k: (k == ("DELETE", "/api/session"),
                                                      k[0] == "DELETE"))
                for method, path in order:
                    rid = next((v for k, v in ids.items() if path.startswith(k)), item)
                    concrete = path.replace("{id}", str(rid)).replace("{item}", str(item))
                    body = {} if method in ("POST", "PUT", "PATCH") else None
                    r = c.request(method, concrete, body)
                    self.assertNotIn(r.status, (405,), (method, path, r.raw))
                    # a missing resource may answer 404, an unknown route never
                    if r.status == 404:
                        self.assertNotEqual(r.json, {"error": "no such route"}, (method, path))
                        self.assertTrue(path.startswith("/api/evidence/"), (method, path, r.raw))
                    self.assertLess(r.status, 500, (method, path, r.raw))
                # the run started above has ended before the directory goes
                deadline = time.time() + 30
                while time.time() < deadline:
                    db = sqlite3.connect(data.db)
                    ended = db.execute("SELECT 1 FROM audit WHERE action = 'patrol'"
                                       " AND target = 'source:missing'").fetchall()
                    db.close()
                    if ended:
                        break
                    time.sleep(0.1)
            finally:
                self.assertEqual(server.stop(), 0)
        finally:
            data.cleanup()


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
