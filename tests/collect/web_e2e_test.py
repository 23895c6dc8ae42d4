#!/usr/bin/env python3
"""The web collector end to end: the real junkai binary patrols a real
bulletin board on 127.0.0.1 (web_server.py).

- the first patrol stores one "board" item per post of a Shift_JIS thread,
  with authors, UTC times and the texts decoded;
- a second patrol gets 304 Not Modified (the ETag was sent back) and adds
  nothing;
- after the board appends two posts, a patrol adds exactly those two;
- a thread under /private/ (robots.txt: Disallow: /private/) is refused
  with a message naming robots.txt, and never fetched;
- a loopback source added without --allow-private is refused, and the
  server sees no request from it.

usage: web_e2e_test.py JUNKAI_BINARY
"""
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import web_server  # noqa: E402

BIN = None


def run(args):
    p = subprocess.run([BIN] + args, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


class WebCollector(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.tmp.name, "data")
        self.db = os.path.join(self.data, "junkai.db")
        rc, out, err = run(["init", "--data", self.data])
        self.assertEqual(rc, 0, err)
        self.board = web_server.BoardServer(posts=5).start()

    def tearDown(self):
        self.board.stop()
        self.tmp.cleanup()

    def add(self, name, url, *extra):
        rc, out, err = run(["source", "add", "web", name, url, "--every", "0s",
                            "--data", self.data] + list(extra))
        self.assertEqual(rc, 0, err)

    def patrol(self):
        return run(["patrol", "--once", "--data", self.data])

    def items(self):
        con = sqlite3.connect(self.db)
        try:
            return con.execute("SELECT platform, external_id, url, author, posted_at, text "
                               "FROM items ORDER BY id").fetchall()
        finally:
            con.close()

    def test_thread_posts_conditional_get_and_new_posts(self):
        url = self.board.url()
        self.add("thread", url, "--allow-private")
        rc, out, err = self.patrol()
        self.assertEqual(rc, 0, err)
        items = self.items()
        self.assertEqual(len(items), 5, err)
        self.assertEqual({i[0] for i in items}, {"board"})
        self.assertEqual([i[1] for i in items], ["%s#%d" % (url, n) for n in range(1, 6)])
        self.assertEqual([i[2] for i in items], [i[1] for i in items])
        first = items[0]
        self.assertEqual(first[3], "以下、名無しにかわりましてVIPがお送りします ID:Ab0001xy")
        self.assertEqual(first[4], "2024-01-01T18:04:05Z")  # 03:04:05 JST
        self.assertEqual(first[5], "「高収入・即日払い・荷物を受け取るだけ」ってＤＭが来た\n"
                                   "これ絶対アカンやつだよな？")
        self.assertEqual(items[1][5], ">>1\n闇バイトやんけ & 通報しとけ")
        self.assertEqual(items[2][5], "①警察\u3000②相談窓口\n\uff5e どっちに連絡すればいい？ \uff5e")
        self.assertEqual(items[4][4], "2024-01-02T00:32:05Z")  # 09:32:05 JST
        self.assertIn("links", err)  # the page's links are counted in the log
        self.assertEqual(len(self.board.requested("/robots.txt")), 1)

        # unchanged: the ETag goes back, the board answers 304, nothing new
        rc, out, err = self.patrol()
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(self.items()), 5)
        last = self.board.requested(web_server.THREAD_PATH)[-1]
        self.assertIsNotNone(last[1], "no If-None-Match sent")
        self.assertEqual(last[2], 304)
        self.assertIn("not modified", err)

        # two more posts: only they are new
        self.board.add_posts(2)
        rc, out, err = self.patrol()
        self.assertEqual(rc, 0, err)
        items = self.items()
        self.assertEqual(len(items), 7, err)
        self.assertEqual([i[1] for i in items[5:]], ["%s#6" % url, "%s#7" % url])
        self.assertEqual(items[6][5], "スレ立て乙。続きは次スレで")
        self.assertEqual(self.board.requested(web_server.THREAD_PATH)[-1][2], 200)
        self.assertIn("2 new", err)

    def test_robots_txt_disallow_is_obeyed(self):
        url = self.board.url(web_server.PRIVATE_PATH)
        self.add("secret", url, "--allow-private")
        rc, out, err = self.patrol()
        self.assertNotEqual(rc, 0)
        self.assertIn("robots.txt", err)
        self.assertIn("secret", err)
        self.assertIn(web_server.PRIVATE_PATH, err)
        self.assertEqual(self.board.requested("/private/"), [])
        self.assertEqual(len(self.board.requested("/robots.txt")), 1)
        self.assertEqual(self.items(), [])

    def test_loopback_needs_allow_private(self):
        self.add("local", self.board.url())
        rc, out, err = self.patrol()
        self.assertNotEqual(rc, 0)
        self.assertIn("local", err)
        self.assertRegex(err, r"(?i)private|loopback|internal")
        self.assertEqual(self.board.requests, [])
        self.assertEqual(self.items(), [])

    def test_http_error_names_url_and_status(self):
        url = self.board.url("/test/read.cgi/x/999/")
        self.add("gone", url, "--allow-private")
        rc, out, err = self.patrol()
        self.assertNotEqual(rc, 0)
        self.assertIn(url, err)
        self.assertIn("404", err)

    def test_an_image_is_not_read_as_a_page(self):
        url = self.board.url("/img.png")
        self.add("picture", url, "--allow-private")
        rc, out, err = self.patrol()
        self.assertNotEqual(rc, 0)
        self.assertIn(url, err)
        self.assertIn("image/png", err)
        self.assertEqual(self.items(), [])


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main()
