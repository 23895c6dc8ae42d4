#!/usr/bin/env python3
"""The workbench's submission routes over real HTTP against `junkai serve`:
GET /api/destinations (what junkai.yaml's destinations are, without a
secret) and POST /api/reports/{id}/resolve (a person's answer to a failed
or uncertain submission), with real submissions sent by `junkai report
send-due` to a loopback form server (tests/report/reportlib.py).

Shows: the destinations list answers supervisors and admins only and tells
name, type, kinds and an HTTP destination's host — not the user and
password in its URL, its path or query, a bearer token's variable or
value, nor anything of the SMTP login (its password variable and value set
in the server's environment); resolve needs a session (401), a supervisor
(403), the CSRF token (403), an action of retry or drop (400), a report
(404), a failed or uncertain submission (409); a failed submission retried
from the API is delivered on the next send-due with the same idempotency
key; an uncertain one (sent, no answer) likewise; a dropped one leaves the
report approved and queueable again; each answer is audited
`report.resolve` by the supervisor, and the chain verifies.

usage: submit_api_test.py JUNKAI_BINARY
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "report"))
from reportlib import (SUPERVISOR, Client, DataDir, FormServer, Server,  # noqa: E402
                       approved_report, junkai, queue_items, report_get, supervisor,
                       write_config)

BIN = None
PATROLLER = ("pat", "pat-password-333")
ADMIN = ("root", "root-password-44")
# secrets and what names them: none may appear in GET /api/destinations
TOKEN_ENV, TOKEN = "JK_TEST_PARTNER_TOKEN", "tok-5ecret-partner-9f2"
SMTP_ENV, SMTP_PASSWORD = "JK_TEST_SMTP_PASSWORD", "smtp-5ecret-pw-77"
URL_USER, URL_PASSWORD, URL_QUERY = "formuser", "f0rmpass", "q-5ecret-key"
SMTP_USER = "patrol-login"


def config(form_port):
    return """organization:
  name: 試験巡回チーム
destinations:
  - name: ihc-form
    type: http_form
    kinds: [ihc]
    url: http://%s:%s@127.0.0.1:%d/submit?key=%s
    allow_private: true
    fields:
      url: "{{field.URL}}"
      body: "{{report.body}}"
  - name: partner-api
    type: http_json
    url: https://api.partner.example/v1/reports
    bearer_token_env: %s
  - name: police-mail
    type: smtp
    kinds: [police, deletion]
    to: [cyber@police.example.jp]
smtp:
  url: smtp://mail.relay.example:587
  from: patrol@example.jp
  username: %s
  password_env: %s
http:
  timeout_seconds: 1
submission:
  backoff_seconds: 1
""" % (URL_USER, URL_PASSWORD, form_port, URL_QUERY, TOKEN_ENV, SMTP_USER, SMTP_ENV)


class SubmitApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = DataDir(BIN)
        cls.data.user(SUPERVISOR[0], "supervisor", SUPERVISOR[1])
        cls.data.user(PATROLLER[0], "patroller", PATROLLER[1])
        cls.data.user(ADMIN[0], "admin", ADMIN[1])
        cls.form = FormServer(hold_seconds=4)
        write_config(cls.data, config(cls.form.port))
        # the server runs with the secrets in its environment, as a real
        # deployment would (the sender reads them; the list must not)
        os.environ[TOKEN_ENV] = TOKEN
        os.environ[SMTP_ENV] = SMTP_PASSWORD
        cls.server = Server(BIN, cls.data.path)
        cls.sup = supervisor(cls.server)
        cls.pat = Client(cls.server.port)
        assert cls.pat.login(*PATROLLER).status == 200
        cls.adm = Client(cls.server.port)
        assert cls.adm.login(*ADMIN).status == 200
        cls.items = [i["id"] for i in queue_items(cls.sup)]

    @classmethod
    def tearDownClass(cls):
        rc = cls.server.stop()
        cls.form.stop()
        cls.data.cleanup()
        # a clean stop (under ASan: no leak or error reported at exit)
        assert rc == 0, "junkai serve did not stop cleanly: %d" % rc

    def queued_report(self):
        """An approved ihc report queued for ihc-form through the API."""
        report, _ = approved_report(self.sup, self.items.pop(0), "ihc")
        r = self.sup.request("POST", "/api/reports/%d/submit" % report,
                             {"destination": "ihc-form"})
        self.assertEqual(r.status, 200, r.raw)
        return report

    def send_due(self):
        return junkai(BIN, ["report", "send-due", "--data", self.data.path])

    def resolve(self, report, action, client=None, **kw):
        return (client or self.sup).request("POST", "/api/reports/%d/resolve" % report,
                                            {"action": action}, **kw)

    def audit(self, report):
        entries = self.sup.request("GET", "/api/audit?limit=50").json["entries"]
        return [(e["action"], e["user"], e["detail"]) for e in entries
                if e["target"] == "report:%d" % report and e["action"] == "report.resolve"]

    def assert_verified(self):
        p = junkai(BIN, ["verify", "--audit", "--data", self.data.path])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    # ---- GET /api/destinations ----

    def test_destinations_roles_and_no_secrets(self):
        self.assertEqual(Client(self.server.port).request("GET", "/api/destinations").status, 401)
        self.assertEqual(self.pat.request("GET", "/api/destinations").status, 403)
        self.assertEqual(self.adm.request("GET", "/api/destinations").status, 200)
        r = self.sup.request("GET", "/api/destinations")
        self.assertEqual(r.status, 200, r.raw)
        self.assertEqual(r.json, {"destinations": [
            {"name": "ihc-form", "type": "http_form", "kinds": ["ihc"],
             "host": "127.0.0.1:%d" % self.form.port},
            {"name": "partner-api", "type": "http_json",
             "kinds": ["ihc", "police", "deletion", "warning"], "host": "api.partner.example"},
            {"name": "police-mail", "type": "smtp", "kinds": ["police", "deletion"],
             "host": None},
        ]})
        raw = r.raw.decode()
        for secret in (TOKEN, TOKEN_ENV, SMTP_PASSWORD, SMTP_ENV, URL_USER, URL_PASSWORD,
                       URL_QUERY, SMTP_USER, "mail.relay.example", "/submit", "/v1/reports",
                       "cyber@police.example.jp"):
            self.assertNotIn(secret, raw)
        # a read: nothing audited
        entries = self.sup.request("GET", "/api/audit?limit=5").json["entries"]
        self.assertFalse(any("destination" in e["action"] for e in entries), entries)

    # ---- POST /api/reports/{id}/resolve ----

    def test_resolve_refusals(self):
        report, _ = approved_report(self.sup, self.items.pop(0), "ihc")
        path = "/api/reports/%d/resolve" % report
        self.assertEqual(Client(self.server.port).request("POST", path, {"action": "drop"}).status,
                         401)
        self.assertEqual(self.resolve(report, "retry", client=self.pat).status, 403)
        r = self.resolve(report, "retry", csrf=False)
        self.assertEqual(r.status, 403)
        self.assertEqual(self.sup.request("POST", path, {}).status, 400)
        self.assertEqual(self.sup.request("POST", path, {"action": 1}).status, 400)
        r = self.resolve(report, "again")
        self.assertEqual(r.status, 400)
        self.assertIn("retry or drop", r.json["error"])
        r = self.sup.request("POST", path, raw=b"{not json", headers={
            "Content-Type": "application/json"})
        self.assertEqual(r.status, 400)
        r = self.resolve(999999, "retry")
        self.assertEqual(r.status, 404)
        self.assertIn("999999", r.json["error"])
        self.assertEqual(self.sup.request("POST", "/api/reports/x1/resolve",
                                          {"action": "retry"}).status, 404)
        # approved, never queued: nothing to resolve
        r = self.resolve(report, "retry")
        self.assertEqual(r.status, 409)
        self.assertIn("only a failed or uncertain one", r.json["error"])
        # queued (not failed): still nothing to resolve, and it stays queued
        r = self.sup.request("POST", "/api/reports/%d/submit" % report,
                             {"destination": "ihc-form"})
        self.assertEqual(r.status, 200, r.raw)
        self.assertEqual(self.resolve(report, "drop").status, 409)
        self.assertEqual(report_get(self.sup, report)["submit_state"], "queued")
        self.assertEqual(self.audit(report), [])
        # leave nothing due for the other tests' send-due runs
        self.form.plan = [400]
        self.assertEqual(self.send_due().returncode, 1)
        self.assertEqual(self.resolve(report, "drop").status, 200)

    def test_failed_retried_from_the_api_is_delivered(self):
        report = self.queued_report()
        before = self.form.count()
        self.form.plan = [422]  # the receiver refuses it: failed at once
        p = self.send_due()
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        rep = report_get(self.sup, report)
        self.assertEqual((rep["submit_state"], rep["status"], rep["attempts"]),
                         ("failed", "approved", 1))
        self.assertIn("422", rep["last_error"])
        r = self.resolve(report, "retry")
        self.assertEqual(r.status, 200, r.raw)
        self.assertEqual((r.json["report"]["submit_state"], r.json["report"]["destination"]),
                         ("queued", "ihc-form"))
        self.assertNotIn("body", r.json["report"])
        self.assertEqual(self.audit(report), [("report.resolve", SUPERVISOR[0],
                                               {"answer": "retry"})])
        self.assertEqual(self.resolve(report, "retry").status, 409)  # queued now
        p = self.send_due()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(b"1 delivered", p.stdout)
        rep = report_get(self.sup, report)
        self.assertEqual((rep["status"], rep["submit_state"], rep["sent_via"]),
                         ("sent", "delivered", "ihc-form"))
        self.assertEqual([(s["attempt"], s["outcome"]) for s in rep["submissions"]],
                         [(1, "failed"), (2, "delivered")])
        sent = self.form.requests[before:]
        self.assertEqual(len(sent), 2)
        self.assertEqual(sent[0]["headers"]["idempotency-key"],
                         sent[1]["headers"]["idempotency-key"])
        self.assertEqual(sent[1]["path"], "/submit?key=" + URL_QUERY)
        self.assertEqual(self.resolve(report, "drop").status, 409)  # delivered: nothing to answer
        self.assert_verified()

    def test_uncertain_retried_is_delivered(self):
        report = self.queued_report()
        before = self.form.count()
        self.form.plan = ["hang"]  # held past the 1 s timeout: sent, no answer
        p = self.send_due()
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        rep = report_get(self.sup, report)
        self.assertEqual(rep["submit_state"], "uncertain")
        self.assertIn(b"0 attempted", self.send_due().stdout)  # never again by itself
        r = self.resolve(report, "retry")
        self.assertEqual(r.status, 200, r.raw)
        self.assertEqual(r.json["report"]["submit_state"], "queued")
        self.form.release()
        p = self.send_due()
        self.assertIn(b"1 delivered", p.stdout)
        self.assertEqual(self.form.count() - before, 2)
        self.assertEqual([s["outcome"] for s in report_get(self.sup, report)["submissions"]],
                         ["uncertain", "delivered"])
        self.form.release_event.clear()

    def test_drop_leaves_it_approved_and_queueable(self):
        report = self.queued_report()
        self.form.plan = [400]
        self.assertEqual(self.send_due().returncode, 1)
        self.assertEqual(report_get(self.sup, report)["submit_state"], "failed")
        r = self.resolve(report, "drop")
        self.assertEqual(r.status, 200, r.raw)
        rep = r.json["report"]
        self.assertEqual((rep["status"], rep["submit_state"], rep["destination"]),
                         ("approved", None, None))
        self.assertEqual(self.audit(report), [("report.resolve", SUPERVISOR[0],
                                               {"answer": "drop"})])
        self.assertEqual(self.resolve(report, "drop").status, 409)
        # it can go elsewhere, or be marked sent by hand
        r = self.sup.request("POST", "/api/reports/%d/sent" % report, {"via": "manual"})
        self.assertEqual(r.status, 200, r.raw)
        self.assertEqual(r.json["report"]["status"], "sent")
        self.assert_verified()


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
