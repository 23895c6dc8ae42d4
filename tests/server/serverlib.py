"""Helpers for the server's integration tests: a data directory with
accounts made through the CLI, a `junkai serve` on a free loopback port
(port 0; the bound address is read from its first line), and an HTTP
client that keeps the session cookie and CSRF token. Standard library only.
"""
import http.client
import json
import os
import re
import signal
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(ROOT, "samples", "posts.jsonl")


def run(bin_path, args, stdin=None, check=True):
    env = dict(os.environ)
    env.pop("JUNKAI_DATA", None)
    p = subprocess.run([bin_path] + args, input=stdin, capture_output=True, env=env, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError("junkai %s failed (%d): %s" % (" ".join(args), p.returncode,
                                                           p.stderr.decode()))
    return p


class DataDir:
    def __init__(self, bin_path, posts=SAMPLE):
        self.bin = bin_path
        self.tmp = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.tmp.name, "data")
        run(bin_path, ["init", "--data", self.path])
        if posts:
            run(bin_path, ["import", "--data", self.path, posts])

    def user(self, name, role, password):
        return run(self.bin, ["user", "add", name, "--role", role, "--data", self.path],
                   stdin=(password + "\n").encode())

    @property
    def db(self):
        return os.path.join(self.path, "junkai.db")

    def cleanup(self):
        self.tmp.cleanup()


class Server:
    def __init__(self, bin_path, data, extra=()):
        env = dict(os.environ)
        env.pop("JUNKAI_DATA", None)
        self.proc = subprocess.Popen(
            [bin_path, "serve", "--data", data, "--listen", "127.0.0.1:0"] + list(extra),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        line = self.proc.stdout.readline().decode()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.proc.kill()
            raise AssertionError("serve did not start: %r %r" % (line, self.proc.stderr.read()))
        self.port = int(m.group(1))

    def stop(self):
        """SIGTERM; returns the exit status (0 for a clean stop)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = -1
        self.proc.stdout.close()
        self.proc.stderr.close()
        return rc


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.raw = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def header(self, name):
        return self.headers.get(name)


class Client:
    def __init__(self, port):
        self.port = port
        self.cookie = None
        self.csrf = None

    def request(self, method, path, body=None, headers=None, raw=None, csrf=True):
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = "junkai_session=" + self.cookie
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h.setdefault("X-CSRF-Token", self.csrf)
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            return Reply(r.status, r.headers, r.read())
        finally:
            c.close()

    def login(self, name, password):
        r = self.request("POST", "/api/session", {"username": name, "password": password})
        if r.status == 200:
            m = re.match(r"junkai_session=([0-9a-f]{64});", r.header("Set-Cookie") or "")
            self.cookie = m.group(1) if m else None
            self.csrf = r.json["csrf"]
        return r


class ServeTest(unittest.TestCase):
    """Tests against one `junkai serve`: a subclass's setUpClass sets
    cls.data (a DataDir) and cls.server (a Server); PW maps its logins to
    their passwords. The server must stop cleanly at the end (under ASan:
    no leak or error reported at exit)."""
    PW = {}

    @classmethod
    def tearDownClass(cls):
        rc = cls.server.stop()
        cls.data.cleanup()
        assert rc == 0, "serve did not stop cleanly: %d" % rc

    def client(self, name=None):
        """A client, logged in as name when one is given."""
        c = Client(self.server.port)
        if name:
            r = c.login(name, self.PW[name])
            self.assertEqual(r.status, 200, r.raw)
        return c
