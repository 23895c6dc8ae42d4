#!/usr/bin/env python3
"""A loopback site whose posts can be deleted, for the removal-check tests.

One Site serves, on an address of its own (127.0.0.2, 127.0.0.3, … so that
each site is its own host in the per-host statistics):

  /robots.txt                  allows everything
  /page/NAME.html              a web page (UTF-8) from Site.pages[NAME]
  /article/NAME.html           the same, for feed items' links
  /feed.xml                    RSS 2.0 of Site.feed_items (title, link, description)
  /test/read.cgi/x/123/        a 5ch-style thread (Shift_JIS) of Site.thread_posts
  GET  /api/v1/timelines/public, /api/v1/statuses/ID      (Mastodon)
  POST /api/notes/global-timeline, /api/notes/show          (Misskey)
  GET  /2/tweets/search/recent, /2/tweets/ID                (X API v2, bearer token)

Site.status[path] overrides the answer of one path with a bare status
(404, 410, 500 …). Deleting a status, note or tweet makes the APIs answer as
the platforms do: Mastodon 404 {"error":"Record not found"}, Misskey 400
{"error":{"code":"NO_SUCH_NOTE"}}, X 200 {"errors":[{"title":"Not Found
Error", …}]}. Every request is logged as (method, path).
"""
import html
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

THREAD_PATH = "/test/read.cgi/x/123/"


def thread_page(posts):
    """posts: [(number, text)] as a 5ch thread page in CP932."""
    body = []
    for n, text in posts:
        body.append(
            '<div class="post" id="%d" data-date="NG" data-userid="ID:Ab%04dxy" data-id="%d">'
            '<div class="meta"><span class="number">%d</span><span class="name"><b>名無し</b>'
            '</span><span class="date">2024/01/02(火) 03:%02d:05.00</span>'
            '<span class="uid">ID:Ab%04dxy</span></div><div class="message">'
            '<span class="escaped"> %s </span></div></div><br>\n'
            % (n, n, n, n, n % 60, n, html.escape(text).replace("\n", " <br> ")))
    page = ('<!DOCTYPE html>\n<html lang="ja"><head><meta charset="Shift_JIS">'
            '<title>怪しい求人スレ</title></head><body>\n<h1 class="title">怪しい求人スレ</h1>\n'
            '<div class="thread">\n%s</div>\n</body></html>\n' % "".join(body))
    return page.encode("cp932")


class Site:
    def __init__(self, address, x_token=None):
        self.lock = threading.Lock()
        self.address = address
        self.x_token = x_token
        self.pages = {}          # name → HTML text (pages and articles)
        self.feed_items = []     # (title, link, description)
        self.thread_posts = []   # (number, text)
        self.statuses = {}       # id → text (Mastodon), insertion order
        self.notes = {}          # id → text (Misskey)
        self.tweets = {}         # id → text (X)
        self.status = {}         # path → forced HTTP status
        self.requests = []
        self.httpd = ThreadingHTTPServer((address, 0), self._handler())
        self.port = self.httpd.server_address[1]
        self.origin = "http://%s:%d" % (address, self.port)
        self.thread = None

    def url(self, path):
        return self.origin + path

    def requested(self, method, prefix):
        with self.lock:
            return [p for m, p in self.requests if m == method and p.startswith(prefix)]

    # ---- answers ----
    def _status_json(self, sid):
        return {"id": sid, "created_at": "2026-03-01T00:00:00.000Z",
                "uri": "%s/users/alice/statuses/%s" % (self.origin, sid),
                "url": "%s/@alice/%s" % (self.origin, sid), "language": "ja",
                "spoiler_text": "", "visibility": "public",
                "content": "<p>%s</p>" % html.escape(self.statuses[sid]),
                "account": {"id": "1", "username": "alice", "acct": "alice"},
                "media_attachments": [], "tags": [], "reblog": None}

    def _note_json(self, nid):
        return {"id": nid, "createdAt": "2026-03-01T00:00:00.000Z", "userId": "u1",
                "user": {"id": "u1", "username": "bob", "host": None},
                "text": self.notes[nid], "cw": None, "visibility": "public",
                "renoteId": None, "replyId": None, "files": [], "tags": []}

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def send(self, status, body=b"", ctype="text/plain; charset=utf-8"):
                if isinstance(body, str):
                    body = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def send_json(self, status, obj):
                self.send(status, json.dumps(obj, ensure_ascii=False),
                          "application/json; charset=utf-8")

            def route(self, method, body):
                path = urllib.parse.urlsplit(self.path).path
                with site.lock:
                    site.requests.append((method, path))
                    forced = site.status.get(path)
                if forced:
                    return self.send(forced, "forced %d" % forced)
                with site.lock:
                    if method == "GET" and path == "/robots.txt":
                        return self.send(200, "User-agent: *\nAllow: /\n")
                    for prefix in ("/page/", "/article/"):
                        if method == "GET" and path.startswith(prefix) and path.endswith(".html"):
                            name = path[len(prefix):-5]
                            if name in site.pages:
                                return self.send(200, site.pages[name],
                                                 "text/html; charset=utf-8")
                            return self.send(404, "not found")
                    if method == "GET" and path == "/feed.xml":
                        items = "".join(
                            "<item><title>%s</title><link>%s</link><guid>%s</guid>"
                            "<description>%s</description></item>"
                            % (html.escape(t), html.escape(l), html.escape(l), html.escape(d))
                            for t, l, d in site.feed_items)
                        return self.send(200, '<?xml version="1.0" encoding="UTF-8"?>\n'
                                         '<rss version="2.0"><channel><title>求人ニュース</title>'
                                         '<link>%s/</link><description>d</description>%s'
                                         '</channel></rss>' % (site.origin, items),
                                         "application/rss+xml; charset=utf-8")
                    if method == "GET" and path == THREAD_PATH:
                        return self.send(200, thread_page(site.thread_posts), "text/html")
                    # Mastodon
                    if method == "GET" and path == "/api/v1/timelines/public":
                        ids = sorted(site.statuses, key=int, reverse=True)
                        return self.send_json(200, [site._status_json(i) for i in ids])
                    if method == "GET" and path.startswith("/api/v1/statuses/"):
                        sid = path[len("/api/v1/statuses/"):]
                        if sid in site.statuses:
                            return self.send_json(200, site._status_json(sid))
                        return self.send_json(404, {"error": "Record not found"})
                    # Misskey
                    if method == "POST" and path == "/api/notes/global-timeline":
                        ids = sorted(site.notes, reverse=True)
                        return self.send_json(200, [site._note_json(i) for i in ids])
                    if method == "POST" and path == "/api/notes/show":
                        nid = body.get("noteId") if isinstance(body, dict) else None
                        if nid in site.notes:
                            return self.send_json(200, site._note_json(nid))
                        return self.send_json(400, {"error": {
                            "message": "No such note.", "code": "NO_SUCH_NOTE",
                            "id": "24fcbfc6-2e37-42b6-8388-c29b3861a08d", "kind": "client"}})
                    # X API v2
                    if path.startswith("/2/"):
                        if self.headers.get("Authorization") != "Bearer %s" % site.x_token:
                            return self.send_json(401, {"title": "Unauthorized", "status": 401})
                        if path == "/2/tweets/search/recent":
                            ids = sorted(site.tweets, key=int, reverse=True)
                            meta = {"result_count": len(ids)}
                            if ids:
                                meta["newest_id"], meta["oldest_id"] = ids[0], ids[-1]
                            return self.send_json(200, {
                                "data": [{"id": i, "text": site.tweets[i], "author_id": "20",
                                          "lang": "ja", "created_at": "2026-03-01T00:00:00.000Z",
                                          "edit_history_tweet_ids": [i]} for i in ids],
                                "includes": {"users": [{"id": "20", "username": "white_job",
                                                        "name": "求人"}]},
                                "meta": meta})
                        tid = path[len("/2/tweets/"):]
                        if tid in site.tweets:
                            return self.send_json(200, {"data": {
                                "id": tid, "text": site.tweets[tid],
                                "edit_history_tweet_ids": [tid]}})
                        return self.send_json(200, {"errors": [{
                            "value": tid, "detail": "Could not find tweet with id: [%s]." % tid,
                            "title": "Not Found Error", "resource_type": "tweet",
                            "parameter": "id", "resource_id": tid,
                            "type": "https://api.twitter.com/2/problems/resource-not-found"}]})
                return self.send(404, "not found")

            def do_GET(self):
                self.route("GET", None)

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                self.route("POST", body)

        return Handler

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
