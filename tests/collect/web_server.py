#!/usr/bin/env python3
"""A small bulletin board on loopback, for the web collector's tests.

Serves one 5ch-style thread in Shift_JIS (CP932) at
/test/read.cgi/x/123/ with an ETag and Last-Modified (a conditional GET
with the current ETag gets 304), a robots.txt that disallows /private/,
a thread under /private/ that a polite crawler never fetches, an image at
/img.png, and 404 for anything else. Every request is logged (path, If-None-Match, status) so a
test can tell what the collector did.

Import it and use BoardServer (start(), add_posts(), requests, stop()), or
run it: web_server.py [PORT] serves until interrupted.
"""
import hashlib
import http.server
import sys
import threading

THREAD_PATH = "/test/read.cgi/x/123/"
PRIVATE_PATH = "/private/test/read.cgi/x/456/"
ROBOTS = "User-agent: *\nDisallow: /private/\n"

NAMES = ["以下、名無しにかわりましてVIPがお送りします", "風吹けば名無し", "名無しさん＠お腹いっぱい。"]
MESSAGES = [
    "「高収入・即日払い・荷物を受け取るだけ」ってＤＭが来た <br> これ絶対アカンやつだよな？",
    "<a href=\"../test/read.cgi/x/123/1\" rel=\"noopener noreferrer\" target=\"_blank\">&gt;&gt;1</a>"
    " <br> 闇バイトやんけ &amp; 通報しとけ",
    "①警察　②相談窓口 <br> ～ どっちに連絡すればいい？ ～",
    "#9110 に電話しろ <br> <a href=\"https://www.npa.go.jp/bureau/cyber/\">https://www.npa.go.jp/bureau/cyber/</a>",
    "受け子の募集なんて今どき誰も引っかからんやろ",
    "それが引っかかる奴がいるんだよなあ",
    "スレ立て乙。続きは次スレで",
]


def post_html(n):
    """Post n (from 1): its div in 5ch's current layout."""
    name = NAMES[(n - 1) % len(NAMES)]
    text = MESSAGES[(n - 1) % len(MESSAGES)] + (" (%d)" % n if n > len(MESSAGES) else "")
    uid = "ID:Ab%04dxy" % n
    # JST times 97 minutes apart from 2024/01/02 03:04:05; post 5 is past
    # 09:00, where the UTC date changes
    minute = 4 + (n - 1) * 97
    hour, minute = (3 + minute // 60) % 24, minute % 60
    date = "2024/01/02(火) %02d:%02d:05.%02d" % (hour, minute, n)
    return ('<div class="post" id="%d" data-date="NG" data-userid="%s" data-id="%d">'
            '<div class="meta"><span class="number">%d</span><span class="name"><b>%s</b></span>'
            '<span class="date">%s</span><span class="uid">%s</span></div>'
            '<div class="message"><span class="escaped"> %s </span></div></div><br>\n'
            % (n, uid, n, n, name, date, uid, text))


def thread_page(count, title="【注意】怪しいバイト募集スレ"):
    body = "".join(post_html(n) for n in range(1, count + 1))
    page = ('<!DOCTYPE html>\n<html lang="ja"><head><meta charset="Shift_JIS">'
            '<title>%s</title></head><body>\n'
            '<div class="topmenu"><a href="/x/">■掲示板に戻る■</a> '
            '<a href="%sl50">最新50</a></div>\n<h1 class="title">%s</h1>\n'
            '<div class="thread">\n%s</div>\n</body></html>\n' % (title, THREAD_PATH, title, body))
    return page.encode("cp932")


class BoardServer:
    def __init__(self, posts=5, port=0):
        self.posts = posts
        self.requests = []  # (path, if_none_match, status)
        self.lock = threading.Lock()
        self.version = 1
        board = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def send(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304 and self.command != "HEAD":
                    self.wfile.write(body)
                with board.lock:
                    board.requests.append((self.path, self.headers.get("If-None-Match"), status))

            def do_GET(self):
                if self.path == "/robots.txt":
                    return self.send(200, ROBOTS.encode(), [("Content-Type", "text/plain")])
                if self.path == THREAD_PATH:
                    with board.lock:
                        body = thread_page(board.posts)
                        version = board.version
                    etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
                    headers = [("ETag", etag),
                               ("Last-Modified", "Tue, 02 Jan 2024 %02d:00:00 GMT" % version),
                               # no charset in the header: the page's
                               # <meta charset="Shift_JIS"> must decide
                               ("Content-Type", "text/html")]
                    if self.headers.get("If-None-Match") == etag:
                        return self.send(304, b"", headers)
                    return self.send(200, body, headers)
                if self.path == "/img.png":
                    return self.send(200, b"\x89PNG\r\n\x1a\n" + bytes(64),
                                     [("Content-Type", "image/png")])
                if self.path.startswith("/private/"):
                    return self.send(200, thread_page(3, "秘密のスレ"),
                                     [("Content-Type", "text/html; charset=Shift_JIS")])
                return self.send(404, b"not found", [("Content-Type", "text/plain")])

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = None

    def url(self, path=THREAD_PATH):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def add_posts(self, n):
        with self.lock:
            self.posts += n
            self.version += 1

    def requested(self, prefix):
        with self.lock:
            return [r for r in self.requests if r[0].startswith(prefix)]

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


if __name__ == "__main__":
    server = BoardServer(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8081)
    print("serving %s (robots.txt disallows /private/)" % server.url(), flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
