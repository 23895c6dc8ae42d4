#!/usr/bin/env python3
"""Build the benchmark corpus: Japanese text, one post per line.

Three sources, recombined into posts of realistic length (20-400
characters, most of them short):

  - real public text: Debian's Japanese manual pages (manpages-ja), roff
    markup stripped, cut into sentences; and the CJK strings found in the
    shared API fixtures (Mastodon tag names, server rules, ...);
  - generated everyday chatter (food, weather, work, games, school,
    shopping, news, ...), with the benign look-alikes of the slang (野菜の
    直売, アイス, 草刈り, 死にたいくらい眠い, police warnings quoting 闇バイト);
  - a few percent of suspicious posts built from the slang of SLANG.md
    (a thing term near a deal term), obfuscated as posts are: full-width
    letters, half-width kana, hiragana, spaces, dots or emoji between the
    letters.

Deterministic: the same seed, size and inputs give the same bytes. Fast:
fragments are generated once into pools and recombined line by line
(about 10 s for 120 MB).

usage: make_corpus.py OUT_FILE SIZE_MB [--seed N] [--suspicious FRACTION]
"""
import argparse
import glob
import gzip
import html
import json
import os
import random
import re
import sys
import unicodedata

MAN_GLOB = "/usr/share/man/ja/man*/*.gz"
SHARED = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                       "shared"))
SLANG_MD = os.path.join(SHARED, "domain", "SLANG.md")
FIXTURES = os.path.join(SHARED, "fixtures")

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")

# ---------------------------------------------------------------- real text

# roff escapes: fonts \fB \f(CW \f[B], specials \(em \[em] \*(Tm, sizes
# \s-1, and the one-letter ones (\- \& \e \c \| \^ \0 \~ \").
ROFF_ESCAPE = re.compile(r"\\(f[BIRPC1-4]|f\(..|f\[[^\]]*\]|\(..|\[[^\]]*\]|\*\(..|\*.|"
                         r"s[-+]?\d+|[-&e|^0 ~c%:\"'`)])")


def man_lines():
    """Sentences from the Japanese manual pages, markup removed."""
    out = []
    for path in sorted(glob.glob(MAN_GLOB)):
        try:
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
                text = f.read()
        except (OSError, EOFError):
            continue
        for line in text.splitlines():
            if not line or line.startswith((".", "'", "\\\"")):
                continue
            line = ROFF_ESCAPE.sub("", line).replace("\t", " ").strip()
            if len(line) < 8 or not JAPANESE.search(line):
                continue
            for part in re.split(r"(?<=[。！？])", line):
                part = part.strip()
                if len(part) >= 8:
                    out.append(part)
    return out


JSON_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
HTML_TAG = re.compile(r"<[^>]*>")


def fixture_strings():
    """CJK strings in the shared API fixtures (JSON bodies, often inside
    YAML cassettes with \\u escapes): decoded, HTML removed."""
    out = set()
    for root, _, files in os.walk(FIXTURES):
        for name in sorted(files):
            path = os.path.join(root, name)
            try:
                if os.path.getsize(path) > (8 << 20):
                    continue
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except (OSError, UnicodeDecodeError):
                continue
            if name.endswith((".yaml", ".yml")):  # unfold folded scalars
                text = re.sub(r"\n[ \t]+", " ", text)
            for m in JSON_STRING.finditer(text):
                s = m.group(1)
                if "\\u" not in s and not JAPANESE.search(s):
                    continue
                try:
                    s = json.loads('"%s"' % s)
                except ValueError:
                    continue
                s = re.sub(r"\s+", " ", html.unescape(HTML_TAG.sub(" ", s))).strip()
                if len(JAPANESE.findall(s)) >= 4 and len(s) <= 400:
                    out.add(s)
    return sorted(out)


# ------------------------------------------------------------------- slang

FALLBACK_SLANG = {  # used only when SLANG.md is not beside the repository
    "drug_ad": ({"thing": ["野菜", "アイス", "クサ", "バッズ", "大麻", "シャブ"],
                 "deal": ["手押し", "郵送", "即日", "都内", "秘密厳守", "テレグラム"]}),
    "crime_recruitment": ({"thing": ["受け子", "出し子", "闇バイト", "ホワイト案件"],
                           "deal": ["高額バイト", "即日即金", "日給", "リスクなし"]}),
}


def slang():
    """{category: {"thing": [...], "deal": [...], "benign": [...]}} from the
    bullets of SLANG.md ("- Label: term, term (note), ...")."""
    try:
        with open(SLANG_MD, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return FALLBACK_SLANG
    cats = {}
    cat = None
    bullets = []
    for line in text.splitlines():
        if line.startswith("## "):
            cat = line[3:].split(" ")[0]
            cats[cat] = {"thing": [], "deal": [], "benign": []}
        elif cat and line.startswith("- "):
            bullets.append([cat, line[2:]])
        elif cat and line.startswith("  ") and bullets:
            bullets[-1][1] += " " + line.strip()
    for cat, body in bullets:
        label, sep, rest = body.partition(": ")
        if not sep or JAPANESE.search(label):
            label, rest = "", body
        low = label.lower()
        kind = ("benign" if "benign" in low else
                "deal" if any(w in low for w in ("deal", "lure", "control", "money", "sale",
                                                  "offer")) else "thing")
        rest = re.sub(r"\([^)]*\)", "", rest)  # (notes)
        for term in re.split(r"[,、;]|\bor\b|/", rest):
            term = term.replace("+", " ").strip(" .:")
            term = re.sub(r"\s+", " ", term)
            if re.search(r"地域名|有名人|〇〇", term):  # placeholders, not terms
                continue
            if kind == "benign":  # English prose with Japanese examples
                for j in re.findall(r"[\u3040-\u30ff\u3400-\u9fffA-Za-z0-9ー〇]*"
                                    r"[\u3040-\u30ff\u3400-\u9fff][\u3040-\u30ff\u3400-\u9fff"
                                    r"A-Za-z0-9ー〇 ]*", term):
                    if j.strip():
                        cats[cat]["benign"].append(j.strip())
            elif 1 <= len(term) <= 24 and (JAPANESE.search(term) or term.isascii()) \
                    and not re.search(r"[a-z]{4,}", term.replace("Telegram", "")
                                      .replace("Signal", "").replace("Threema", "")
                                      .replace("Wickr", "").replace("Amazon", "")):
                cats[cat][kind].append(term)
    for c in list(cats):
        terms = cats[c]["thing"] + cats[c]["deal"]
        if not terms:
            del cats[c]
        elif not cats[c]["thing"] or not cats[c]["deal"]:
            # bullets all of one kind: the first half as things, the rest as
            # deals (a category's words tend to go from object to action)
            cats[c]["thing"] = terms[:len(terms) // 2] or terms
            cats[c]["deal"] = terms[len(terms) // 2:]
    return cats


# ------------------------------------------------------------ obfuscation

def _half_kana_map():
    """Full-width katakana -> half-width, the reverse of NFKC, including
    the voiced forms (ガ -> ｶﾞ)."""
    m = {}
    for cp in range(0xFF66, 0xFF9E):
        full = unicodedata.normalize("NFKC", chr(cp))
        m[full] = chr(cp)
    for full, half in list(m.items()):
        for mark, hmark in (("\u3099", "\uff9e"), ("\u309a", "\uff9f")):
            voiced = unicodedata.normalize("NFC", full + mark)
            if len(voiced) == 1 and voiced != full + mark:
                m[voiced] = half + hmark
    m["ー"] = "ｰ"
    m["・"] = "･"
    return m


HALF_KANA = _half_kana_map()
SEPARATORS = [" ", " ", ".", "・", "　", "_", "/", "-", "🍀", "⭐", "✨", "❤️", "\u200b"]


def to_katakana(s):
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in s)


def to_hiragana(s):
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in s)


def full_width(s):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def half_width(s):
    return "".join(HALF_KANA.get(c, c) for c in to_katakana(s))


def spaced(s, rng):
    sep = rng.choice(SEPARATORS)
    return sep.join(s)


def obfuscate(term, rng):
    r = rng.random()
    if r < 0.35:
        return term
    if r < 0.50:
        return half_width(term)
    if r < 0.60:
        return full_width(term)
    if r < 0.70:
        return to_hiragana(term) if rng.random() < 0.5 else to_katakana(term)
    if r < 0.92:
        return spaced(term, rng)
    return spaced(half_width(term), rng)


# ------------------------------------------------------------ generation

WORDS = {
    "place": ["駅前", "渋谷", "新宿", "梅田", "近所のスーパー", "会社", "公園", "実家", "大阪",
              "福岡", "札幌", "カフェ", "学校", "図書館", "コンビニ", "ショッピングモール", "病院",
              "市役所", "ジム", "映画館", "温泉", "空港", "駅ナカ", "商店街"],
    "food": ["ラーメン", "野菜炒め", "アイス", "カレー", "寿司", "かき氷", "パン", "サラダ",
             "唐揚げ", "うどん", "そば", "焼肉", "餃子", "オムライス", "たこ焼き", "パスタ",
             "ハンバーグ", "天ぷら", "おにぎり", "チョコ", "ケーキ", "牛丼", "味噌汁", "抹茶ラテ"],
    "feeling": ["最高だった", "疲れた", "楽しみ", "眠い", "嬉しい", "死にたいくらい眠い", "草",
                "草生える", "ｗｗｗ", "笑", "つらい", "幸せ", "泣いた", "尊い", "無理すぎる",
                "やばい", "エモい", "ほっこりした", "笑い死ぬかと思った", "もう無理〜", "神"],
    "weather": ["雨", "晴れ", "雪", "曇り", "台風", "猛暑", "梅雨", "花粉", "強風", "ゲリラ豪雨"],
    "thing": ["傘", "スマホ", "本", "靴", "バッグ", "紙", "イヤホン", "充電器", "財布",
              "ノートPC", "マグカップ", "パーカー", "時計", "加湿器", "扇風機", "自転車"],
    "event": ["運動会", "文化祭", "試験", "飲み会", "ライブ", "面接", "発表会", "卒業式",
              "入学式", "歓迎会", "忘年会", "部活の大会", "健康診断", "引っ越し", "結婚式"],
    "price": ["300", "1200", "4980", "150", "2万", "980", "1,500", "3万", "598", "12,800"],
    "game": ["スプラ", "ポケモン", "モンハン", "マイクラ", "原神", "ウマ娘", "スマブラ", "FF14",
             "APEX", "ドラクエ", "パズドラ", "ブルアカ"],
    "person": ["母", "父", "妹", "弟", "先輩", "後輩", "上司", "友達", "彼氏", "彼女", "同僚",
               "先生", "推し", "隣の人", "店員さん"],
    "time": ["今日", "昨日", "明日", "今朝", "さっき", "週末", "今週", "来週", "月曜", "金曜の夜"],
    "show": ["朝ドラ", "大河", "新作アニメ", "バラエティ", "深夜アニメ", "ドキュメンタリー",
             "映画", "配信", "ニュース番組"],
    "sport": ["野球", "サッカー", "バスケ", "テニス", "マラソン", "相撲", "卓球", "バレー"],
    "pet": ["猫", "犬", "うさぎ", "ハムスター", "インコ", "金魚"],
    "news": ["円安", "物価高", "選挙", "地震", "新幹線の遅延", "値上げ", "大雨警報", "株価",
             "新しい法律", "給付金", "交通事故", "新型ウイルス"],
    "emoji": ["", "", "", "😂", "🥺", "😭", "✨", "🙏", "💦", "👍", "🎉", "☔", "🍜", "😴",
              "🤔", "❤️", "🔥", "(^^)", "(´・ω・`)", "m(_ _)m", "ｗ"],
    "tag": ["", "", "", "", " #今日のごはん", " #拡散希望", " #駆け出しエンジニアと繋がりたい",
            " #朝活", " #猫のいる暮らし", " #推し活", " #雨", " #ポケモン", " #自炊",
            " #在宅勤務", " #受験生"],
}

EVERYDAY = [
    # food
    "{time}は{place}で{food}を食べた。{feeling}{emoji}",
    "{food}のレシピを教えてもらった。{feeling}{tag}",
    "{food}が美味しすぎて{feeling}{emoji}",
    "{place}の新しい{food}屋さん、{price}円でこのボリュームは{feeling}",
    "夜中の{food}は罪の味…{emoji}",
    "{person}が作った{food}、{feeling}{tag}",
    "ダイエット中なのに{food}食べちゃった{emoji}",
    "{food}と{food}で迷って結局両方頼んだ{emoji}",
    # weather
    "{weather}だから{thing}を持って出かける{emoji}",
    "{time}は{weather}らしい。洗濯物どうしよう",
    "{weather}で電車止まってて{feeling}",
    "{weather}の日は家で{game}するに限る{emoji}",
    # work
    "仕事が終わらない…{feeling}",
    "{time}の会議、資料まだできてない{emoji}",
    "{person}に褒められた！{feeling}{emoji}",
    "在宅勤務だと{pet}が膝に乗ってきて仕事にならない{tag}",
    "残業{price}時間は流石に{feeling}",
    "新しいプロジェクト始まった。{feeling}",
    "転職活動中、{time}は{event}{emoji}",
    # games
    "{game}のイベント、{feeling}{tag}",
    "{game}でやっと目標達成した！{emoji}",
    "{game}のガチャ爆死した{emoji} {price}円溶けた",
    "{person}と{game}やってたらもうこんな時間",
    "{game}の新作発表きた！！{feeling}",
    # school
    "子どもの{event}で{place}へ。{weather}で良かった",
    "{time}の{event}、{feeling}",
    "テスト勉強しなきゃなのに{game}やってる{emoji}{tag}",
    "{person}の授業わかりやすくて{feeling}",
    "部活の帰りに{food}食べた{emoji}",
    "レポートの締め切り{time}なの忘れてた{emoji}",
    # shopping
    "新しい{thing}を買った！{price}円{emoji}",
    "{place}の{thing}が{price}円だった、安い",
    "セールで{thing}と{thing}買いすぎた{emoji}",
    "ネットで頼んだ{thing}が{time}届く予定{tag}",
    "{thing}壊れた…買い替えるか{feeling}",
    "近所の農家さんの野菜直売所、トマト{price}円で安かった",
    "家庭菜園の野菜が育ってきた{emoji} #家庭菜園",
    "庭の草刈りしたら腰が{feeling}",
    "製氷機の氷がなくなってた。コンビニで氷買ってくる",
    "{time}は雪で一面真っ白{emoji}",
    # news
    "{news}のニュース見た。{feeling}",
    "{news}って本当に大丈夫なのかな",
    "{news}の影響で{food}も値上がりしてる{emoji}",
    "速報：{place}で{news}、気をつけて",
    "{news}について{person}と話した",
    "警察が闇バイトに注意って呼びかけてた。高額バイトの誘いには気をつけて",
    "「受け子」の募集がSNSで増えてるってニュース、怖い",
    "薬物乱用防止の授業で大麻の話を聞いた",
    "詐欺の手口：「元本保証」「必ず儲かる」はまず疑って、とのこと",
    # life
    "{pet}が可愛すぎる{emoji}{tag}",
    "{pet}の寝顔で一日の疲れが吹き飛ぶ",
    "{show}見て{feeling}{emoji}",
    "{show}の最終回、{feeling}",
    "{sport}の試合、{time}だよね？{emoji}",
    "{sport}日本代表{feeling}！",
    "{person}から連絡きた{emoji}",
    "{time}{place}で{person}に会った{emoji}",
    "眠れない。{feeling}",
    "明日早いのにまだ起きてる{emoji}",
    "{place}、人多すぎて{feeling}",
    "@{handle} それな{emoji}",
    "@{handle} ありがとうございます！{feeling}",
    "{show}の感想ブログ書きました https://example.com/{handle}/{num}",
    "RT: {news}に関するまとめ https://news.example.jp/articles/{num}",
]

SUSPICIOUS = [
    "{thing}あります {deal} {deal2}",
    "{area}{deal} {thing} {qty} {price}円 {contact}まで",
    "【{deal}】{thing} {deal2} {contact}",
    "{thing}{emoji}{deal}{emoji}{deal2} 詳細はプロフ",
    "{thing}、{deal}で{price}円。{contact}で連絡ください",
    "{deal} {thing} {thing2} 在庫あり {contact}",
    "#{thing} #{deal} {contact}",
    "{thing}探してる人 {deal}可 {contact}",
    "{deal}！{thing}！{deal2}！ 先着順",
    "{thing} {deal} DMください{emoji}",
]
AREAS = ["都内", "大阪", "名古屋", "福岡", "横浜", "渋谷", "新宿", "池袋", "全国"]
CONTACTS = ["テレグラム", "テレ", "Telegram", "シグナル", "DM", "LINE", "プロフのリンク",
            "@deal_{num}"]
QTY = ["1g", "0.5g", "0.2", "3g", "10本", "1枚", "2個"]


PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(template, rng, extra=None):
    """Each {word} drawn on its own, so "{thing}と{thing}" names two things."""
    def one(m):
        key = m.group(1)
        if extra and key in extra:
            return extra[key]
        if key == "handle":
            return "user%d" % rng.randint(1, 99999)
        if key == "num":
            return str(rng.randint(1000, 9999999))
        return rng.choice(WORDS[key])
    return PLACEHOLDER.sub(one, template)


def everyday(rng):
    return fill(rng.choice(EVERYDAY), rng)


def suspicious(rng, cats, names):
    cat = cats[rng.choice(names)]
    ob = lambda t: obfuscate(t, rng)  # noqa: E731
    extra = {
        "thing": ob(rng.choice(cat["thing"])),
        "thing2": ob(rng.choice(cat["thing"])),
        "deal": ob(rng.choice(cat["deal"])),
        "deal2": ob(rng.choice(cat["deal"])),
        "area": rng.choice(AREAS),
        "contact": ob(rng.choice(CONTACTS).replace("{num}", str(rng.randint(10, 9999)))),
        "qty": rng.choice(QTY),
        "price": rng.choice(["8000", "1万", "5万", "15000", "2.5万", "3000"]),
        "emoji": rng.choice(["", "🥦", "🍁", "🌿", "❄️", "💎", "💰", "📦", "🔥", "✨"]),
    }
    return fill(rng.choice(SUSPICIOUS), rng, extra)


def benign_lookalike(rng, cats, names):
    cat = cats[rng.choice(names)]
    if cat["benign"]:
        return rng.choice(cat["benign"]) + rng.choice(["の話", "って", "、", "のニュース", ""]) \
            + everyday(rng)
    return everyday(rng)


def post_length(rng):
    """Characters in a post: mostly short, a long tail to 400."""
    r = rng.random()
    if r < 0.55:
        return rng.randint(20, 80)
    if r < 0.88:
        return rng.randint(80, 200)
    return rng.randint(200, 400)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("size_mb", type=float)
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--suspicious", type=float, default=0.03,
                    help="fraction of posts written from the slang (default 0.03)")
    args = ap.parse_args()
    target = int(args.size_mb * 1024 * 1024)
    rng = random.Random(args.seed)

    real = man_lines()
    fixtures = fixture_strings()
    cats = slang()
    names = sorted(cats)
    # Pools of fragments, recombined per post below: generating every post
    # from scratch would be slower and no more varied.
    chatter = [everyday(rng) for _ in range(60000)]
    lookalikes = [benign_lookalike(rng, cats, names) for _ in range(5000)]
    bad = [suspicious(rng, cats, names) for _ in range(8000)]

    def fragment(kind):
        if kind == 0:
            return rng.choice(real) if real else rng.choice(chatter)
        return rng.choice(chatter)

    written = lines = bad_lines = 0
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        while written < target:
            batch = []
            for _ in range(500):
                want = post_length(rng)
                r = rng.random()
                if r < args.suspicious:
                    parts = [rng.choice(bad)]
                    if rng.random() < 0.3:
                        parts.insert(0, rng.choice(chatter))
                    bad_lines += 1
                elif r < args.suspicious + 0.01:
                    parts = [rng.choice(lookalikes)]
                elif r < args.suspicious + 0.012 and fixtures:
                    parts = [rng.choice(fixtures)]
                else:
                    # a post is mostly chatter or mostly quoted manual text
                    kind = 0 if rng.random() < 0.35 else 1
                    parts = [fragment(kind)]
                    n = len(parts[0])
                    while n < want:
                        p = fragment(kind if rng.random() < 0.8 else 1 - kind)
                        parts.append(p)
                        n += len(p) + 1
                text = " ".join(parts)
                if len(text) > 400:
                    text = text[:max(want, 20)]
                while len(text) < 20:
                    text += " " + rng.choice(chatter)
                batch.append(text)
            chunk = "\n".join(batch) + "\n"
            f.write(chunk)
            written += len(chunk.encode("utf-8"))
            lines += len(batch)
    os.replace(tmp, args.out)
    print("corpus: %s, %.1f MB, %d posts (%d from the slang); pools: %d manual-page "
          "sentences, %d fixture strings, %d slang categories" %
          (args.out, written / 1048576, lines, bad_lines, len(real), len(fixtures), len(cats)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
