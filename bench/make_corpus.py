#!/usr/bin/env python3
"""Build the benchmark corpus: Japanese text, one post per line.

Mixes real public text — Debian's Japanese manual pages (manpages-ja),
stripped of roff markup and cut into sentence-sized lines — with generated
SNS-style posts: mostly everyday chatter, a few percent written from the
patrol slang (drug ads, 闇バイト recruitment, …) in the obfuscated forms posts
use (half-width kana, spaced or dotted letters, emoji spacers). Generation is
deterministic (fixed seed), so every run measures the same bytes.

usage: make_corpus.py OUT_FILE SIZE_MB
"""
import glob
import gzip
import random
import re
import sys

ROFF_ESCAPE = re.compile(r"\\(f[BIRP]|f\(..|\(..|s[-+]?\d|[-&e|^0 ])")


def man_lines():
    """Sentences from the Japanese manual pages, markup removed."""
    out = []
    for path in sorted(glob.glob("/usr/share/man/ja/man*/*.gz")):
        try:
            text = gzip.open(path, "rt", encoding="utf-8", errors="replace").read()
        except OSError:
            continue
        for line in text.splitlines():
            if not line or line.startswith((".", "'")):
                continue
            line = ROFF_ESCAPE.sub("", line).strip()
            if len(line) < 8 or not any("\u3040" <= c <= "\u9fff" for c in line):
                continue
            for part in re.split(r"(?<=。)", line):
                if len(part) >= 8:
                    out.append(part)
    return out


EVERYDAY = [
    "今日は{place}で{food}を食べた。{feeling}",
    "{weather}だから{thing}を持って出かける",
    "明日の{event}、{feeling}",
    "{food}のレシピを教えてもらった。{feeling}",
    "{place}の{thing}が{price}円だった、安い",
    "仕事が終わらない…{feeling}",
    "{game}のイベント、{feeling}",
    "子どもの{event}で{place}へ。{weather}で良かった",
    "{food}が美味しすぎて{feeling}",
    "新しい{thing}を買った！{price}円",
]
WORDS = {
    "place": ["駅前", "渋谷", "近所のスーパー", "会社", "公園", "実家", "大阪", "カフェ", "学校"],
    "food": ["ラーメン", "野菜炒め", "アイス", "カレー", "寿司", "かき氷", "パン", "サラダ"],
    "feeling": ["最高だった", "疲れた", "楽しみ", "眠い", "嬉しい", "死にたいくらい眠い", "草"],
    "weather": ["雨", "晴れ", "雪", "曇り", "台風"],
    "thing": ["傘", "スマホ", "本", "靴", "バッグ", "紙"],
    "event": ["運動会", "文化祭", "試験", "飲み会", "ライブ", "面接"],
    "price": ["300", "1200", "4980", "150", "2万"],
    "game": ["スプラ", "ポケモン", "モンハン", "マイクラ"],
}
SUSPICIOUS = [
    "野菜あります 都内手押し 即日",
    "ﾔｻｲ 1g 8000円 テレグラムで",
    "や.さ.い 郵送対応 秘密厳守",
    "アイス手押し 0.2 1万",
    "🥦🍁 バッズ入荷 手押し",
    "受け子募集 日給5万 即日即金",
    "ホワイト案件 リスクなし 高額 テレグラム",
    "闇 バ イ ト 紹介します DMで",
    "口座売ります 即日対応",
    "飛ばし携帯 即日郵送",
    "JK ホ別苺 今日会える",
    "一緒に死のう DMください",
    "元本保証 月利10% 投資グループに招待",
    "【佐川急便】不在のため持ち帰りました こちら http://example.invalid",
    "トカレフ譲ります 実弾付き",
]


def generated(rng):
    if rng.random() < 0.03:
        base = rng.choice(SUSPICIOUS)
        tail = rng.choice(["", " 詳細はプロフ", " #拡散希望", " 先着順", " よろしく"])
        return base + tail
    tpl = rng.choice(EVERYDAY)
    return tpl.format(**{k: rng.choice(v) for k, v in WORDS.items()})


def main():
    out_path, size_mb = sys.argv[1], float(sys.argv[2])
    target = int(size_mb * 1024 * 1024)
    rng = random.Random(20261124)
    real = man_lines()
    # A pool of lines recombined into posts of realistic length (20-400
    # characters) keeps generation fast for hundreds of megabytes.
    pool = []
    for _ in range(20000):
        parts = []
        length = rng.randint(20, 300)
        while sum(len(p) for p in parts) < length:
            if real and rng.random() < 0.5:
                parts.append(rng.choice(real))
            else:
                parts.append(generated(rng))
        pool.append(" ".join(parts)[:400])
    written = 0
    with open(out_path, "w", encoding="utf-8") as f:
        while written < target:
            chunk = "\n".join(rng.choice(pool) for _ in range(2000)) + "\n"
            f.write(chunk)
            written += len(chunk.encode("utf-8"))
    print("corpus: %s, %.1f MB, %d real lines in the pool" % (out_path, written / 1048576, len(real)))


if __name__ == "__main__":
    main()
