#!/usr/bin/env python3
"""Report submission end to end: approved reports (drafted and approved
through the real API of `junkai serve`) queued with `junkai report submit`
or POST /api/reports/{id}/submit, sent by `junkai report send-due` (and by
the patrol daemon) to a form server and an SMTP sink on loopback.

Shows: an http_form destination receives a report exactly once with the
mapped fields; http_json likewise (mapped keys, and the whole report when
no fields are mapped); 500 then 200 is delivered on the retry with one
delivery recorded; a destination that always fails is failed after
max_attempts, a 4xx at once; SIGKILL while the server holds the request
leaves "uncertain", never sent again until a person resolves it; a request
that goes out and gets no answer (timeout) is uncertain too; e-mail
arrives once with its recipients, decoded subject and body, its transcript
kept without the password; every attempt's exchange is an evidence file
`junkai verify` checks; a loopback destination without allow_private is
refused naming the URL; the API route's roles, CSRF and errors; the patrol
daemon sends due submissions and writes yesterday's summary.

usage: submit_test.py JUNKAI_BINARY
"""
import base64
import gzip
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reportlib import (ID_RE, SUPERVISOR, Client, DataDir, FormServer, Server,  # noqa: E402
                       SmtpSink, approved_report, evidence_path, junkai, mail_subject,
                       queue_items, report_get, supervisor, wait_for, warc_records,
                       write_config)

BIN = None


def form_destination(name, url, kinds="[ihc]", extra=""):
    return """  - name: %s
    type: http_form
    kinds: %s
    url: %s
    allow_private: true
    fields:
      url: "{{field.URL}}"
      category: "{{field.違法・有害情報の種類}}"
      title: "{{report.title}}"
      body: "{{report.body}}"
      key: "{{idempotency_key}}"
      org: "{{organization.name}}"
%s""" % (name, kinds, url, extra)


class Submission(unittest.TestCase):
    """One data directory and server; each test its own reports and
    destinations (junkai.yaml is rewritten per test: the CLI reads it on
    every run)."""

    @classmethod
    def setUpClass(cls):
        cls.data = DataDir(BIN)
        cls.data.user(SUPERVISOR[0], "supervisor", SUPERVISOR[1])
        cls.data.user("pat", "patroller", "pat-password-333")
        cls.forms = []
        cls.items = None
        cls.server = None

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            cls.server.stop()
        for f in cls.forms:
            f.stop()
        cls.data.cleanup()

    def form(self, **kw):
        f = FormServer(**kw)
        self.forms.append(f)
        return f

    def configure(self, destinations, extra=""):
        write_config(self.data, "organization:\n  name: 試験巡回チーム\n"
                     "destinations:\n" + destinations + extra)
        # the server reads destinations at start (for POST .../submit)
        if self.server:
            self.server.stop()
        type(self).server = Server(BIN, self.data.path)
        self.api = supervisor(self.server)
        if type(self).items is None:
            type(self).items = [i["id"] for i in queue_items(self.api)]

    def new_report(self, kind="ihc"):
        item = self.items.pop(0)
        report, _ = approved_report(self.api, item, kind)
        return report, item

    def cli(self, *args, env=None):
        return junkai(BIN, list(args) + ["--data", self.data.path], env=env)

    def submit(self, report, dest):
        p = self.cli("report", "submit", str(report), "--to", dest)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def send_due(self, env=None):
        return self.cli("report", "send-due", env=env)

    def submissions(self, report):
        return report_get(self.api, report)["submissions"]

    def not_due_before(self, next_unix):
        """A run before next_unix sends nothing (checked when there is time
        for a run), then wait until it is due."""
        if next_unix - time.time() > 1.0:
            self.assertIn(b"0 attempted", self.send_due().stdout)
        time.sleep(max(0.0, next_unix - time.time()) + 0.3)

    def assert_verified(self):
        p = self.cli("verify")
        self.assertEqual(p.returncode, 0, p.stdout.decode() + p.stderr.decode())

    # ---- HTTP form ----

    def test_form_exactly_once_with_mapped_fields(self):
        f = self.form()
        self.configure(form_destination("ihc-form", f.url))
        report, item = self.new_report()
        before = report_get(self.api, report)
        self.submit(report, "ihc-form")
        self.assertEqual(report_get(self.api, report)["submit_state"], "queued")
        p = self.send_due()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(b"1 delivered", p.stdout)
        self.assertEqual(f.count(), 1)
        req = f.requests[0]
        self.assertEqual(req["method"], "POST")
        self.assertEqual(req["headers"]["content-type"], "application/x-www-form-urlencoded")
        form = req["form"]
        item_url = self.api.request("GET", "/api/items/%d" % item).json["url"]
        self.assertEqual(form["url"], [item_url])
        self.assertEqual(form["title"], [before["title"]])
        self.assertEqual(form["body"], [before["body"]])
        self.assertEqual(form["org"], ["試験巡回チーム"])
        self.assertEqual(form["category"], [before["fields"]["rows"][0][2]])
        m = ID_RE.match(req["headers"]["idempotency-key"])
        self.assertTrue(m, req["headers"])
        self.assertEqual(int(m.group(1)), report)
        self.assertEqual(m.group(2), before["body_sha256"][:32])
        self.assertEqual(form["key"], [req["headers"]["idempotency-key"]])
        after = report_get(self.api, report)
        self.assertEqual(after["status"], "sent")
        self.assertEqual(after["submit_state"], "delivered")
        self.assertEqual(after["sent_via"], "ihc-form")
        subs = after["submissions"]
        self.assertEqual([(s["attempt"], s["outcome"]) for s in subs], [(1, "delivered")])
        # the case became reported and its item has a removal check
        case = self.api.request("GET", "/api/cases/%d" % after["case"]).json
        self.assertEqual(case["case"]["status"] if "case" in case else case["status"], "reported")
        # nothing goes out twice: more runs send nothing
        for _ in range(2):
            p = self.send_due()
            self.assertEqual(p.returncode, 0)
            self.assertIn(b"0 attempted", p.stdout)
        self.assertEqual(f.count(), 1)
        # queueing a sent report again is refused
        p = self.cli("report", "submit", str(report), "--to", "ihc-form")
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"sent", p.stderr)
        # the exchange is evidence: request with its body, response, metadata
        path, sha = evidence_path(self.data, subs[0]["evidence"])
        records = warc_records(path)
        types = [h["warc-type"] for h, _ in records]
        self.assertIn("request", types)
        self.assertIn("response", types)
        self.assertEqual(types[-1], "metadata")
        request = [b for h, b in records if h["warc-type"] == "request"][0]
        self.assertIn(b"Idempotency-Key: " + req["headers"]["idempotency-key"].encode(), request)
        self.assertTrue(request.endswith(req["body"]))
        response = [b for h, b in records if h["warc-type"] == "response"][0]
        self.assertIn(b'{"received": ', response)
        meta = records[-1][1].decode()
        self.assertIn("report: %d" % report, meta)
        self.assertIn("outcome: delivered", meta)
        self.assertIn("destination: ihc-form", meta)
        self.assertEqual(os.path.basename(path), sha + ".warc.gz")
        self.assert_verified()
        # show names the attempt and its evidence file
        out = self.cli("report", "show", str(report)).stdout.decode()
        self.assertIn("1. ihc-form → delivered", out)
        self.assertIn(sha, out)
        # the audit log holds the queueing, the start and the outcome
        db = sqlite3.connect(self.data.db)
        actions = [r[0] for r in db.execute(
            "SELECT action FROM audit WHERE target = ? ORDER BY id", ("report:%d" % report,))]
        db.close()
        self.assertEqual(actions[-3:], ["report.queue", "report.submit.start",
                                        "report.submit.delivered"])

    def test_json_mapped_and_whole_report(self):
        f = self.form()
        self.configure("""  - name: api-mapped
    type: http_json
    url: %s
    method: PUT
    allow_private: true
    fields:
      reportId: "{{report.id}}"
      urls: "{{#rows}}{{URL}};{{/rows}}"
      hash: "{{field.証拠_SHA-256}}"
  - name: api-whole
    type: http_json
    url: %s
    allow_private: true
""" % (f.url, f.url))
        r1, _ = self.new_report()
        r2, _ = self.new_report("police")
        self.submit(r1, "api-mapped")
        self.submit(r2, "api-whole")
        p = self.send_due()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(f.count(), 2)
        by_method = {r["method"]: r for r in f.requests}
        mapped = by_method["PUT"]
        self.assertEqual(mapped["headers"]["content-type"], "application/json")
        rep1 = report_get(self.api, r1)
        self.assertEqual(mapped["json"]["reportId"], str(r1))
        self.assertEqual(mapped["json"]["urls"], "".join(row[1] + ";" for row in rep1["fields"]["rows"]))
        self.assertIn("hash", mapped["json"])
        whole = by_method["POST"]["json"]
        rep2 = report_get(self.api, r2)
        self.assertEqual(whole["report"]["id"], r2)
        self.assertEqual(whole["report"]["body"], rep2["body"])
        self.assertEqual(whole["report"]["body_sha256"], rep2["body_sha256"])
        self.assertEqual(whole["fields"]["columns"], rep2["fields"]["columns"])
        self.assertEqual(whole["idempotency_key"], by_method["POST"]["headers"]["idempotency-key"])
        for r in (r1, r2):
            self.assertEqual(report_get(self.api, r)["submit_state"], "delivered")

    # ---- retries ----

    def test_500_then_200_is_delivered_once(self):
        f = self.form()
        f.plan = [500]
        self.configure(form_destination("flaky", f.url), "submission:\n  backoff_seconds: 2\n")
        report, _ = self.new_report()
        self.submit(report, "flaky")
        started = int(time.time())
        p = self.send_due()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(b"1 to retry", p.stdout)
        rep = report_get(self.api, report)
        self.assertEqual(rep["submit_state"], "retry")
        self.assertEqual(rep["status"], "approved")
        self.assertIn("500", rep["last_error"])
        self.assertIn(rep["next_attempt_unix"] - started, (2, 3))  # the backoff
        self.not_due_before(rep["next_attempt_unix"])
        p = self.send_due()
        self.assertIn(b"1 delivered", p.stdout)
        self.assertEqual(f.count(), 2)
        keys = {r["headers"]["idempotency-key"] for r in f.requests}
        self.assertEqual(len(keys), 1, "every attempt carries the same key")
        subs = self.submissions(report)
        self.assertEqual([(s["attempt"], s["outcome"]) for s in subs],
                         [(1, "retry"), (2, "delivered")])
        self.assertEqual(sum(s["outcome"] == "delivered" for s in subs), 1)
        self.assertEqual(report_get(self.api, report)["status"], "sent")
        self.assertNotEqual(subs[0]["evidence"], subs[1]["evidence"])
        self.assertIn(b"0 attempted", self.send_due().stdout)
        self.assertEqual(f.count(), 2)

    def test_always_failing_gives_up_after_max_attempts(self):
        f = self.form(default=503)
        # a refusal whose body is no clean text: it is kept as evidence, and
        # reaches the store and the audit log as one valid UTF-8 line
        g = self.form(default=422, body=b"\xff\xfe bad\r\nInjected: yes \xe3\x81 \xe6\x8b\x92\xe5\x90\xa6")
        self.configure(form_destination("down", f.url) + form_destination("strict", g.url),
                       "submission:\n  max_attempts: 3\n  backoff_seconds: 2\n")
        report, _ = self.new_report()
        refused, _ = self.new_report()
        self.submit(report, "down")
        self.submit(refused, "strict")
        p = self.send_due()
        self.assertEqual(p.returncode, 1, p.stdout)  # the 422 failed at once
        self.assertEqual(g.count(), 1)
        rep = report_get(self.api, refused)
        self.assertEqual(rep["submit_state"], "failed")
        self.assertIn("422", rep["last_error"])
        self.assertIn("bad Injected: yes 拒否", rep["last_error"])
        self.assertNotIn("\n", rep["last_error"])
        self.assertEqual(f.count(), 1)
        first = report_get(self.api, report)
        self.assertEqual(first["submit_state"], "retry")
        self.not_due_before(first["next_attempt_unix"])
        started = int(time.time())
        self.assertIn(b"1 to retry", self.send_due().stdout)
        self.assertEqual(f.count(), 2)
        second = report_get(self.api, report)["next_attempt_unix"]
        self.assertIn(second - started, (4, 5))  # 2 s doubled
        self.not_due_before(second)
        p = self.send_due()
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn(b"1 failed", p.stdout)
        rep = report_get(self.api, report)
        self.assertEqual(rep["submit_state"], "failed", rep)
        self.assertEqual(rep["status"], "approved")
        self.assertEqual(rep["attempts"], 3)
        self.assertIn("gave up after 3 attempts", rep["last_error"])
        self.assertEqual(f.count(), 3)
        time.sleep(1.0)
        self.assertIn(b"0 attempted", self.send_due().stdout)
        self.assertEqual(f.count(), 3)
        self.assertEqual([s["outcome"] for s in self.submissions(report)],
                         ["retry", "retry", "failed"])
        # a person's retry starts a new series of max_attempts
        self.assertEqual(self.cli("report", "resolve", str(report), "--retry").returncode, 0)
        self.assertIn(b"1 to retry", self.send_due().stdout)
        self.assertEqual(f.count(), 4)
        self.assertEqual(report_get(self.api, report)["submit_state"], "retry")
        # a person may queue a failed one again
        p = self.cli("report", "resolve", str(refused), "--drop")
        self.assertEqual(p.returncode, 0, p.stderr)
        rep = report_get(self.api, refused)
        self.assertIsNone(rep["submit_state"])
        self.assertEqual(rep["status"], "approved")

    # ---- crash and no answer ----

    def test_sigkill_while_sending_is_uncertain_and_not_resent(self):
        f = self.form(hold_seconds=30)
        f.plan = ["hang"]
        self.configure(form_destination("slow", f.url))
        report, _ = self.new_report()
        self.submit(report, "slow")
        env = dict(os.environ)
        env.pop("JUNKAI_DATA", None)
        sender = subprocess.Popen([BIN, "report", "send-due", "--data", self.data.path],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        try:
            self.assertTrue(f.received.wait(20), "the request never arrived")
            self.assertEqual(report_get(self.api, report)["submit_state"], "sending")
            sender.send_signal(signal.SIGKILL)
            sender.wait(10)
        finally:
            if sender.poll() is None:
                sender.kill()
            sender.stdout.close()
            sender.stderr.close()
        f.release()
        self.assertEqual(f.count(), 1)
        p = self.send_due()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(b"now \"uncertain\"", p.stdout)
        rep = report_get(self.api, report)
        self.assertEqual(rep["submit_state"], "uncertain")
        self.assertEqual(rep["status"], "approved")
        self.assertEqual([s["outcome"] for s in rep["submissions"]], ["uncertain"])
        listed = self.cli("report", "list").stdout.decode()
        self.assertRegex(listed, r"(?m)^%d\t\d+\tihc\tapproved\tuncertain\tslow\t1\t" % report)
        for _ in range(2):
            self.assertIn(b"0 attempted", self.send_due().stdout)
        self.assertEqual(f.count(), 1, "an uncertain submission went out again by itself")
        # a person decides: send it again, with the same key
        p = self.cli("report", "resolve", str(report), "--retry")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.send_due()
        self.assertIn(b"1 delivered", p.stdout)
        self.assertEqual(f.count(), 2)
        self.assertEqual(f.requests[0]["headers"]["idempotency-key"],
                         f.requests[1]["headers"]["idempotency-key"])
        self.assertEqual([s["outcome"] for s in self.submissions(report)],
                         ["uncertain", "delivered"])
        p = self.cli("report", "resolve", str(report), "--retry")
        self.assertEqual(p.returncode, 2)
        self.assert_verified()

    def test_no_answer_is_uncertain_unless_receiver_deduplicates(self):
        f = self.form(hold_seconds=4)
        f.plan = ["hang", "hang"]
        self.configure(form_destination("mute", f.url) +
                       form_destination("dedup", f.url, extra="    retry_unanswered: true\n"),
                       "http:\n  timeout_seconds: 1\nsubmission:\n  backoff_seconds: 1\n")
        a, _ = self.new_report()
        b, _ = self.new_report()
        self.submit(a, "mute")
        self.submit(b, "dedup")
        p = self.send_due()
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertEqual(f.count(), 2)
        ra, rb = report_get(self.api, a), report_get(self.api, b)
        self.assertEqual(ra["submit_state"], "uncertain")
        self.assertIn("sent, no answer", ra["last_error"])
        self.assertEqual(rb["submit_state"], "retry")
        time.sleep(1.3)
        p = self.send_due()
        self.assertIn(b"1 delivered", p.stdout)
        self.assertEqual(report_get(self.api, b)["submit_state"], "delivered")
        self.assertEqual(report_get(self.api, a)["submit_state"], "uncertain")
        self.assertEqual(f.count(), 3)

    # ---- policy ----

    def test_loopback_without_allow_private_is_refused(self):
        f = self.form()
        url = f.url
        self.configure("""  - name: internal
    type: http_form
    url: %s
    fields:
      title: "{{report.title}}"
""" % url)
        report, _ = self.new_report()
        self.submit(report, "internal")
        p = self.send_due()
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertEqual(f.count(), 0)
        rep = report_get(self.api, report)
        self.assertEqual(rep["submit_state"], "failed")
        self.assertIn(url, rep["last_error"])
        self.assertIn("internal address", rep["last_error"])
        self.assertIn(url.encode(), p.stdout)
        # an unknown destination and a kind it does not take are refused at queueing
        p = self.cli("report", "submit", str(report), "--to", "nowhere")
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"no destination \"nowhere\" (known: internal)", p.stderr)

    def test_api_route(self):
        f = self.form()
        self.configure(form_destination("ihc-form", f.url) +
                       form_destination("police-only", f.url, kinds="police"))
        report, _ = self.new_report()
        path = "/api/reports/%d/submit" % report
        pat = Client(self.server.port)
        self.assertEqual(pat.login("pat", "pat-password-333").status, 200)
        r = pat.request("POST", path, {"destination": "ihc-form"})
        self.assertEqual(r.status, 403)
        r = self.api.request("POST", path, {"destination": "ihc-form"}, csrf=False)
        self.assertEqual(r.status, 403)
        r = self.api.request("POST", path, {})
        self.assertEqual(r.status, 400)
        r = self.api.request("POST", path, {"destination": "nowhere"})
        self.assertEqual(r.status, 400)
        self.assertIn("nowhere", r.json["error"])
        self.assertIn("ihc-form", r.json["error"])
        r = self.api.request("POST", path, {"destination": "police-only"})
        self.assertEqual(r.status, 409)
        self.assertIn("does not take ihc", r.json["error"])
        r = self.api.request("POST", "/api/reports/999999/submit", {"destination": "ihc-form"})
        self.assertEqual(r.status, 404)
        r = self.api.request("POST", path, {"destination": "ihc-form"})
        self.assertEqual(r.status, 200, r.raw)
        self.assertEqual(r.json["report"]["submit_state"], "queued")
        self.assertEqual(r.json["report"]["destination"], "ihc-form")
        r = self.api.request("POST", path, {"destination": "ihc-form"})
        self.assertEqual(r.status, 409)
        audit = self.api.request("GET", "/api/audit?limit=5").json["entries"]
        self.assertTrue(any(e["action"] == "report.queue" and e["target"] == "report:%d" % report
                            and e["user"] == SUPERVISOR[0] for e in audit), audit)
        # a draft cannot be queued
        item = self.items.pop(0)
        r = self.api.request("POST", "/api/items/%d/decision" % item,
                             {"decision": "confirm", "case": "new"})
        draft = self.api.request("POST", "/api/cases/%d/reports" % r.json["case"],
                                 {"kind": "ihc"}).json["reports"][0]["id"]
        r = self.api.request("POST", "/api/reports/%d/submit" % draft, {"destination": "ihc-form"})
        self.assertEqual(r.status, 409)
        self.assertIn("draft", r.json["error"])
        self.assertIn(b"1 delivered", self.send_due().stdout)
        self.assertEqual(f.count(), 1)

    # ---- e-mail ----

    def test_email_delivers_once_with_transcript_without_password(self):
        tmp = tempfile.mkdtemp()
        password = "s3cret-Pass-word"
        sink = SmtpSink(os.path.join(tmp, "mail"), auth=("patrol", password))
        try:
            self.configure("""  - name: police-mail
    type: smtp
    kinds: [police]
    to: [cyber@police.example.jp, desk@police.example.jp]
    subject: "【通報】{{report.title}}"
    body: "{{report.body}}\\n\\n照合キー: {{idempotency_key}}\\n"
""", """smtp:
  url: smtp://127.0.0.1:%d
  from: patrol@example.jp
  username: patrol
  password_env: JK_TEST_SMTP_PASSWORD
  starttls: false
  allow_private: true
""" % sink.port)
            report, _ = self.new_report("police")
            rep = report_get(self.api, report)
            self.submit(report, "police-mail")
            # without the password in the environment: failed, nothing sent
            p = self.send_due()
            self.assertEqual(p.returncode, 1)
            self.assertIn(b"JK_TEST_SMTP_PASSWORD", p.stdout)
            self.assertEqual(sink.messages(), [])
            self.assertEqual(self.cli("report", "resolve", str(report), "--retry").returncode, 0)
            p = self.send_due(env={"JK_TEST_SMTP_PASSWORD": password})
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn(b"1 delivered", p.stdout)
            msgs = sink.messages()
            self.assertEqual(len(msgs), 1)
            m = msgs[0]
            self.assertEqual(m["mail_from"], "patrol@example.jp")
            self.assertEqual(m["rcpt_tos"], ["cyber@police.example.jp", "desk@police.example.jp"])
            self.assertEqual(m["login"], "patrol")
            subject, msg = mail_subject(m["data"])
            self.assertEqual(subject, "【通報】" + rep["title"])
            self.assertEqual(msg.get_content_type(), "text/plain")
            self.assertEqual(msg.get_content_charset(), "utf-8")
            body = msg.get_content()
            key = "junkai-report-%d-%s" % (report, rep["body_sha256"][:32])
            self.assertEqual(body.replace("\r\n", "\n"),
                             rep["body"] + "\n\n照合キー: " + key + "\n")
            self.assertEqual(msg["Message-ID"], "<%s@example.jp>" % key)
            self.assertIn("試験巡回チーム", str(msg["From"]))
            self.assertIn("patrol@example.jp", str(msg["From"]))
            self.assertTrue(msg["Date"])
            for line in m["data"].split(b"\r\n"):
                self.assertLessEqual(len(line), 998)
            after = report_get(self.api, report)
            self.assertEqual(after["status"], "sent")
            self.assertEqual(after["sent_via"], "police-mail")
            sub = after["submissions"][-1]
            self.assertEqual(sub["outcome"], "delivered")
            self.assertIn("250", sub["detail"])
            path, _ = evidence_path(self.data, sub["evidence"])
            records = warc_records(path)
            blocks = {h.get("content-type"): b for h, b in records}
            self.assertEqual(blocks["message/rfc822"], m["data"])
            transcript = blocks["text/plain; charset=utf-8"].decode()
            self.assertIn("> MAIL FROM:<patrol@example.jp>", transcript)
            self.assertIn("> RCPT TO:<desk@police.example.jp>", transcript)
            self.assertIn("< 250 OK queued as sink-1", transcript)
            self.assertIn("[redacted]", transcript)
            with gzip.open(path, "rb") as fh:
                plain = fh.read()
            for secret in (password.encode(), base64.b64encode(password.encode()),
                           base64.b64encode(b"\0patrol\0" + password.encode())):
                self.assertNotIn(secret, plain)
            self.assert_verified()
            self.assertIn(b"0 attempted", self.send_due(env={"JK_TEST_SMTP_PASSWORD": password})
                          .stdout)
            self.assertEqual(len(sink.messages()), 1)
        finally:
            sink.stop()

    # ---- the patrol daemon ----

    def test_patrol_daemon_sends_and_writes_yesterdays_summary(self):
        f = self.form()
        self.configure(form_destination("ihc-form", f.url))
        report, _ = self.new_report()
        r = self.api.request("POST", "/api/reports/%d/submit" % report, {"destination": "ihc-form"})
        self.assertEqual(r.status, 200, r.raw)
        env = dict(os.environ)
        env.pop("JUNKAI_DATA", None)
        daemon = subprocess.Popen([BIN, "patrol", "--data", self.data.path],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        try:
            self.assertTrue(wait_for(lambda: f.count() == 1, timeout=30),
                            "the daemon did not send the queued report")
            self.assertTrue(wait_for(
                lambda: report_get(self.api, report)["submit_state"] == "delivered", timeout=10))
            summaries = os.path.join(self.data.path, "summaries")
            self.assertTrue(wait_for(lambda: os.path.isdir(summaries) and any(
                n.endswith(".txt") for n in os.listdir(summaries)), timeout=10))
            time.sleep(6)  # a few more ticks: nothing more goes out
            self.assertEqual(f.count(), 1)
        finally:
            daemon.send_signal(signal.SIGTERM)
            out, err = daemon.communicate(timeout=60)
        self.assertEqual(daemon.returncode, 0, err)
        self.assertIn(b"delivered", err)
        names = sorted(n for n in os.listdir(summaries) if not n.startswith("."))
        self.assertEqual(len(names), 2, names)  # yesterday's .txt and .csv, once
        self.assertRegex(names[0], r"^\d{4}-\d\d-\d\d\.csv$")


class DaemonSummary(unittest.TestCase):
    """The patrol daemon writes and e-mails the missed days once: a restart
    neither repeats nor skips one."""

    def test_once_across_restarts(self):
        left = 86400 - time.time() % 86400
        if left < 90:  # not across a UTC midnight
            time.sleep(left + 2)
        data = DataDir(BIN)
        tmp = tempfile.mkdtemp()
        sink = SmtpSink(os.path.join(tmp, "mail"))
        try:
            write_config(data, """smtp:
  url: smtp://127.0.0.1:%d
  from: patrol@example.jp
  starttls: false
  allow_private: true
summary:
  email_to: chief@example.jp
  utc_offset: "+00:00"
""" % sink.port)
            day = lambda n: time.strftime("%Y-%m-%d", time.gmtime(time.time() - n * 86400))
            # three days ago was written by hand: the daemon makes up the two since
            p = junkai(BIN, ["summary", "--date", day(3), "--data", data.path])
            self.assertEqual(p.returncode, 0, p.stderr)
            summaries = os.path.join(data.path, "summaries")

            def run_daemon(until):
                env = dict(os.environ)
                env.pop("JUNKAI_DATA", None)
                d = subprocess.Popen([BIN, "patrol", "--data", data.path],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
                try:
                    ok = wait_for(until, timeout=30)
                    time.sleep(6)  # more ticks
                finally:
                    d.send_signal(signal.SIGTERM)
                    _, err = d.communicate(timeout=60)
                self.assertTrue(ok, err)
                self.assertEqual(d.returncode, 0, err)
                return err

            run_daemon(lambda: len(sink.messages()) == 2)
            names = sorted(n for n in os.listdir(summaries) if n.endswith(".txt"))
            self.assertEqual(names, [day(n) + ".txt" for n in (3, 2, 1)])
            subjects = sorted(mail_subject(m["data"])[0] for m in sink.messages())
            self.assertEqual(subjects, ["junkai 巡回日報 " + day(n) for n in (2, 1)])
            mtime = os.stat(os.path.join(summaries, day(1) + ".txt")).st_mtime_ns
            run_daemon(lambda: True)  # a restart
            self.assertEqual(len(sink.messages()), 2)
            self.assertEqual(os.stat(os.path.join(summaries, day(1) + ".txt")).st_mtime_ns, mtime)
            db = sqlite3.connect(data.db)
            rows = db.execute("SELECT target, action FROM audit WHERE target LIKE 'summary:%'"
                              " ORDER BY id").fetchall()
            db.close()
            self.assertEqual(sorted(rows), sorted([
                ("summary:" + day(3), "summary.write"),
                ("summary:" + day(2), "summary.write"), ("summary:" + day(2), "summary.email"),
                ("summary:" + day(1), "summary.write"), ("summary:" + day(1), "summary.email")]))
        finally:
            sink.stop()
            data.cleanup()


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
