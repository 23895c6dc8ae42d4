#!/usr/bin/env python3
"""Campaigns over a large store: builds (once, cached in the out directory)
a store of N generated posts with realistic indicator sharing, then times
`junkai campaigns` and `junkai links` (whole process: open, read every
indicator, link, group, summarise, print), median of three runs.

The posts: about 40 % carry indicators. Sellers (one per ~100 posts, sizes
heavy-tailed up to a few thousand posts) repeat their own LINE IDs,
Telegram handles, phones, wallets, bank accounts and shop sites (www. and
bare, so registrable domains matter); everyone else links news sites,
X/YouTube pages, mentions celebrities with a bare @name (the frequency cut's
work) or gives a one-off contact. The peer, in the same run: reading the
same indicator rows (joined with their items' URLs) through Python's
sqlite3, the floor of any on-demand computation.

usage: campaigns.py [--items N] [--bin PATH] [--out DIR] [--max-share N]
"""
import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

FILLER = ["今日は雨でした", "新作のゲームが楽しい", "詳細はこちら", "お気軽にどうぞ",
          "本日限定", "ご質問はお気軽に", "いい天気ですね", "明日から旅行", "拡散希望",
          "初心者歓迎", "即日対応", "安心安全", "フォローお願いします", "ニュース見た"]
NEWS = ["www3.nhk.or.jp", "www.asahi.com", "mainichi.jp", "www.yomiuri.co.jp",
        "news.yahoo.co.jp", "www.nikkei.com", "www.itmedia.co.jp", "gigazine.net",
        "www.sankei.com", "www.jiji.com"] + ["blog%d.example-media.jp" % i for i in range(40)]
PITCHES = ["野菜あります 都内手押し即日OK", "受け子募集 高収入 即日即金", "口座売ります 高価買取", ""]
BANKS = ["三井住友銀行", "みずほ銀行", "三菱UFJ銀行", "りそな銀行", "楽天銀行"]
BRANCHES = ["新宿支店", "渋谷支店", "梅田支店", "本店営業部", "池袋支店"]


def handle(rng, n=8):
    return rng.choice("abcdefghijklmnopqrstuvwxyz") + "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyz0123456789_") for _ in range(n))


def seller(rng, k):
    contacts = ["LINE: %s" % handle(rng) for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.6:
        contacts.append("テレグラム @%s" % handle(rng, 10))
    if rng.random() < 0.4:
        contacts.append("090-%04d-%04d" % (rng.randrange(10000), rng.randrange(10000)))
    if rng.random() < 0.2:
        contacts.append("0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40)))
    if rng.random() < 0.2:
        contacts.append("%s %s 普通 %07d" % (rng.choice(BANKS), rng.choice(BRANCHES),
                                            rng.randrange(10 ** 7)))
    if rng.random() < 0.3:
        site = "shop-%d-%s.jp" % (k, handle(rng, 4))
        contacts.append("https://www.%s/item/%d" % (site, rng.randrange(100)))
        contacts.append("https://%s/" % site)
    size = min(int(rng.paretovariate(1.1) * 2), 4000)
    return contacts, size, rng.choice(PITCHES)


def make_posts(path, n, seed=5):
    rng = random.Random(seed)
    sellers = []
    k = 0
    while sum(s[1] for s in sellers) < n * 0.15:
        sellers.append(seller(rng, k))
        k += 1
    seller_posts = [i for i, s in enumerate(sellers) for _ in range(s[1])]
    rng.shuffle(seller_posts)
    celebs = ["celeb%02d" % i for i in range(200)]
    with open(path, "w") as f:
        for i in range(n):
            words = rng.sample(FILLER, 3) + ["No.%d" % i]  # no two texts alike
            r = rng.random()
            if r < 0.15 and seller_posts:
                contacts, _, pitch = sellers[seller_posts.pop()]
                words += [pitch] + rng.sample(contacts, rng.randint(1, min(2, len(contacts))))
            elif r < 0.25:  # news, Zipf-ish over the sites
                site = NEWS[min(int(rng.paretovariate(1.0)) - 1, len(NEWS) - 1)]
                words.append("https://%s/article/%d" % (site, rng.randrange(n)))
            elif r < 0.30:
                words.append(rng.choice(["https://x.com/%s/status/%d" % (handle(rng), i),
                                         "https://www.youtube.com/watch?v=%s" % handle(rng, 10)]))
            elif r < 0.35:  # a celebrity by bare @name, Zipf-ish
                words.append("@" + celebs[min(int(rng.paretovariate(0.8)) - 1, len(celebs) - 1)])
            elif r < 0.40:  # one-off contacts
                words.append(rng.choice(["LINE: %s" % handle(rng, 12),
                                         "080-%04d-%04d" % (rng.randrange(10000), rng.randrange(10000))]))
            day = rng.randrange(365)
            post = {"platform": "bench", "id": "c%d" % i, "text": " ".join(words),
                    "posted_at": "2024-%02d-%02dT%02d:00:00Z" % (day // 31 + 1, day % 28 + 1,
                                                                 rng.randrange(24))}
            f.write(json.dumps(post, ensure_ascii=False) + "\n")


def timed(cmd, runs=3):
    times, out = [], b""
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True)
        times.append(time.perf_counter() - t)
        out = p.stdout
    return statistics.median(times), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=200000)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "junkai"))
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--max-share", type=int, default=500)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    posts = os.path.join(args.out, "campaign-posts-%d.jsonl" % args.items)
    data = os.path.join(args.out, "campaign-store-%d" % args.items)
    if not os.path.exists(os.path.join(data, "junkai.db")):
        make_posts(posts, args.items)
        subprocess.run([args.bin, "init", "--data", data], check=True, capture_output=True)
        t = time.perf_counter()
        subprocess.run([args.bin, "import", "--data", data, posts], check=True)
        print("import: %.1f s" % (time.perf_counter() - t))
    db = sqlite3.connect(os.path.join(data, "junkai.db"))
    items = db.execute("SELECT count(*) FROM items").fetchone()[0]
    inds = db.execute("SELECT count(*) FROM indicators").fetchone()[0]
    t = time.perf_counter()
    rows = db.execute("SELECT n.item_id, n.type, n.value, i.url FROM indicators n"
                      " JOIN items i ON i.id = n.item_id").fetchall()
    floor = time.perf_counter() - t
    db.close()
    print("store: %d items, %d indicator rows (%d read by the peer)" % (items, inds, len(rows)))
    share = ["--max-share", str(args.max_share)]
    t_all, out = timed([args.bin, "campaigns", "--data", data, "--format", "jsonl"] + share)
    camps = [json.loads(l) for l in out.splitlines()]
    sizes = sorted((c["size"] for c in camps), reverse=True)
    print("campaigns: %d, in them %d items; largest %s" % (len(camps), sum(sizes), sizes[:5]))
    print("largest's indicators: %s" % [(i["type"], i["value"], i["items"])
                                       for i in camps[0]["indicators"]] if camps else "")
    t_top, _ = timed([args.bin, "campaigns", "--data", data, "--limit", "20"] + share)
    big = camps[0]["items"][-1] if camps else 1
    small = camps[-1]["items"][0] if camps else 1
    t_big, _ = timed([args.bin, "links", "--data", data, str(big), "--format", "jsonl"] + share)
    t_small, _ = timed([args.bin, "links", "--data", data, str(small), "--format", "jsonl"] + share)
    print("peer: Python sqlite3 reading the indicator rows: %.2f s" % floor)
    print("junkai campaigns (all): %.2f s (%.1fx the peer)" % (t_all, t_all / floor))
    print("junkai campaigns --limit 20: %.2f s" % t_top)
    print("junkai links (item of the largest campaign): %.2f s" % t_big)
    print("junkai links (item of a campaign of %d): %.2f s" % (camps[-1]["size"] if camps else 0,
                                                              t_small))


if __name__ == "__main__":
    main()
