#!/usr/bin/env python3
"""A small Mastodon and Misskey instance on loopback, for junkai's tests.

One HTTP server answers both APIs (their paths do not overlap):

Mastodon (https://docs.joinmastodon.org/methods/timelines/, /search/):
  GET /api/v1/timelines/public, /api/v1/timelines/tag/:tag, /api/v2/search
  with limit (default 20, at most 40), max_id (older than), since_id (the
  newest ones newer than), min_id (the oldest ones newer than, still listed
  newest first), and a Link header with rel="next" (max_id = the page's
  oldest) and rel="prev" (min_id = the page's newest) on timeline pages
  that are not empty, as Mastodon sends them. v2 search takes q,
  type=statuses, and the same ids; it sends no Link header.
Misskey (https://misskey-hub.net/en/docs/for-developers/api/):
  POST /api/notes/global-timeline, /api/notes/search-by-tag {"tag"},
  /api/notes/search {"query"}, with limit (default 10, at most 100),
  untilId (older than, newest first) and sinceId (newer than: the oldest
  ones first, as Misskey's makePaginationQuery orders them).

Every request is recorded (method, path, query, JSON body, Authorization)
in Server.requests. A token can be required per API (401 without it).

Run alone: python3 social_server.py [--port N] [--statuses N] — serves a
demo instance with N Japanese statuses and notes tagged 闇バイト.
"""
import argparse
import datetime
import html
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TAG = "闇バイト"

PHRASES = [
    "高収入バイト募集中！即日現金手渡し",
    "受け子できる人いませんか？日払い5万",
    "ﾔｻｲ あります 手押し ok",
    "今日は良い天気ですね",
    "ホワイト案件です。詳細はテレグラムで",
    "運び＆受け取りだけの簡単なお仕事",
    "口座を売ってくれる方を探しています",
    "駅前のラーメン屋が美味しかった",
    "身分証なしでOK、誰でもできます",
]

BASE_TIME = datetime.datetime(2026, 3, 1, 0, 0, 0, tzinfo=datetime.timezone.utc)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Status:
    """One Mastodon status (possibly a reblog of a remote one)."""

    def __init__(self, sid, n, tagged, host):
        self.id = sid
        self.n = n
        self.tagged = tagged
        self.user = "user%d" % (n % 7)
        self.text = "%s #%d" % (PHRASES[n % len(PHRASES)], n)
        self.host = host
        self.spoiler = "閲覧注意" if n % 5 == 0 else ""
        self.reblog_of_remote = n % 11 == 3

    def content(self):
        # <p>, <br>, entities and links, as Mastodon renders them
        tag_html = ""
        if self.tagged:
            tag_html = (' <a href="http://%s/tags/%s" class="mention hashtag" rel="tag">#<span>%s'
                        '</span></a>' % (self.host, urllib.parse.quote(TAG), TAG))
        return ("<p>%s<br>&lt;連絡&gt; &amp; <a href=\"https://example.jp/p/%d\" rel=\"nofollow\">"
                "<span class=\"invisible\">https://</span><span>example.jp/p/%d</span></a>%s</p>"
                % (html.escape(self.text), self.n, self.n, tag_html))

    def json(self):
        created = iso(BASE_TIME + datetime.timedelta(minutes=self.n))
        own = {
            "id": str(self.id),
            "created_at": created,
            "uri": "http://%s/users/%s/statuses/%d" % (self.host, self.user, self.id),
            "url": "http://%s/@%s/%d" % (self.host, self.user, self.id),
            "language": "ja",
            "spoiler_text": self.spoiler,
            "content": self.content(),
            "visibility": "public",
            "account": {"id": str(self.n % 7 + 1), "username": self.user, "acct": self.user},
            "media_attachments": [],
            "tags": [{"name": TAG}] if self.tagged else [],
            "reblog": None,
        }
        if not self.reblog_of_remote:
            return own
        inner = dict(own)
        inner["id"] = str(self.id - 7)  # the remote status's local copy
        inner["uri"] = "https://remote.example/users/r%d/statuses/%d" % (self.n, self.n)
        inner["url"] = "https://remote.example/@r%d/%d" % (self.n, self.n)
        inner["account"] = {"id": "99", "username": "r%d" % self.n,
                            "acct": "r%d@remote.example" % self.n}
        outer = dict(own)
        outer["content"] = ""
        outer["spoiler_text"] = ""
        outer["uri"] = own["uri"] + "/activity"
        outer["url"] = None
        outer["reblog"] = inner
        return outer


class Note:
    """One Misskey note."""

    def __init__(self, nid, n, tagged, host):
        self.id = nid
        self.n = n
        self.tagged = tagged
        self.host = host
        self.text = "%s #%d" % (PHRASES[n % len(PHRASES)], n) + (" #%s" % TAG if tagged else "")
        self.remote = n % 4 == 1

    def json(self):
        note = {
            "id": self.id,
            "createdAt": iso(BASE_TIME + datetime.timedelta(minutes=self.n)),
            "userId": "u%d" % (self.n % 5),
            "user": {"id": "u%d" % (self.n % 5), "username": "user%d" % (self.n % 5),
                     "host": "remote.example" if self.remote else None},
            "text": self.text,
            "cw": "閲覧注意" if self.n % 6 == 0 else None,
            "visibility": "public",
            "renoteId": None,
            "replyId": None,
            "files": [],
            "tags": [TAG] if self.tagged else [],
        }
        if self.remote:
            note["uri"] = "https://remote.example/notes/%s" % self.id
            note["url"] = "https://remote.example/@user%d/%s" % (self.n % 5, self.id)
        return note


def misskey_id(k):
    # Misskey's aid: base-36 time first, so the strings sort by time
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    for _ in range(8):
        out = digits[k % 36] + out
        k //= 36
    return "9" + out + "x"


class Server:
    def __init__(self, port=0, mastodon_token=None, misskey_token=None):
        self.lock = threading.Lock()
        self.statuses = []  # oldest first
        self.notes = []
        self.requests = []
        self.mastodon_token = mastodon_token
        self.refuse_max_id = False  # answer 400 to every max_id request (a walk cut short)
        self.misskey_token = misskey_token
        self._n = 0
        self._next_status_id = 110000000000000000
        self._next_note = 1000
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.port = self.httpd.server_address[1]
        self.host = "127.0.0.1:%d" % self.port
        self.url = "http://%s" % self.host
        self.thread = None

    # ---- content ----
    def add_statuses(self, count, tagged=True):
        with self.lock:
            for _ in range(count):
                self._n += 1
                # ids grow by uneven steps, as snowflake ids do
                self._next_status_id += 65536 * (1 + self._n % 3) + 17
                self.statuses.append(Status(self._next_status_id, self._n, tagged, self.host))

    def add_notes(self, count, tagged=True):
        with self.lock:
            for _ in range(count):
                self._n += 1
                self._next_note += 1 + self._n % 4
                self.notes.append(Note(misskey_id(self._next_note), self._n, tagged, self.host))

    def mastodon_uris(self, tagged_only=True):
        return {s.json()["reblog"]["uri"] if s.reblog_of_remote else s.json()["uri"]
                for s in self.statuses if s.tagged or not tagged_only}

    def requests_to(self, prefix):
        with self.lock:
            return [r for r in self.requests if r["path"].startswith(prefix)]

    # ---- paging ----
    @staticmethod
    def mastodon_page(items, params):
        try:
            limit = int(params.get("limit", "20"))
        except ValueError:
            limit = 20
        limit = max(1, min(limit, 40))
        max_id = int(params["max_id"]) if "max_id" in params else None
        since_id = int(params["since_id"]) if "since_id" in params else None
        min_id = int(params["min_id"]) if "min_id" in params else None
        sel = [s for s in items
               if (max_id is None or s.id < max_id)
               and (since_id is None or s.id > since_id)
               and (min_id is None or s.id > min_id)]
        sel.sort(key=lambda s: s.id)
        if min_id is not None:
            page = sel[:limit]  # right after min_id
        else:
            page = sel[-limit:]  # the newest that qualify
        page.reverse()
        return page

    @staticmethod
    def misskey_page(items, body):
        limit = body.get("limit", 10)
        if not isinstance(limit, int) or limit < 1 or limit > 100:
            return None
        until = body.get("untilId")
        since = body.get("sinceId")
        sel = sorted((n for n in items
                      if (until is None or n.id < until) and (since is None or n.id > since)),
                     key=lambda n: n.id)
        if since is not None and until is None:
            return sel[:limit]  # ascending, as Misskey answers sinceId
        return list(reversed(sel[-limit:]))

    # ---- HTTP ----
    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def _send(self, status, body, headers=()):
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _record(self, body):
                parsed = urllib.parse.urlsplit(self.path)
                params = dict(urllib.parse.parse_qsl(parsed.query))
                with server.lock:
                    server.requests.append({
                        "method": self.command, "path": parsed.path, "params": params,
                        "body": body, "authorization": self.headers.get("Authorization"),
                    })
                return parsed.path, params

            def do_GET(self):
                path, params = self._record(None)
                if server.mastodon_token and \
                        self.headers.get("Authorization") != "Bearer " + server.mastodon_token:
                    return self._send(401, {"error": "The access token is invalid"})
                if server.refuse_max_id and "max_id" in params:
                    return self._send(400, {"error": "refused for the test"})
                with server.lock:
                    statuses = list(server.statuses)
                if path == "/api/v1/timelines/public":
                    items = statuses
                elif path.startswith("/api/v1/timelines/tag/"):
                    tag = urllib.parse.unquote(path[len("/api/v1/timelines/tag/"):])
                    items = [s for s in statuses if s.tagged and tag == TAG]
                elif path == "/api/v2/search":
                    q = params.get("q", "")
                    if params.get("type") != "statuses" or not q:
                        return self._send(400, {"error": "q and type=statuses needed here"})
                    items = [s for s in statuses if q in s.text]
                    page = server.mastodon_page(items, params)
                    return self._send(200, {"accounts": [], "hashtags": [],
                                            "statuses": [s.json() for s in page]})
                else:
                    return self._send(404, {"error": "Record not found"})
                page = server.mastodon_page(items, params)
                headers = []
                if page:
                    keep = {k: v for k, v in params.items()
                            if k not in ("max_id", "min_id", "since_id")}
                    base = "http://%s%s?" % (server.host, path)  # path as requested: already encoded
                    nxt = base + urllib.parse.urlencode(dict(keep, max_id=page[-1].id))
                    prv = base + urllib.parse.urlencode(dict(keep, min_id=page[0].id))
                    headers.append(("Link", '<%s>; rel="next", <%s>; rel="prev"' % (nxt, prv)))
                return self._send(200, [s.json() for s in page], headers)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                path, _ = self._record(body)
                if not isinstance(body, dict):
                    return self._send(400, {"error": {"code": "INVALID_PARAM"}})
                if server.misskey_token and body.get("i") != server.misskey_token:
                    return self._send(401, {"error": {"code": "CREDENTIAL_REQUIRED"}})
                with server.lock:
                    notes = list(server.notes)
                if path == "/api/notes/global-timeline":
                    items = notes
                elif path == "/api/notes/search-by-tag":
                    items = [n for n in notes if n.tagged and body.get("tag") == TAG]
                elif path == "/api/notes/search":
                    q = body.get("query")
                    if not isinstance(q, str) or not q:
                        return self._send(400, {"error": {"code": "INVALID_PARAM"}})
                    items = [n for n in notes if q in n.text]
                else:
                    return self._send(404, {"error": {"code": "NO_SUCH_ENDPOINT"}})
                page = server.misskey_page(items, body)
                if page is None:
                    return self._send(400, {"error": {"code": "INVALID_PARAM"}})
                return self._send(200, [n.json() for n in page])

        return Handler

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--statuses", type=int, default=90)
    args = ap.parse_args()
    s = Server(args.port)
    s.add_statuses(args.statuses)
    s.add_notes(args.statuses)
    print(s.url, flush=True)
    try:
        s.httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
