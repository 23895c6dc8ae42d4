#!/usr/bin/env python3
"""A loopback HTTP server for tests/net/test_http.c (python3 stdlib only).

Listens on 127.0.0.1, port chosen by the kernel, and prints the port as the
first line of stdout. Exits when stdin reaches end of file, so it cannot
outlive the test that started it (the test holds the other end of the pipe).

Every request whose query has k=NAME is counted and logged under NAME;
GET /hits?k=NAME answers the count, /log?k=NAME a JSON list of
{"t": monotonic seconds, "port": client port, "headers": {...},
"method": ...}. robots.txt requests count under the name "robots".
"""
import gzip
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
hits = {}
logs = {}
state = {"robots": "rules"}
bomb = {}

ROBOTS_RULES = b"""# fixture robots.txt
User-agent: *
Disallow: /

User-agent: Junkai/2.0
Disallow: /private
Allow: /private/open
Disallow: /*.secret$
"""


def bomb_body():
    with lock:
        if "gz" not in bomb:
            # 64 MiB of zeros compress to about 64 KiB.
            bomb["gz"] = gzip.compress(bytes(64 << 20), 9)
        return bomb["gz"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def record(self, key):
        if not key:
            return 0
        with lock:
            hits[key] = hits.get(key, 0) + 1
            logs.setdefault(key, []).append({
                "t": time.monotonic(),
                "port": self.client_address[1],
                "method": self.command,
                "path": self.path,
                "headers": {k: v for k, v in self.headers.items()},
            })
            return hits[key]

    def send(self, status, body=b"", headers=None, ctype="text/plain"):
        self.send_response(status)
        hdrs = {"Content-Type": ctype}
        hdrs.update(headers or {})
        for k, v in hdrs.items():
            if isinstance(v, list):
                for item in v:
                    self.send_header(k, item)
            else:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        key = q.get("k", "")
        path = url.path
        body = b""
        if self.command == "POST":
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)

        if path == "/hits":
            with lock:
                n = hits.get(key, 0)
            return self.send(200, str(n).encode())
        if path == "/log":
            with lock:
                data = json.dumps(logs.get(key, [])).encode()
            return self.send(200, data, ctype="application/json")
        if path == "/set-robots":
            state["robots"] = q.get("mode", "rules")
            return self.send(200, b"ok")
        if path == "/robots.txt":
            self.record("robots")
            mode = state["robots"]
            if mode == "rules":
                return self.send(200, ROBOTS_RULES)
            if mode == "404":
                return self.send(404, b"no robots here")
            return self.send(503, b"down")

        count = self.record(key)
        if path == "/plain":
            return self.send(200, b"hello world\n",
                             {"ETag": '"plain"', "X-Multi": ["a", "b"],
                              "Last-Modified": "Sun, 06 Nov 1994 08:49:37 GMT"})
        if path == "/gzip":
            text = b"compressed hello " * 100
            if "gzip" in self.headers.get("Accept-Encoding", ""):
                return self.send(200, gzip.compress(text), {"Content-Encoding": "gzip"})
            return self.send(200, text)
        if path == "/large":
            n = int(q.get("n", "1000000"))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            chunk = b"a" * 65536
            try:
                while n > 0:
                    self.wfile.write(chunk[:min(n, len(chunk))])
                    n -= len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return None
        if path == "/bomb":
            return self.send(200, bomb_body(), {"Content-Encoding": "gzip"})
        if path == "/etag":
            if self.headers.get("If-None-Match") == '"v1"':
                return self.send(304, b"", {"ETag": '"v1"'})
            return self.send(200, b"version one", {"ETag": '"v1"'})
        if path == "/retry429":
            if count == 1:
                return self.send(429, b"slow down", {"Retry-After": "1"})
            return self.send(200, b"after 429")
        if path == "/retry-long":
            return self.send(429, b"come back tomorrow", {"Retry-After": "86400"})
        if path == "/flaky":
            if count <= 2:
                return self.send(503, b"busy")
            return self.send(200, b"after 503")
        if path == "/always500":
            return self.send(500, b"broken")
        if path == "/slow":
            if count == 1:
                time.sleep(float(q.get("s", "2")))
            return self.send(200, b"slow answer")
        if path == "/redirect":
            n = int(q.get("n", "0"))
            if n <= 0:
                return self.send(200, b"end of chain")
            target = "/redirect?n=%d&k=%s" % (n - 1, key) if n > 1 else "/end?k=" + key
            return self.send(302, b"", {"Location": target})
        if path == "/end":
            return self.send(200, b"end of chain")
        if path == "/loop":
            return self.send(302, b"", {"Location": "/loop?k=" + key})
        if path == "/to":
            return self.send(302, b"", {"Location": q.get("where", "/")})
        if path == "/post303":
            return self.send(303, b"", {"Location": "/echo?k=" + key})
        if path == "/echo":
            lines = ["%s %s" % (self.command, self.path)]
            lines += ["%s: %s" % (k, v) for k, v in self.headers.items()]
            lines.append("")
            return self.send(200, "\n".join(lines).encode() + body)
        if path in ("/private/x", "/private/open/y", "/data.secret", "/data.secret2"):
            return self.send(200, b"page " + path.encode())
        return self.send(404, b"not found")

    do_GET = handle_any
    do_POST = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients under test hang up mid-body on purpose (size limits,
        # timeouts); that is no error worth a traceback.
        err = sys.exc_info()[1]
        if isinstance(err, (ConnectionError, BrokenPipeError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def main():
    server = Server(("127.0.0.1", 0), Handler)
    sys.stdout.write("%d\n" % server.server_address[1])
    sys.stdout.flush()

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
