#!/usr/bin/env python3
"""The demo's sources, served on loopback: the bundled sample posts
(samples/posts.jsonl) spread over five kinds of source, each in its real
format, so `make demo` shows a whole patrol on a machine with no network.

  GET  /feed.xml                          RSS 2.0 (ETag, 304)
  GET  /api/v1/timelines/tag/TAG          Mastodon statuses (max_id/min_id/since_id/limit, Link)
  GET  /api/v1/timelines/public           Mastodon
  GET  /api/v2/search                     Mastodon v2 search ({"statuses": …})
  POST /api/notes/search-by-tag           Misskey notes (sinceId/untilId/limit)
  POST /api/notes/search                  Misskey
  POST /api/notes/global-timeline         Misskey
  GET  /2/tweets/search/recent            X API v2 (since_id, next_token, rate-limit headers)
  GET  /test/read.cgi/demo/1700000000/    a 5ch-style thread, Shift_JIS
  GET  /robots.txt

usage: server.py [--port N] [--posts FILE]   (prints "PORT" on its first line)
"""
import argparse
import hashlib
import html
import json
import os
import sys
import urllib.parse
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = ["x", "mastodon", "misskey", "board", "feed"]


def load(path):
    posts = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if not line.strip():
                continue
            p = json.loads(line)
            when = datetime.fromisoformat(p.get("posted_at", "2025-06-01T00:00:00+09:00"))
            p["utc"] = when.astimezone(timezone.utc)
            p["num"] = n + 1
            p["kind"] = KINDS[n % len(KINDS)]
            posts.append(p)
    return posts


class Demo(BaseHTTPRequestHandler):
    server_version = "junkai-demo/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        if os.environ.get("DEMO_VERBOSE"):
            sys.stderr.write("demo: " + (fmt % args) + "\n")

    def of(self, kind):
        return [p for p in self.server.posts if p["kind"] == kind]

    def send(self, status, body, ctype, headers=()):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, obj, headers=()):
        self.send(200, json.dumps(obj, ensure_ascii=False), "application/json; charset=utf-8",
                  headers)

    def conditional(self, body, ctype):
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send(200, body, ctype, [("ETag", etag)])

    # ---- formats ---------------------------------------------------------
    def status(self, p):
        host = "%s:%d" % self.server.server_address[:2]
        sid = str(100000 + p["num"])
        text = html.escape(p["text"]).replace("\n", "<br>")
        return {
            "id": sid,
            "uri": "http://%s/users/%s/statuses/%s" % (host, p.get("author", "anon"), sid),
            "url": "http://%s/@%s/%s" % (host, p.get("author", "anon"), sid),
            "created_at": p["utc"].strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "language": "ja", "spoiler_text": "", "content": "<p>%s</p>" % text,
            "reblog": None, "media_attachments": [],
            "account": {"id": "1", "username": p.get("author", "anon"),
                        "acct": p.get("author", "anon")},
        }

    def note(self, p):
        host = "%s:%d" % self.server.server_address[:2]
        nid = "9k%08d" % p["num"]
        return {"id": nid, "createdAt": p["utc"].strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "text": p["text"], "cw": None, "uri": None,
                "url": "http://%s/notes/%s" % (host, nid),
                "user": {"id": "u1", "username": p.get("author", "anon"), "host": None},
                "renote": None}

    def tweet(self, p):
        return {"id": str(1800000000000000000 + p["num"]), "text": p["text"],
                "author_id": str(5000 + p["num"]), "lang": "ja",
                "created_at": p["utc"].strftime("%Y-%m-%dT%H:%M:%S.000Z")}

    # ---- routes ----------------------------------------------------------
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        path = url.path
        if path == "/robots.txt":
            return self.send(200, "User-agent: *\nDisallow: /private/\n", "text/plain")
        if path == "/feed.xml":
            return self.conditional(self.feed(), "application/rss+xml; charset=utf-8")
        if path.startswith("/api/v1/timelines/") or path == "/api/v2/search":
            return self.mastodon(path, q)
        if path == "/2/tweets/search/recent":
            return self.x(q)
        if path.startswith("/test/read.cgi/demo/"):
            return self.conditional(self.thread(), "text/html; charset=Shift_JIS")
        self.send(404, "not found\n", "text/plain")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self.send(400, '{"error":"bad json"}', "application/json")
        if self.path in ("/api/notes/search-by-tag", "/api/notes/search",
                         "/api/notes/global-timeline"):
            notes = sorted((self.note(p) for p in self.of("misskey")), key=lambda n: n["id"],
                           reverse=True)
            if body.get("sinceId"):
                notes = [n for n in notes if n["id"] > body["sinceId"]]
            if body.get("untilId"):
                notes = [n for n in notes if n["id"] < body["untilId"]]
            return self.send_json(notes[: int(body.get("limit", 10))])
        self.send(404, '{"error":"no such endpoint"}', "application/json")

    def mastodon(self, path, q):
        statuses = sorted((self.status(p) for p in self.of("mastodon")), key=lambda s: int(s["id"]),
                          reverse=True)
        limit = int(q.get("limit", 20))
        if q.get("max_id"):
            statuses = [s for s in statuses if int(s["id"]) < int(q["max_id"])]
        if q.get("since_id"):
            statuses = [s for s in statuses if int(s["id"]) > int(q["since_id"])]
        if q.get("min_id"):
            newer = [s for s in statuses if int(s["id"]) > int(q["min_id"])]
            statuses = list(reversed(list(reversed(newer))[:limit]))
        page = statuses[:limit]
        if path == "/api/v2/search":
            return self.send_json({"accounts": [], "statuses": page, "hashtags": []})
        links = []
        base = "http://%s:%d%s" % (self.server.server_address[0], self.server.server_address[1],
                                   path)
        if page:
            links.append('<%s?max_id=%s&limit=%d>; rel="next"' % (base, page[-1]["id"], limit))
            links.append('<%s?min_id=%s&limit=%d>; rel="prev"' % (base, page[0]["id"], limit))
        self.send_json(page, [("Link", ", ".join(links))] if links else [])

    def x(self, q):
        if not (self.headers.get("Authorization") or "").startswith("Bearer "):
            return self.send(401, '{"title":"Unauthorized"}', "application/json")
        tweets = sorted((self.tweet(p) for p in self.of("x")), key=lambda t: int(t["id"]),
                        reverse=True)
        if q.get("since_id"):
            tweets = [t for t in tweets if int(t["id"]) > int(q["since_id"])]
        size = max(10, min(100, int(q.get("max_results", 10))))
        start = int(q.get("next_token", "0") or 0)
        page = tweets[start:start + size]
        users = {t["author_id"]: p.get("author", "anon")
                 for t, p in ((self.tweet(p), p) for p in self.of("x"))}
        meta = {"result_count": len(page)}
        if page:
            meta["newest_id"] = page[0]["id"]
            meta["oldest_id"] = page[-1]["id"]
        if start + size < len(tweets):
            meta["next_token"] = str(start + size)
        body = {"meta": meta}
        if page:
            body["data"] = page
            body["includes"] = {"users": [{"id": t["author_id"], "username": users[t["author_id"]],
                                           "name": users[t["author_id"]]} for t in page]}
        self.send_json(body, [("x-rate-limit-limit", "450"), ("x-rate-limit-remaining", "449"),
                              ("x-rate-limit-reset", "1900000000")])

    def feed(self):
        items = []
        for p in self.of("feed"):
            link = "http://example.invalid/news/%d" % p["num"]
            items.append(
                "<item><title>%s</title><link>%s</link><guid>%s</guid>"
                "<pubDate>%s</pubDate><description>%s</description></item>"
                % ("掲示 No.%d" % p["num"], link, link, format_datetime(p["utc"]),
                   html.escape(html.escape(p["text"]))))
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                "<title>junkai demo feed</title><link>http://example.invalid/</link>"
                "<description>demo</description><language>ja</language>%s</channel></rss>\n"
                % "".join(items)).encode("utf-8")

    def thread(self):
        week = "月火水木金土日"
        posts = []
        for i, p in enumerate(self.of("board"), 1):
            jst = p["utc"].astimezone(timezone.utc).timestamp() + 9 * 3600
            t = datetime.fromtimestamp(jst, timezone.utc)
            date = "%s(%s) %s.00" % (t.strftime("%Y/%m/%d"), week[t.weekday()],
                                     t.strftime("%H:%M:%S"))
            uid = hashlib.sha256(p.get("author", "").encode()).hexdigest()[:8]
            posts.append(
                '<div class="post" id="%d" data-date="NG" data-userid="ID:%s">'
                '<div class="meta"><span class="number">%d</span>'
                '<span class="name"><b>名無しさん</b></span>'
                '<span class="date">%s</span><span class="uid">ID:%s</span></div>'
                '<div class="message"><span class="escaped"> %s </span></div></div>'
                % (i, uid, i, date, uid, html.escape(p["text"]).replace("\n", " <br> ")))
        page = ('<!DOCTYPE html><html><head><meta http-equiv="Content-Type" '
                'content="text/html; charset=Shift_JIS"><title>【デモ】雑談スレ Part1</title>'
                '</head><body><h1 class="title">【デモ】雑談スレ Part1</h1>'
                '<div class="thread">%s</div></body></html>' % "".join(posts))
        return page.encode("cp932", errors="xmlcharrefreplace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--posts", default=os.path.join(os.path.dirname(HERE), "samples",
                                                    "posts.jsonl"))
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Demo)
    srv.posts = load(args.posts)
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
