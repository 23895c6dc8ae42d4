#!/usr/bin/env python3
"""A stand-in for the X API v2 recent-search endpoint, on loopback.

Serves GET /2/tweets/search/recent the way X documents it: newest first,
since_id (only newer tweets), max_results (10..100), next_token paging
towards older tweets, expansions=author_id (includes.users), the tweet
fields junkai asks for, a bearer token check (401 problem body), and the
x-rate-limit-limit / -remaining / -reset headers with a request budget that
answers 429 when spent. A since_id older than `oldest_since` gets X's 400
("since_id must be a tweet id created after ..."), as X does for ids older
than its 7-day window.

Used in-process by x_e2e_test.py (XServer), or alone:
    python3 x_server.py --port 8080 --token secret --tweets 25
"""
import argparse
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BASE_ID = 1790000000000000000
LINES = [
    "【高額バイト】即日10万円&手渡し OK>> 詳しくはDMで #闇バイト",
    "ホワイト案件です。運転するだけの簡単なお仕事",
    "闇バイトのニュースを見た。怖い",
    "受け子・出し子募集、テレグラムで連絡ください",
    "今日はいい天気ですね",
]
USERS = [("2000000001", "kousyunyu_job", "高収入＠求人"),
         ("2000000002", "white_anken", "ホワイト案件"),
         ("2000000003", "news_reader", "ニュース好き")]


def _escape(text):
    # X escapes exactly these three in tweet text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class State:
    """Everything the server knows; the test changes it between runs."""

    def __init__(self, token, page_size=100):
        self.lock = threading.Lock()
        self.token = token
        self.page_size = page_size
        self.tweets = []          # newest last
        self.budget = 450         # requests left in the window
        self.limit = 450
        self.reset_in = 900       # seconds until the window resets
        self.retry_after = None   # seconds, sent with 429
        self.oldest_since = 0     # since_id below this → 400
        self.requests = []        # (path, query dict, authorization header)
        self.tokens = {}          # next_token → (since_id, offset)
        self.delay = 0.0          # seconds before each search answer

    def add(self, n, long_every=0):
        with self.lock:
            for _ in range(n):
                i = len(self.tweets)
                tid = str(BASE_ID + (i + 1) * 1000)
                user = USERS[i % len(USERS)]
                text = "%s (%d)" % (LINES[i % len(LINES)], i)
                short = "https://t.co/L%09d" % i
                tweet = {
                    "id": tid, "author_id": user[0], "lang": "ja",
                    "conversation_id": tid,
                    "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z",
                                                time.gmtime(1715590000 + i * 60)),
                    "edit_history_tweet_ids": [tid],
                    "_plain": text,
                }
                if long_every and i % long_every == 0:
                    # a long post: text is cut, note_tweet has it all
                    full = text + " 詳細 " + "あ" * 300 + " " + short
                    tweet["text"] = _escape(full[:270]) + "… " + "https://t.co/N%09d" % i
                    tweet["note_tweet"] = {"text": _escape(full), "entities": {"urls": [
                        {"start": 0, "end": 0, "url": short,
                         "expanded_url": "https://example.jp/long/%d?a=1&b=2" % i}]}}
                    tweet["_expanded"] = "https://example.jp/long/%d?a=1&b=2" % i
                else:
                    tweet["text"] = _escape(text) + " " + short
                    tweet["entities"] = {"urls": [
                        {"start": 0, "end": 0, "url": short,
                         "expanded_url": "https://example.jp/job/%d?a=1&b=2" % i}]}
                    tweet["_expanded"] = "https://example.jp/job/%d?a=1&b=2" % i
                self.tweets.append(tweet)

    def expected_text(self, i):
        t = self.tweets[i]
        if "note_tweet" in t:
            full = t["note_tweet"]["text"].replace("&lt;", "<").replace("&gt;", ">") \
                .replace("&amp;", "&")
            return full.replace(t["note_tweet"]["entities"]["urls"][0]["url"], t["_expanded"])
        return t["_plain"] + " " + t["_expanded"]


class Handler(BaseHTTPRequestHandler):
    server_version = "x-stand-in/1"

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, obj, rate=True):
        st = self.server.state
        body = json.dumps(obj, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        if rate:
            self.send_header("x-rate-limit-limit", str(st.limit))
            self.send_header("x-rate-limit-remaining", str(max(st.budget, 0)))
            self.send_header("x-rate-limit-reset", str(int(time.time()) + st.reset_in))
        if status == 429 and st.retry_after is not None:
            self.send_header("retry-after", str(st.retry_after))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client was killed mid-answer (the kill test does that)

    def do_GET(self):
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        auth = self.headers.get("Authorization", "")
        with st.lock:
            st.requests.append((url.path, q, auth))
        if url.path != "/2/tweets/search/recent":
            self.send_json(404, {"title": "Not Found", "type": "about:blank", "status": 404,
                                 "detail": "no such endpoint"}, rate=False)
            return
        if auth != "Bearer " + st.token:
            self.send_json(401, {"title": "Unauthorized", "type": "about:blank",
                                 "status": 401, "detail": "Unauthorized"}, rate=False)
            return
        if st.delay:
            time.sleep(st.delay)
        with st.lock:
            if st.budget <= 0:
                self.send_json(429, {"title": "Too Many Requests", "type": "about:blank",
                                     "status": 429, "detail": "Too Many Requests"})
                return
            st.budget -= 1
            self.search(st, q)

    def search(self, st, q):
        query = q.get("query", "")
        if not query:
            self.send_json(400, {"errors": [{"message": "query is required"}],
                                 "title": "Invalid Request", "type":
                                 "https://api.twitter.com/2/problems/invalid-request"})
            return
        try:
            max_results = int(q.get("max_results", "10"))
        except ValueError:
            max_results = 0
        if not 10 <= max_results <= 100:
            self.send_json(400, {"errors": [{"message": "max_results out of range"}],
                                 "title": "Invalid Request", "type":
                                 "https://api.twitter.com/2/problems/invalid-request"})
            return
        since = q.get("since_id")
        if since is not None and (not since.isdigit() or int(since) < st.oldest_since):
            msg = ("Invalid 'since_id':'%s'. 'since_id' must be a tweet id created after "
                   "2024-05-06T00:00Z." % since)
            self.send_json(400, {"errors": [{"parameters": {"since_id": [since]},
                                             "message": msg}],
                                 "title": "Invalid Request",
                                 "detail": "One or more parameters to your request was invalid.",
                                 "type": "https://api.twitter.com/2/problems/invalid-request"})
            return
        offset = 0
        token = q.get("next_token")
        if token is not None:
            if token not in st.tokens or st.tokens[token][0] != since:
                self.send_json(400, {"errors": [{"message": "bad next_token"}],
                                     "title": "Invalid Request", "type":
                                     "https://api.twitter.com/2/problems/invalid-request"})
                return
            offset = st.tokens[token][1]
        matches = [t for t in reversed(st.tweets)
                   if since is None or int(t["id"]) > int(since)]
        size = min(max_results, st.page_size)
        page = matches[offset:offset + size]
        meta = {"result_count": len(page)}
        if page:
            meta["newest_id"] = page[0]["id"]
            meta["oldest_id"] = page[-1]["id"]
        if offset + size < len(matches):
            nt = "tok%d_%d" % (len(st.tokens), offset + size)
            st.tokens[nt] = (since, offset + size)
            meta["next_token"] = nt
        body = {"meta": meta}
        if page:
            body["data"] = [{k: v for k, v in t.items() if not k.startswith("_")} for t in page]
            ids = {t["author_id"] for t in page}
            body["includes"] = {"users": [{"id": u[0], "username": u[1], "name": u[2]}
                                          for u in USERS if u[0] in ids]}
        self.send_json(200, body)


class XServer:
    """The stand-in on 127.0.0.1 in a background thread."""

    def __init__(self, token, page_size=100, port=0):
        self.state = State(token, page_size)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.state = self.state
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--token", default="test-token")
    ap.add_argument("--tweets", type=int, default=25)
    ap.add_argument("--page-size", type=int, default=10)
    args = ap.parse_args()
    srv = XServer(args.token, args.page_size, args.port)
    srv.state.add(args.tweets, long_every=7)
    print("serving %s (token %r)" % (srv.base, args.token), flush=True)
    srv.httpd.serve_forever()


if __name__ == "__main__":
    main()
