/*
 * bank.c — Japanese bank account mentions: "三井住友銀行 新宿支店 普通
 * 1234567", "ゆうちょ銀行 記号12345 番号12345678".
 *
 * Anchored on the institution word (銀行, 信用金庫, 信金, 信用組合,
 * 労働金庫, 農協, バンク). The bank name is the run of kanji, katakana,
 * Latin letters and hiragana (stopping at particles such as は or の)
 * just before it; after it, within a short window, come an optional
 * branch (…支店, …出張所, …営業部, 本店), an optional account type
 * (普通, 当座, 貯蓄, 総合) and the 7-digit account number (6 to 8 digits
 * accepted, as people drop or add a leading zero). A mention needs the
 * number and at least a branch or a type: "銀行 1234567" alone is too
 * thin to call an account. Canonical value: the parts joined by one space.
 */
#include <string.h>

#include "indicators_internal.h"

static int32_t char_at(const char *t, size_t n, size_t i, size_t *len)
{
    int32_t cp;
    size_t k = jk_ind_utf8(t + i, n - i, &cp);
    *len = k ? k : 1;
    return k ? cp : -1;
}

static int is_kanji(int32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || c == 0x3005 || c == 0x30F6;
}
static int is_katakana(int32_t c) { return (c >= 0x30A1 && c <= 0x30FC) || (c >= 0xFF66 && c <= 0xFF9F); }
static int is_hiragana(int32_t c) { return c >= 0x3041 && c <= 0x309F; }
static int is_ascii_alnum(int32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static int is_particle(int32_t c)
{
    static const int32_t p[] = {0x306F /* は */, 0x306E /* の */, 0x3067 /* で */, 0x306B /* に */,
                                0x3092 /* を */, 0x304C /* が */, 0x3078 /* へ */, 0x3068 /* と */,
                                0x3082 /* も */, 0x3084 /* や */, 0x304B /* か */};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        if (c == p[i])
            return 1;
    return 0;
}

static int starts(const char *t, size_t n, size_t i, const char *lit)
{
    size_t m = strlen(lit);
    return i + m <= n && !memcmp(t + i, lit, m);
}

/* Start of the UTF-8 character before position i. */
static size_t prev_char(const char *t, size_t i)
{
    size_t k = i - 1;
    while (k > 0 && ((unsigned char)t[k] & 0xC0) == 0x80)
        k--;
    return k;
}

static const char *const institutions[] = {"銀行", "信用金庫", "信用組合", "労働金庫", "信金", "農協", "バンク"};
static const char *const name_prefixes[] = {"振り込み先", "振込先", "送金先", "入金先", "振込", "口座"};

/* Separators allowed between the parts. */
static size_t skip_separators(const char *t, size_t n, size_t i)
{
    static const char *const seps[] = {" ", "/", ",", ":", "(", ")", "・", "、", "「", "」", "【", "】",
                                       "\t", "\n", "口座番号", "口座", "番号", "No.", "No", "#", "預金"};
    for (int again = 1; again;) {
        again = 0;
        for (size_t s = 0; s < sizeof seps / sizeof seps[0]; s++)
            if (starts(t, n, i, seps[s])) {
                i += strlen(seps[s]);
                again = 1;
                break;
            }
    }
    return i;
}

static size_t digits_at(const char *t, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && t[k] >= '0' && t[k] <= '9')
        k++;
    return k - i;
}

static int scan_one(const jk_folded *f, jk_indicator_list *out, size_t first, size_t kw, size_t kw_len,
                    size_t *resume)
{
    const char *t = f->text;
    size_t n = f->len;
    /* bank name: walk back over name characters, at most 16 */
    size_t name = kw;
    for (int count = 0; name > 0 && count < 16; count++) {
        size_t p = prev_char(t, name), l;
        int32_t c = char_at(t, n, p, &l);
        if (!(is_kanji(c) || is_katakana(c) || is_ascii_alnum(c) || (is_hiragana(c) && !is_particle(c))))
            break;
        name = p;
    }
    for (size_t k = 0; k < sizeof name_prefixes / sizeof name_prefixes[0]; k++)
        if (starts(t, n, name, name_prefixes[k]) && name + strlen(name_prefixes[k]) < kw) {
            name += strlen(name_prefixes[k]);
            break;
        }
    if (name == kw)
        return 0; /* "銀行" with no name */
    size_t p = skip_separators(t, n, kw + kw_len), limit = kw + kw_len + 90;
    size_t branch = 0, branch_end = 0;
    const char *type = NULL;
    size_t number = 0, number_len = 0, mark = 0, mark_len = 0;

    int yucho = 0;
    for (size_t k = name; k < kw; k++)
        if (starts(t, n, k, "ゆうちょ"))
            yucho = 1;
    if (yucho && starts(t, n, p, "記号")) {
        p = skip_separators(t, n, p + strlen("記号"));
        mark = p;
        mark_len = digits_at(t, n, p);
        if (mark_len != 5)
            return 0;
        p = skip_separators(t, n, p + mark_len);
        number = p;
        number_len = digits_at(t, n, p);
        if (number_len < 6 || number_len > 8)
            return 0;
    } else {
        /* branch: a run of name characters ending in a branch word */
        size_t q = p;
        while (q < n && q < limit) {
            static const char *const ends[] = {"支店", "出張所", "営業部", "本店"};
            size_t l, hit = 0;
            for (size_t e = 0; e < sizeof ends / sizeof ends[0]; e++)
                if (starts(t, n, q, ends[e]))
                    hit = strlen(ends[e]);
            if (hit) {
                branch = p;
                branch_end = q + hit;
                break;
            }
            int32_t c = char_at(t, n, q, &l);
            if (!(is_kanji(c) || is_katakana(c) || is_hiragana(c) || is_ascii_alnum(c)))
                break;
            q += l;
        }
        if (branch_end)
            p = skip_separators(t, n, branch_end);
        static const struct {
            const char *word, *canon;
        } types[] = {{"普通", "普通"}, {"当座", "当座"}, {"貯蓄", "貯蓄"}, {"総合", "総合"},
                     {"普", "普通"},   {"当", "当座"}};
        for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
            if (starts(t, n, p, types[k].word)) {
                type = types[k].canon;
                p = skip_separators(t, n, p + strlen(types[k].word));
                break;
            }
        number = p;
        number_len = digits_at(t, n, p);
        if (number_len < 6 || number_len > 8 || number + number_len > limit)
            return 0;
        if (!branch_end && !type)
            return 0;
    }
    size_t end = number + number_len;
    if (end < n && ((t[end] >= '0' && t[end] <= '9') || t[end] == '-'))
        return 0; /* part of a longer number or a phone number */
    if (jk_ind_overlaps(out, first, f, name, end))
        return 0;
    jk_buf v;
    jk_buf_init(&v, 0);
    int rc = jk_buf_append(&v, t + name, kw + kw_len - name);
    if (!rc && branch_end) {
        rc = jk_buf_putc(&v, ' ');
        rc = rc ? rc : jk_buf_append(&v, t + branch, branch_end - branch);
    }
    if (!rc && type) {
        rc = jk_buf_putc(&v, ' ');
        rc = rc ? rc : jk_buf_puts(&v, type);
    }
    if (!rc && mark_len) {
        rc = jk_buf_puts(&v, " 記号 ");
        rc = rc ? rc : jk_buf_append(&v, t + mark, mark_len);
        rc = rc ? rc : jk_buf_puts(&v, " 番号");
    }
    if (!rc) {
        rc = jk_buf_putc(&v, ' ');
        rc = rc ? rc : jk_buf_append(&v, t + number, number_len);
    }
    if (!rc)
        rc = jk_ind_emit(out, f, JK_IND_BANK_ACCOUNT, name, end, v.data, v.len);
    jk_buf_release(&v);
    *resume = end;
    return rc ? rc : 1;
}

int jk_bank_scan(const jk_folded *f, jk_indicator_list *out, size_t first)
{
    const char *t = f->text;
    size_t n = f->len;
    for (size_t i = 0; i + 6 <= n; i++) {
        if ((unsigned char)t[i] < 0xE3)
            continue; /* every institution word starts with a 3-byte character */
        for (size_t k = 0; k < sizeof institutions / sizeof institutions[0]; k++) {
            /* first character inline: this runs on every character of Japanese text */
            const char *w = institutions[k];
            if (t[i] != w[0] || t[i + 1] != w[1] || t[i + 2] != w[2] || !starts(t, n, i, w))
                continue;
            size_t resume = i;
            int rc = scan_one(f, out, first, i, strlen(institutions[k]), &resume);
            if (rc < 0)
                return rc;
            if (rc > 0)
                i = resume - 1;
            break;
        }
    }
    return JK_OK;
}
