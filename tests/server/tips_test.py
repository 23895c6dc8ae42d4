"""POST /api/tips over real HTTP against `junkai serve` on a free loopback
port: a tip is stored as `junkai tip` stores it (platform "tip", text = note
and URL), scanned with the server's rules, audited as tip.add without the
contact; a server with no rules stores it unscanned and says so; bad input,
no CSRF token, no session are refused.

usage: tips_test.py JUNKAI
"""
import json
import os
import sys
import tempfile

import serverlib


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def main():
    bin_path = os.path.abspath(sys.argv[1])
    d = serverlib.DataDir(bin_path, posts=None)
    d.user("pat", "patroller", "patrol-pass-1")
    srv = serverlib.Server(bin_path, d.path)
    try:
        c = serverlib.Client(srv.port)
        anon = c.request("POST", "/api/tips", {"url": "https://a.example/"})
        check(anon.status == 401, "no session: %d" % anon.status)
        check(c.login("pat", "patrol-pass-1").status == 200, "login")
        tip = {"url": "https://shop.example/yasai", "note": "手押し 野菜あります テレグラムで連絡",
               "contact": "山田 090-1234-5678"}
        check(c.request("POST", "/api/tips", tip, csrf=False).status == 403, "no CSRF token")
        r = c.request("POST", "/api/tips", tip)
        check(r.status == 201, "stored: %d %r" % (r.status, r.json))
        check(r.json["fresh"] and r.json["scanned"] and r.json["hits"], "scanned with hits: %r" % r.json)
        item = c.request("GET", "/api/items/%d" % r.json["id"]).json
        check(item["platform"] == "tip" and item["url"] == tip["url"] and
              item["author"] == tip["contact"], "the item: %r" % item)
        check(item["text"] == tip["note"] + " " + tip["url"], "the text is the note and the URL")
        check(any(h["category"] == "drug_ad" for h in item["hits"]), "drug_ad hit: %r" % item["hits"])
        queue = c.request("GET", "/api/queue").json["items"]
        check(r.json["id"] in [i["id"] for i in queue], "the tip is in the queue")
        again = c.request("POST", "/api/tips", tip)
        check(again.status == 200 and not again.json["fresh"] and again.json["id"] == r.json["id"],
              "the same tip again: %r" % again.json)
        for bad, why in (({"url": "ftp://x.example/"}, "not http(s)"), ({"note": "x"}, "no url"),
                         ({"url": "https://"}, "no host"), ({"url": "https://x/", "note": 5}, "note not a string"),
                         ({"url": "https://x/", "note": "あ" * 2000}, "note too long")):
            b = c.request("POST", "/api/tips", bad)
            check(b.status == 400 and "error" in b.json, "%s: %d %r" % (why, b.status, b.json))
    finally:
        check(srv.stop() == 0, "clean stop")
    # audited as tip.add with the url, never the contact
    # a server whose rules dir holds no packs has no scanner
    s2 = None
    with tempfile.TemporaryDirectory() as norules:
        os.environ["JUNKAI_RULES_DIR"] = norules
        try:
            s2 = serverlib.Server(bin_path, d.path)
            c2 = serverlib.Client(s2.port)
            c2.login("pat", "patrol-pass-1")
            u = c2.request("POST", "/api/tips", {"url": "https://other.example/", "note": "手押し"})
            check(u.status == 201 and u.json["scanned"] is False and "unscanned" in u.json["message"],
                  "no rules: stored unscanned and said so: %r" % u.json)
            check(c2.request("GET", "/api/items/%d" % u.json["id"]).json["hits"] == [], "no hits")
        finally:
            del os.environ["JUNKAI_RULES_DIR"]
            if s2:
                check(s2.stop() == 0, "clean stop")
    import sqlite3
    db = sqlite3.connect(d.db)
    rows = db.execute("SELECT target, detail FROM audit WHERE action = 'tip.add' ORDER BY id").fetchall()
    check(len(rows) == 3, "three tip.add entries: %r" % rows)
    for target, detail in rows:
        det = json.loads(detail)
        check(target.startswith("item:") and "url" in det and "contact" not in det and
              "山田" not in detail, "audit entry without the contact: %r" % detail)
    db.close()
    check(serverlib.run(bin_path, ["verify", "--audit", "--data", d.path], check=False).returncode == 0,
          "the audit chain verifies")
    d.cleanup()
    print("tips_test: ok")


if __name__ == "__main__":
    main()
