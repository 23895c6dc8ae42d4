"""Helpers for the report submission and summary tests: a loopback form
server that records every request (and can be told to answer 500 first, or
to hold a request), an SMTP sink (aiosmtpd, run with Debian's python3 in a
process of its own), approved reports built through the real API of
`junkai serve`, and a reader of the WARC evidence files. Standard library
only in this process.
"""
import gzip
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "server"))
from serverlib import SAMPLE, Client, DataDir, Server, run  # noqa: E402,F401

SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-aiosmtpd
SUPERVISOR = ("sam", "sam-password-22")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class FormServer:
    """Records each request (method, path, headers, body, parsed form or
    JSON). `plan` is a list of what to do for the next requests: an HTTP
    status, or "hang" (hold the request until release() or hold_seconds);
    when the plan runs out, `default` (200)."""

    def __init__(self, default=200, hold_seconds=60, body=None):
        self.requests = []
        self.plan = []
        self.default = default
        self.hold_seconds = hold_seconds
        self.body = body  # the answer's bytes; None: a JSON count
        self.lock = threading.Lock()
        self.received = threading.Event()
        self.release_event = threading.Event()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                record = {"method": self.command, "path": self.path,
                          "headers": {k.lower(): v for k, v in self.headers.items()},
                          "body": body}
                ctype = record["headers"].get("content-type", "")
                if ctype.startswith("application/x-www-form-urlencoded"):
                    record["form"] = urllib.parse.parse_qs(body.decode(), keep_blank_values=True)
                elif ctype.startswith("application/json"):
                    record["json"] = json.loads(body)
                with owner.lock:
                    owner.requests.append(record)
                    action = owner.plan.pop(0) if owner.plan else owner.default
                owner.received.set()
                if action == "hang":
                    owner.release_event.wait(owner.hold_seconds)
                    action = 200
                text = owner.body if owner.body is not None else \
                    json.dumps({"received": len(owner.requests)}).encode()
                try:
                    self.send_response(action)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(text)))
                    if action == 503:
                        self.send_header("Retry-After", "1")
                    self.end_headers()
                    self.wfile.write(text)
                except OSError:
                    pass  # the sender is gone

            do_POST = do_PUT = handle_any

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d/submit" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def release(self):
        self.release_event.set()

    def count(self):
        with self.lock:
            return len(self.requests)

    def stop(self):
        self.release()
        self.httpd.shutdown()
        self.httpd.server_close()


class SmtpSink:
    """aiosmtpd on a loopback port in its own process (tests/report/
    smtp_sink.py); every message lands in a directory as N.json (envelope)
    and N.eml (the bytes)."""

    def __init__(self, directory, auth=None):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.port = free_port()
        args = [SYSTEM_PYTHON, os.path.join(HERE, "smtp_sink.py"), str(self.port), directory]
        if auth:
            args += ["--auth", "%s:%s" % auth]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("ready"):
            self.proc.kill()
            raise AssertionError("smtp sink did not start: %r %r" % (line, self.proc.stderr.read()))

    def messages(self):
        out = []
        for name in sorted(os.listdir(self.dir), key=lambda n: (len(n), n)):
            if name.endswith(".json"):
                with open(os.path.join(self.dir, name)) as f:
                    env = json.load(f)
                with open(os.path.join(self.dir, name[:-5] + ".eml"), "rb") as f:
                    env["data"] = f.read()
                out.append(env)
        return out

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


def write_config(data, text):
    """junkai.yaml as junkai init wrote it, plus text."""
    path = os.path.join(data.path, "junkai.yaml")
    base = getattr(data, "base_config", None)
    if base is None:
        with open(path, encoding="utf-8") as f:
            base = f.read()
        data.base_config = base
    with open(path, "w", encoding="utf-8") as f:
        f.write(base + "\n" + text)


def supervisor(server):
    c = Client(server.port)
    r = c.login(*SUPERVISOR)
    assert r.status == 200, r.raw
    return c


def queue_items(client, limit=50):
    r = client.request("GET", "/api/queue?limit=%d" % limit)
    assert r.status == 200, r.raw
    return r.json["items"]


def approved_report(client, item_id, kind="ihc"):
    """Confirm an item into a case of its own, draft its report of kind and
    approve it; returns (report id, case id)."""
    r = client.request("POST", "/api/items/%d/decision" % item_id,
                       {"decision": "confirm", "case": "new"})
    assert r.status == 200, r.raw
    case = r.json["case"]
    r = client.request("POST", "/api/cases/%d/reports" % case, {"kind": kind})
    assert r.status == 201, r.raw
    report = r.json["reports"][0]["id"]
    r = client.request("POST", "/api/reports/%d/approve" % report)
    assert r.status == 200, r.raw
    return report, case


def report_get(client, report_id):
    r = client.request("GET", "/api/reports/%d" % report_id)
    assert r.status == 200, r.raw
    return r.json["report"]


def warc_records(path):
    """The records of a (multi-member gzip) WARC file: [(headers, block)]."""
    with open(path, "rb") as f:
        raw = gzip.decompress(f.read())
    out = []
    pos = 0
    while pos < len(raw):
        end = raw.index(b"\r\n\r\n", pos)
        head = raw[pos:end].decode("utf-8")
        lines = head.split("\r\n")
        assert lines[0].startswith("WARC/"), lines[0]
        headers = {}
        for line in lines[1:]:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
        n = int(headers["content-length"])
        block = raw[end + 4:end + 4 + n]
        out.append((headers, block))
        pos = end + 4 + n + 4  # the record's CRLF CRLF
    return out


def evidence_path(data, evidence_id):
    import sqlite3
    db = sqlite3.connect(data.db)
    try:
        row = db.execute("SELECT path, sha256 FROM evidence WHERE id = ?", (evidence_id,)).fetchone()
    finally:
        db.close()
    assert row, "no evidence row %d" % evidence_id
    return os.path.join(data.path, row[0]), row[1]


def wait_for(predicate, timeout=20.0, step=0.1):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def junkai(bin_path, args, env=None, check=False, timeout=120):
    e = dict(os.environ)
    e.pop("JUNKAI_DATA", None)
    e.update(env or {})
    p = subprocess.run([bin_path] + args, capture_output=True, env=e, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("junkai %s failed (%d): %s %s" % (
            " ".join(args), p.returncode, p.stdout.decode(), p.stderr.decode()))
    return p


def mail_subject(raw):
    """The Subject header decoded (RFC 2047) with the standard library."""
    import email
    import email.header
    import email.policy
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return str(msg["Subject"]), msg


ID_RE = re.compile(r"^junkai-report-(\d+)-([0-9a-f]{32})$")
