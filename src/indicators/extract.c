/*
 * extract.c — the indicator extraction pass (see extract.h).
 *
 * One pass over the folded text (fold.c) splits it into ASCII "words"
 * (runs of URL characters; Japanese text, spaces and quotes end a word)
 * and classifies each: URL with a scheme, e-mail, @handle, messenger ID
 * after a context word ("LINE:", "テレグラム", "Signal"), IPv6, host with
 * an optional port and path (IPv4, domain, scheme-less URL), wallet
 * address. Phone numbers and bank accounts, which span spaces and
 * Japanese text, get their own scans afterwards (phone.c, bank.c) and
 * skip spans already taken. No regex engine: every test is a bounded
 * look at a few bytes, so the pass is linear in the text.
 *
 * Domains must end in a suffix the public suffix list names explicitly
 * (libpsl, without the implicit "*" rule), so "report.pdf" and "v1.2.3"
 * are not domains. A handful of suffixes that are far more often file
 * extensions (py, sh, md, ...) count only when the text gave some other
 * sign of a host: a scheme, a path, "www." or a defanged dot.
 */
#include "extract.h"

#include <libpsl.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "indicators_internal.h"
#include "url.h"

static const char *const type_names[JK_IND_TYPE_COUNT] = {
    "url",     "domain",  "ipv4",    "ipv6",          "email",    "phone",
    "line_id", "telegram", "signal", "threema",       "session",  "wickr",
    "discord_invite", "x_handle", "instagram_handle", "btc", "eth", "xmr", "trx", "bank_account"};

const char *jk_indicator_type_name(jk_indicator_type type)
{
    return (unsigned)type < JK_IND_TYPE_COUNT ? type_names[type] : NULL;
}

int jk_indicator_type_from_name(const char *name, jk_indicator_type *type)
{
    for (int i = 0; i < JK_IND_TYPE_COUNT; i++)
        if (!strcmp(name, type_names[i])) {
            *type = (jk_indicator_type)i;
            return JK_OK;
        }
    return JK_ENOTFOUND;
}

void jk_indicator_list_init(jk_indicator_list *list)
{
    list->items = NULL;
    list->count = list->cap = 0;
}

void jk_indicator_list_release(jk_indicator_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i].value);
    free(list->items);
    jk_indicator_list_init(list);
}

static size_t orig(const jk_folded *f, size_t folded) { return f->map[folded]; }

int jk_ind_emit(jk_indicator_list *out, const jk_folded *f, jk_indicator_type type, size_t fstart,
                size_t fend, const char *value, size_t value_len)
{
    size_t start = orig(f, fstart), end = orig(f, fend);
    for (size_t i = out->count; i > f->first_item; i--) {
        const jk_indicator *it = &out->items[i - 1];
        if (it->type == type && it->start == start && it->end == end)
            return JK_OK;
        if (out->count - i > 16)
            break; /* duplicates are always recent */
    }
    if (out->count >= JK_INDICATOR_MAX_COUNT)
        return JK_ELIMIT;
    if (out->count == out->cap)
        jk_grow((void **)&out->items, &out->cap, out->count + 1, sizeof *out->items);
    jk_indicator *it = &out->items[out->count++];
    it->type = type;
    it->start = start;
    it->end = end;
    it->value = jk_strndup(value, value_len);
    return JK_OK;
}

int jk_ind_overlaps(const jk_indicator_list *out, size_t first, const jk_folded *f, size_t fstart,
                    size_t fend)
{
    size_t start = orig(f, fstart), end = orig(f, fend);
    for (size_t i = first; i < out->count; i++)
        if (out->items[i].start < end && start < out->items[i].end)
            return 1;
    return 0;
}

/* ------------------------------------------------------------ helpers */

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_alnum(int c) { return is_digit(c) || is_alpha(c); }
static int is_hex(int c) { return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f'); }

static int ieq(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (n != m)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != (unsigned char)lit[i])
            return 0;
    return 1;
}

static int istarts(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n >= m && ieq(s, m, lit);
}

/* Characters that may be part of a word (RFC 3986 URL characters minus
 * the ones that end a URL in running text: quotes, angle brackets,
 * braces, '|', '\\', '^' and ','). */
static int is_word_char(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7F)
        return 0;
    return !strchr("\"<>`{}|\\^,'", c);
}

typedef struct ctx {
    const jk_folded *f;
    jk_indicator_list *out;
    jk_buf scratch, host, value;
    const psl_ctx_t *psl;
    int defanged; /* did the current word contain refanged bytes? */
} ctx;

static int emit(ctx *c, jk_indicator_type type, size_t s, size_t e, const char *v, size_t vlen)
{
    return jk_ind_emit(c->out, c->f, type, s, e, v, vlen);
}

/* Did folding change [s, e)? (the original span is longer than the
 * folded one, or differs: "[.]", "hxxp", full-width forms) */
static int was_rewritten(const ctx *c, size_t s, size_t e)
{
    return orig(c->f, e) - orig(c->f, s) != e - s;
}

/* ------------------------------------------------------------ hosts */

/* Suffixes that name a real TLD but far more often end a file name. */
static int file_like_suffix(const char *tld, size_t n)
{
    static const char *const list[] = {"py", "sh", "md", "rs", "so", "ps", "zip", "mov"};
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
        if (ieq(tld, n, list[i]))
            return 1;
    return 0;
}

/* Validate a domain written in s[0..n) (ASCII or Unicode); on success
 * c->host holds its canonical ASCII form (lower case, punycode, no
 * trailing dot). strong: the text gave other signs of a host. */
static int valid_domain(ctx *c, const char *s, size_t n, int strong)
{
    if (n && s[n - 1] == '.')
        n--;
    if (n < 3 || n > 253 || !memchr(s, '.', n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x80 && !is_alnum(ch) && ch != '-' && ch != '.' && ch != '_')
            return 0;
    }
    if (jk_url_domain_to_ascii(s, n, &c->host, NULL) != JK_OK)
        return 0;
    const char *h = c->host.data;
    size_t hl = c->host.len;
    /* every label 1..63 of [a-z0-9-_], not starting or ending with '-' */
    size_t label = 0;
    for (size_t i = 0; i <= hl; i++) {
        if (i == hl || h[i] == '.') {
            size_t l = i - label;
            if (l == 0 || l > 63 || h[label] == '-' || h[i - 1] == '-')
                return 0;
            label = i + 1;
        }
    }
    const char *tld = strrchr(h, '.') + 1;
    size_t tl = (size_t)(h + hl - tld);
    for (size_t i = 0; i < tl; i++)
        if (is_digit((unsigned char)tld[i]) && !istarts(tld, tl, "xn--"))
            return 0; /* numeric TLD: a version number or an IP address */
    if (!psl_is_public_suffix2(c->psl, tld, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE))
        return 0;
    if (psl_is_public_suffix2(c->psl, h, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE))
        return 0; /* "co.jp" alone names no one */
    if (!strong && file_like_suffix(tld, tl))
        return 0;
    return 1;
}

/* Strict dotted-quad IPv4 ("1.5" and "01.2.3.4" are not addresses in
 * running text, although the URL parser reads them as such). */
static int valid_ipv4(const char *s, size_t n)
{
    int parts = 0;
    size_t i = 0;
    while (i <= n) {
        size_t k = i;
        unsigned v = 0;
        while (k < n && is_digit((unsigned char)s[k]) && k - i < 3)
            v = v * 10 + (unsigned)(s[k++] - '0');
        if (k == i || v > 255 || (k - i > 1 && s[i] == '0'))
            return 0;
        parts++;
        if (k == n)
            break;
        if (s[k] != '.' || parts == 4)
            return 0;
        i = k + 1;
    }
    return parts == 4;
}

/* An IPv4 host in another form the URL parser accepts ("0x7f.1",
 * "3232235521", "0177.0.0.1") counts when it looks deliberate: hex, an
 * eight-digit-or-longer number, or three dots. "http://192,168,0,1" cut
 * at the comma leaves "192", which is not an address anyone wrote. */
static int ipv4_number_form(const char *s, size_t n)
{
    size_t dots = 0, digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.')
            dots++;
        if (is_digit((unsigned char)s[i]))
            digits++;
        if (i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
            return 1;
    }
    return dots >= 3 || (dots == 0 && digits >= 8);
}

static int valid_ipv6(ctx *c, const char *s, size_t n)
{
    size_t colons = 0;
    int hex = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ':')
            colons++;
        else if (is_hex((unsigned char)s[i]))
            hex = 1;
        else if (s[i] != '.')
            return 0;
    }
    if (colons < 2 || !hex)
        return 0;
    unsigned short a[8];
    if (jk_url_parse_ipv6(s, n, a) != JK_OK)
        return 0;
    jk_buf_reset(&c->host);
    return jk_url_serialize_ipv6(a, &c->host) == 0;
}

/* Emit the host of a URL (or scheme-less host) at [s, e): domain, IPv4 or
 * IPv6 by the canonical host string. */
static int emit_host(ctx *c, const char *canon, size_t s, size_t e)
{
    size_t l = strlen(canon);
    if (l >= 2 && canon[0] == '[')
        return emit(c, JK_IND_IPV6, s, e, canon + 1, l - 2);
    unsigned long a;
    if (valid_ipv4(canon, l) || jk_url_parse_ipv4(canon, l, &a) > 0)
        return emit(c, JK_IND_IPV4, s, e, canon, l);
    return emit(c, JK_IND_DOMAIN, s, e, canon, l);
}

/* ------------------------------------------------------------ context */

typedef struct keyword {
    const char *word;
    jk_indicator_type type;
} keyword;

/* Context words before an ID; ASCII ones match case-insensitively at a
 * word boundary, katakana ones not after more katakana (so ガイドライン
 * and オンライン are not LINE). Longest first where one ends another. */
static const keyword keywords[] = {
    {"line", JK_IND_LINE_ID},         {"ライン", JK_IND_LINE_ID},       {"らいん", JK_IND_LINE_ID},
    {"telegram", JK_IND_TELEGRAM},    {"テレグラム", JK_IND_TELEGRAM}, {"tg", JK_IND_TELEGRAM},
    {"signal", JK_IND_SIGNAL},        {"シグナル", JK_IND_SIGNAL},     {"threema", JK_IND_THREEMA},
    {"スリーマ", JK_IND_THREEMA},     {"session", JK_IND_SESSION},    {"wickr", JK_IND_WICKR},
    {"ウィッカー", JK_IND_WICKR},     {"instagram", JK_IND_INSTAGRAM_HANDLE},
    {"insta", JK_IND_INSTAGRAM_HANDLE}, {"ig", JK_IND_INSTAGRAM_HANDLE},
    {"インスタグラム", JK_IND_INSTAGRAM_HANDLE}, {"インスタ", JK_IND_INSTAGRAM_HANDLE},
    {"twitter", JK_IND_X_HANDLE},     {"ツイッター", JK_IND_X_HANDLE}, {"x", JK_IND_X_HANDLE},
    {"エックス", JK_IND_X_HANDLE},
};

static int is_katakana_at(const char *t, size_t n, size_t i)
{
    int32_t cp;
    return jk_ind_utf8(t + i, n - i, &cp) && cp >= 0x30A1 && cp <= 0x30FC;
}

/* Skip backwards over what sits between a context word and its ID:
 * spaces, ':', '=', '-', '>', arrows, brackets, "ID", は, の. */
static size_t skip_back_separators(const char *t, size_t i)
{
    static const char *const seps[] = {" ", ":", "=", "-", ">", "(", "[", "\t", "→", "⇒", "「", "【",
                                       "『", "は", "の", "id", "ＩＤ", "アカウント", "名"};
    for (int steps = 0; steps < 12; steps++) {
        int hit = 0;
        for (size_t s = 0; s < sizeof seps / sizeof seps[0] && !hit; s++) {
            size_t m = strlen(seps[s]);
            if (i >= m && ieq(t + i - m, m, seps[s])) {
                /* (fewer than four bytes before "id" cannot hold "line":
                 * look no further back than the text starts) */
                if (m == 2 && seps[s][0] == 'i' && i > m && is_alpha((unsigned char)t[i - m - 1]) &&
                    !(i >= m + 4 && ieq(t + i - m - 4, 4, "line")))
                    continue; /* "id" must be a word of its own, or follow LINE */
                i -= m;
                hit = 1;
            }
        }
        if (!hit)
            break;
    }
    return i;
}

/* The platform a context word before position i names, or -1. */
static int context_before(const char *t, size_t i)
{
    size_t p = skip_back_separators(t, i);
    size_t n = p;
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++) {
        size_t m = strlen(keywords[k].word);
        if (p < m || !ieq(t + p - m, m, keywords[k].word))
            continue;
        size_t before = p - m;
        if ((unsigned char)keywords[k].word[0] < 0x80) {
            if (before > 0 && (is_alnum((unsigned char)t[before - 1]) || t[before - 1] == '.'))
                continue;
            if (p == i && t[i] != '@')
                continue; /* "lineabc": no separator after an ASCII word ("LINE@abc" is fine) */
        } else if (before >= 3 && is_katakana_at(t, n, before - 3)) {
            continue;
        }
        return (int)keywords[k].type;
    }
    return -1;
}

/* Does s[0..n) fit the ID syntax of the platform? Writes the canonical
 * value into c->value. */
static int platform_id(ctx *c, int type, const char *s, size_t n)
{
    int at = n && s[0] == '@';
    const char *id = s + at;
    size_t l = n - (size_t)at;
    jk_buf_reset(&c->value);
    size_t i;
    switch (type) {
    case JK_IND_LINE_ID:
        if (l < 3 || l > 20)
            return 0;
        for (i = 0; i < l; i++)
            if (!is_alnum((unsigned char)id[i]) && !strchr("._-", id[i]))
                return 0;
        if (!is_alnum((unsigned char)id[0]) && id[0] != '_')
            return 0;
        if (at)
            jk_buf_putc(&c->value, '@');
        break;
    case JK_IND_TELEGRAM:
        if (l < 5 || l > 32 || !is_alpha((unsigned char)id[0]))
            return 0;
        for (i = 0; i < l; i++)
            if (!is_alnum((unsigned char)id[i]) && id[i] != '_')
                return 0;
        jk_buf_putc(&c->value, '@');
        break;
    case JK_IND_X_HANDLE:
        if (l < 1 || l > 15)
            return 0;
        for (i = 0; i < l; i++)
            if (!is_alnum((unsigned char)id[i]) && id[i] != '_')
                return 0;
        jk_buf_putc(&c->value, '@');
        break;
    case JK_IND_INSTAGRAM_HANDLE:
        if (l < 1 || l > 30 || id[0] == '.' || id[l - 1] == '.')
            return 0;
        for (i = 0; i < l; i++)
            if (!is_alnum((unsigned char)id[i]) && !strchr("._", id[i]))
                return 0;
        jk_buf_putc(&c->value, '@');
        break;
    case JK_IND_SIGNAL: {
        /* Signal usernames: nickname, '.', two or more digits */
        const char *dot = memchr(id, '.', l);
        if (!dot || l > 40 || dot == id || (size_t)(id + l - dot) < 3)
            return 0;
        for (i = 0; id + i < dot; i++)
            if (!is_alnum((unsigned char)id[i]) && id[i] != '_')
                return 0;
        for (i = (size_t)(dot - id) + 1; i < l; i++)
            if (!is_digit((unsigned char)id[i]))
                return 0;
        break;
    }
    case JK_IND_THREEMA:
        /* Threema IDs: eight characters of A-Z, 0-9 (or '*' first for gateways) */
        if (l != 8)
            return 0;
        for (i = 0; i < l; i++)
            if (!(is_digit((unsigned char)id[i]) || (id[i] >= 'A' && id[i] <= 'Z') ||
                  (id[i] >= 'a' && id[i] <= 'z') || (i == 0 && id[i] == '*')))
                return 0;
        for (i = 0; i < l; i++)
            jk_buf_putc(&c->value, (char)((id[i] >= 'a' && id[i] <= 'z') ? id[i] - 32 : id[i]));
        return 1;
    case JK_IND_SESSION:
        /* Session IDs: 66 hex digits, "05" then an X25519 public key */
        if (l != 66 || id[0] != '0' || id[1] != '5')
            return 0;
        for (i = 0; i < l; i++)
            if (!is_hex((unsigned char)id[i]))
                return 0;
        break;
    case JK_IND_WICKR:
        if (l < 3 || l > 32)
            return 0;
        for (i = 0; i < l; i++)
            if (!is_alnum((unsigned char)id[i]) && !strchr("._-", id[i]))
                return 0;
        break;
    default:
        return 0;
    }
    for (i = 0; i < l; i++)
        jk_buf_putc(&c->value, (char)lower((unsigned char)id[i]));
    return 1;
}

/* ------------------------------------------------------------ links */

/* Accounts and invites named by a URL: t.me/name, line.me/ti/p/~id,
 * discord.gg/code, x.com/name, instagram.com/name. */
static int emit_link_target(ctx *c, const jk_url *u, size_t s, size_t e)
{
    if (!u->host || u->opaque_path)
        return 0;
    const char *h = u->host;
    if (!strncmp(h, "www.", 4))
        h += 4;
    const char *p = u->path[0] == '/' ? u->path + 1 : u->path;
    size_t seg = strcspn(p, "/");
    const char *rest = p[seg] == '/' ? p + seg + 1 : "";
    size_t rest_seg = strcspn(rest, "/");
    if (!strcmp(h, "t.me") || !strcmp(h, "telegram.me") || !strcmp(h, "telegram.dog")) {
        if (seg > 1 && p[0] == '+') {
            jk_buf_reset(&c->value);
            jk_buf_puts(&c->value, "t.me/");
            jk_buf_append(&c->value, p, seg);
            return emit(c, JK_IND_TELEGRAM, s, e, c->value.data, c->value.len);
        }
        if (seg == 8 && !strncmp(p, "joinchat", 8) && rest_seg) {
            jk_buf_reset(&c->value);
            jk_buf_puts(&c->value, "t.me/+");
            jk_buf_append(&c->value, rest, rest_seg);
            return emit(c, JK_IND_TELEGRAM, s, e, c->value.data, c->value.len);
        }
        static const char *const reserved[] = {"s", "c", "addstickers", "share", "iv", "proxy", "socks",
                                               "login", "addlist", "boost", "setlanguage", "addemoji"};
        for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
            if (ieq(p, seg, reserved[i]))
                return 0;
        if (platform_id(c, JK_IND_TELEGRAM, p, seg))
            return emit(c, JK_IND_TELEGRAM, s, e, c->value.data, c->value.len);
        return 0;
    }
    if (!strcmp(h, "line.me") || !strcmp(h, "page.line.me")) {
        /* line.me/ti/p/~id (personal), line.me/R/ti/p/@id (official) */
        const char *q = p;
        if (!strncmp(q, "R/", 2))
            q += 2;
        if (!strncmp(q, "ti/p/", 5)) {
            q += 5;
            size_t l = strcspn(q, "/?#");
            if (l > 1 && (q[0] == '~' || q[0] == '@') &&
                platform_id(c, JK_IND_LINE_ID, q[0] == '~' ? q + 1 : q, q[0] == '~' ? l - 1 : l))
                return emit(c, JK_IND_LINE_ID, s, e, c->value.data, c->value.len);
            /* "%40id": the '@' percent-encoded */
            if (l > 3 && !strncmp(q, "%40", 3) && platform_id(c, JK_IND_LINE_ID, q + 3, l - 3)) {
                jk_buf_reset(&c->scratch);
                jk_buf_putc(&c->scratch, '@');
                jk_buf_append(&c->scratch, c->value.data, c->value.len);
                return emit(c, JK_IND_LINE_ID, s, e, c->scratch.data, c->scratch.len);
            }
        }
        return 0;
    }
    const char *code = NULL;
    size_t code_len = 0;
    if (!strcmp(h, "discord.gg") || !strcmp(h, "discord.me")) {
        code = p, code_len = seg;
    } else if ((!strcmp(h, "discord.com") || !strcmp(h, "discordapp.com")) && seg == 6 &&
               !strncmp(p, "invite", 6)) {
        code = rest, code_len = rest_seg;
    }
    if (code) {
        if (code_len < 2 || code_len > 32)
            return 0;
        for (size_t i = 0; i < code_len; i++)
            if (!is_alnum((unsigned char)code[i]) && code[i] != '-' && code[i] != '_')
                return 0;
        jk_buf_reset(&c->value);
        jk_buf_puts(&c->value, "discord.gg/");
        jk_buf_append(&c->value, code, code_len); /* invite codes are case-sensitive */
        return emit(c, JK_IND_DISCORD_INVITE, s, e, c->value.data, c->value.len);
    }
    if (!strcmp(h, "x.com") || !strcmp(h, "twitter.com") || !strcmp(h, "mobile.twitter.com") ||
        !strcmp(h, "mobile.x.com")) {
        static const char *const reserved[] = {"home", "i", "intent", "share", "search", "hashtag",
                                               "explore", "settings", "messages", "notifications",
                                               "login", "signup", "tos", "privacy", "compose", "about"};
        for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
            if (ieq(p, seg, reserved[i]))
                return 0;
        if (seg && platform_id(c, JK_IND_X_HANDLE, p, seg))
            return emit(c, JK_IND_X_HANDLE, s, e, c->value.data, c->value.len);
        return 0;
    }
    if (!strcmp(h, "instagram.com") || !strcmp(h, "instagr.am")) {
        static const char *const reserved[] = {"p", "reel", "reels", "explore", "stories", "accounts",
                                               "tv", "direct", "about", "developer", "legal"};
        for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
            if (ieq(p, seg, reserved[i]))
                return 0;
        if (seg && platform_id(c, JK_IND_INSTAGRAM_HANDLE, p, seg))
            return emit(c, JK_IND_INSTAGRAM_HANDLE, s, e, c->value.data, c->value.len);
    }
    return 0;
}

/* ------------------------------------------------------------ URLs */

static int known_scheme(const char *s, size_t n)
{
    static const char *const list[] = {"http", "https", "ftp", "ftps", "sftp", "ws", "wss", "tcp",
                                       "udp", "ssh", "smb", "rtsp", "irc", "ircs", "git"};
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
        if (ieq(s, n, list[i]))
            return 1;
    return 0;
}

/* Span of the host inside [s, e) of a URL whose authority starts at a. */
static void host_span(const char *t, size_t a, size_t e, size_t *hs, size_t *he)
{
    size_t end = a;
    while (end < e && t[end] != '/' && t[end] != '?' && t[end] != '#' && t[end] != '\\')
        end++;
    size_t h = a;
    for (size_t k = a; k < end; k++)
        if (t[k] == '@')
            h = k + 1;
    size_t k = h;
    if (k < end && t[k] == '[') {
        while (k < end && t[k] != ']')
            k++;
        if (k < end)
            k++;
    } else {
        while (k < end && t[k] != ':')
            k++;
    }
    *hs = h;
    *he = k;
}

/* Parse text[s, e) as a URL (prefix "http://" when scheme-less) and emit
 * it with its host and link target. Returns 1 when emitted, 0 when it is
 * not a usable URL, or an error. */
static int try_url(ctx *c, size_t s, size_t e, size_t authority, int add_scheme)
{
    const char *t = c->f->text;
    jk_buf_reset(&c->scratch);
    if (add_scheme)
        jk_buf_puts(&c->scratch, "http://");
    jk_buf_append(&c->scratch, t + s, e - s);
    jk_url *u = NULL;
    if (jk_url_parse(c->scratch.data, c->scratch.len, NULL, &u, NULL) != JK_OK)
        return 0;
    int ok = 0, rc = 0;
    size_t hs, he;
    host_span(t, authority, e, &hs, &he);
    if (hs < he && t[hs] == '[' && t[he - 1] == ']')
        hs++, he--; /* the IPv6 indicator spans the address, not its brackets */
    if (u->host && u->host[0] && hs < he) {
        const char *h = u->host;
        size_t hl = strlen(h);
        unsigned long a4;
        if (h[0] == '[')
            ok = 1;
        else if (jk_url_parse_ipv4(h, hl, &a4) > 0)
            ok = valid_ipv4(t + hs, he - hs) || (!add_scheme && ipv4_number_form(t + hs, he - hs));
        else
            ok = valid_domain(c, t + hs, he - hs, 1) || (!jk_url_scheme_is_special(u->scheme, strlen(u->scheme)) &&
                                                          valid_domain(c, h, hl, 1));
    }
    if (ok) {
        rc = emit(c, JK_IND_URL, s, e, u->href, strlen(u->href));
        if (!rc) {
            jk_buf_reset(&c->value);
            jk_buf_puts(&c->value, u->host);
            if (c->value.len > 1 && c->value.data[c->value.len - 1] == '.') {
                c->value.data[--c->value.len] = '\0'; /* the host indicator drops the root dot */
                if (he > hs && t[he - 1] == '.')
                    he--;
            }
            const char *canon = c->value.data;
            if (!jk_url_scheme_is_special(u->scheme, strlen(u->scheme)) && u->host[0] != '[' &&
                valid_domain(c, c->value.data, c->value.len, 1))
                canon = c->host.data; /* opaque host: lower-cased as a domain */
            char *host_copy = jk_strdup(canon);
            rc = emit_host(c, host_copy, hs, he);
            free(host_copy);
        }
        if (!rc)
            rc = emit_link_target(c, u, s, e);
    }
    jk_url_free(u);
    return rc < 0 ? rc : ok;
}

/* ------------------------------------------------------------ words */

static int classify(ctx *c, size_t s, size_t e, int depth);

/* A URL with a scheme: t[k..k+3) is "://". */
static int word_with_scheme(ctx *c, size_t s, size_t e, size_t k)
{
    const char *t = c->f->text;
    size_t a = k;
    while (a > s && (is_alnum((unsigned char)t[a - 1]) || t[a - 1] == '+' || t[a - 1] == '-' ||
                     t[a - 1] == '.'))
        a--;
    while (a < k && !is_alpha((unsigned char)t[a]))
        a++;
    if (a == k || !known_scheme(t + a, k - a))
        return classify(c, k + 3, e, 1);
    int rc = try_url(c, a, e, k + 3, 0);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    /* "https://例え.jp/": the host continues past the ASCII word */
    size_t he = e;
    const char *stop = " \t\r\n/?#\"'<>()[]{}";
    size_t n = c->f->len;
    while (he < n && !strchr(stop, t[he]) && t[he]) {
        int32_t cp;
        size_t l = jk_ind_utf8(t + he, n - he, &cp);
        if (l == 0 || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
            (cp >= 0x3040 && cp <= 0x309F && he == e))
            break; /* CJK punctuation, or a hiragana particle right after the ASCII */
        he += l;
    }
    if (he > e) {
        size_t pe = he;
        while (pe < n && is_word_char((unsigned char)t[pe]))
            pe++;
        rc = try_url(c, a, pe, k + 3, 0);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int word_email(ctx *c, size_t s, size_t e, size_t at)
{
    const char *t = c->f->text;
    size_t ls = at;
    while (ls > s && (is_alnum((unsigned char)t[ls - 1]) || strchr("._%+-", t[ls - 1])))
        ls--;
    while (ls < at && t[ls] == '.')
        ls++;
    size_t de = at + 1;
    while (de < e && (is_alnum((unsigned char)t[de]) || t[de] == '.' || t[de] == '-'))
        de++;
    while (de > at + 1 && (t[de - 1] == '.' || t[de - 1] == '-'))
        de--;
    if (ls == at || at - ls > 64 || t[at - 1] == '.')
        return 0;
    if (!valid_domain(c, t + at + 1, de - at - 1, 1))
        return 0;
    jk_buf_reset(&c->value);
    jk_buf_append(&c->value, t + ls, at - ls);
    jk_buf_putc(&c->value, '@');
    jk_buf_append(&c->value, c->host.data, c->host.len);
    int rc = emit(c, JK_IND_EMAIL, ls, de, c->value.data, c->value.len);
    return rc ? rc : 1;
}

static int word_handle(ctx *c, size_t s, size_t e, int glued)
{
    const char *t = c->f->text;
    if (!glued && s > 0 && (is_alnum((unsigned char)t[s - 1]) || strchr("._%+-", t[s - 1])))
        return 0;
    size_t k = s + 1;
    while (k < e && (is_alnum((unsigned char)t[k]) || strchr("._-", t[k])))
        k++;
    while (k > s + 1 && (t[k - 1] == '.' || t[k - 1] == '-'))
        k--;
    int type = context_before(t, s);
    if (type < 0)
        type = JK_IND_X_HANDLE; /* a bare @name in a Japanese post is most often X */
    if (!platform_id(c, type, t + s, k - s))
        return 0;
    int rc = emit(c, (jk_indicator_type)type, s, k, c->value.data, c->value.len);
    return rc ? rc : 1;
}

/* A host with an optional port and path, no scheme: "example.com",
 * "192.168.0.1:8080/x", "[2001:db8::1]:80/path". */
static int word_host(ctx *c, size_t s, size_t e)
{
    const char *t = c->f->text;
    size_t h = s, he;
    if (t[s] == '[') {
        he = s + 1;
        while (he < e && t[he] != ']')
            he++;
        if (he == e)
            return 0;
        if (!valid_ipv6(c, t + s + 1, he - s - 1))
            return 0;
        int rc = emit(c, JK_IND_IPV6, s + 1, he, c->host.data, c->host.len);
        he++;
        if (!rc && he < e && (t[he] == '/' || t[he] == ':'))
            rc = try_url(c, s, e, s, 1) < 0 ? -1 : 0;
        return rc ? rc : 1;
    }
    he = h;
    while (he < e && t[he] != '/' && t[he] != '?' && t[he] != '#' && t[he] != ':')
        he++;
    if (he < e && t[he] == ':' && valid_ipv6(c, t + s, e - s)) {
        int rc = emit(c, JK_IND_IPV6, s, e, c->host.data, c->host.len);
        return rc ? rc : 1;
    }
    int has_path = he < e && t[he] == '/';
    if (he < e && t[he] == ':') {
        size_t p = he + 1;
        while (p < e && is_digit((unsigned char)t[p]))
            p++;
        if (p == he + 1 || (p < e && t[p] != '/'))
            return 0;
        has_path = p < e;
    }
    jk_indicator_type type;
    if (valid_ipv4(t + h, he - h)) {
        type = JK_IND_IPV4;
        jk_buf_reset(&c->host);
        jk_buf_append(&c->host, t + h, he - h);
    } else {
        int strong = has_path || istarts(t + h, he - h, "www.") || was_rewritten(c, h, he);
        if (!valid_domain(c, t + h, he - h, strong))
            return 0;
        type = JK_IND_DOMAIN;
    }
    if (has_path) {
        int rc = try_url(c, s, e, s, 1);
        if (rc != 0)
            return rc < 0 ? rc : 1;
    }
    size_t end = he;
    if (type == JK_IND_DOMAIN && t[end - 1] == '.')
        end--;
    int rc = emit(c, type, h, end, c->host.data, c->host.len);
    return rc ? rc : 1;
}

/* Start of the Unicode label(s) before the '.' at i: back over
 * non-ASCII characters to a space, ASCII or CJK punctuation. In Japanese
 * text without spaces this may take in words before the domain (a known
 * limit, see docs/indicators.md); the domain check still applies. */
static size_t unicode_label_start(const char *t, size_t i)
{
    size_t s = i;
    for (int count = 0; s > 0 && count < 63; count++) {
        size_t k = s - 1;
        while (k > 0 && ((unsigned char)t[k] & 0xC0) == 0x80)
            k--;
        int32_t cp;
        if (jk_ind_utf8(t + k, s - k, &cp) == 0 || cp < 0x80 || (cp >= 0x3000 && cp <= 0x303F) ||
            (cp >= 0xFF00 && cp <= 0xFFEF) || (cp >= 0x2000 && cp <= 0x206F))
            break;
        s = k;
    }
    return s;
}

static int classify(ctx *c, size_t s, size_t e, int depth)
{
    const char *t = c->f->text;
    /* trim what running text puts around indicators */
    while (s < e && strchr("([.:;!?*-", t[s]) &&
           !(t[s] == '[' && s + 1 < e && (is_hex((unsigned char)t[s + 1]) || t[s + 1] == ':')) &&
           !(t[s] == ':' && s + 1 < e && t[s + 1] == ':'))
        s++; /* "[2001:db8::1]" and "::1" keep their first character */
    for (;;) {
        if (e <= s)
            return 0;
        char last = t[e - 1];
        if (strchr(".:;!?*-", last)) {
            e--;
            continue;
        }
        if (last == ')' || last == ']') {
            char open = last == ')' ? '(' : '[';
            int balance = 0;
            for (size_t k = s; k < e; k++)
                balance += t[k] == open ? 1 : t[k] == last ? -1 : 0;
            if (balance < 0) {
                e--;
                continue;
            }
        }
        break;
    }
    if (depth > 2 || e <= s)
        return 0;
    const char *w = t + s;
    size_t n = e - s;

    /* scheme URL */
    for (size_t k = s; k + 3 <= e; k++)
        if (t[k] == ':' && t[k + 1] == '/' && t[k + 2] == '/')
            return word_with_scheme(c, s, e, k);
    if (istarts(w, n, "mailto:"))
        return classify(c, s + 7, e, depth + 1);

    /* context ID: "LINE: abc", "テレグラム @abc", "tg:abc" */
    int ctx_type = context_before(t, s);
    if (ctx_type >= 0 && platform_id(c, ctx_type, w, n)) {
        if (!(ctx_type == JK_IND_LINE_ID && memchr(w, '.', n) && valid_domain(c, w, n, 0)))
            return emit(c, (jk_indicator_type)ctx_type, s, e, c->value.data, c->value.len);
    }
    /* "LINE:abc", "ID=abc": a keyword glued to its ID by ':' or '=' */
    for (size_t k = s; k < e; k++) {
        if (t[k] != ':' && t[k] != '=')
            continue;
        int letters = k > s;
        for (size_t q = s; q < k; q++)
            if (!is_alpha((unsigned char)t[q]))
                letters = 0;
        if (letters && k + 1 < e && !(ieq(w, k - s, "http") || ieq(w, k - s, "https")))
            return classify(c, k + 1, e, depth + 1);
        break;
    }
    const char *at = memchr(w, '@', n);
    if (at == w)
        return word_handle(c, s, e, 0);
    if (at) {
        int rc = word_email(c, s, e, (size_t)(at - t));
        if (rc)
            return rc < 0 ? rc : 0;
        /* "LINE@shop99": a context word glued to an @ID */
        size_t a = (size_t)(at - t);
        if (context_before(t, a) >= 0)
            return word_handle(c, a, e, 1);
    }
    if (t[s] == '[' || t[s] == ':' || is_alnum((unsigned char)t[s]) || (unsigned char)t[s] >= 0x80) {
        int rc = word_host(c, s, e);
        if (rc)
            return rc < 0 ? rc : 0;
    }
    jk_indicator_type wt;
    if (n >= 14 && n <= 106 && jk_wallet_check(w, n, &wt, &c->value))
        return emit(c, wt, s, e, c->value.data, c->value.len);
    return 0;
}

int jk_indicators_extract(const char *text, size_t len, jk_indicator_list *out, jk_error *err)
{
    if (len > JK_INDICATOR_MAX_TEXT)
        return jk_error_set(err, JK_ELIMIT, "text of %zu bytes exceeds the %u-byte indicator limit", len,
                            JK_INDICATOR_MAX_TEXT);
    ctx c;
    memset(&c, 0, sizeof c);
    jk_folded f;
    int rc = jk_fold(text, len, &f);
    if (rc)
        return jk_error_set(err, rc, "folding text for indicators: %s", jk_strerror(rc));
    f.first_item = out->count;
    c.f = &f;
    c.out = out;
    c.psl = psl_builtin();
    jk_buf_init(&c.scratch, 0);
    jk_buf_init(&c.host, 0);
    jk_buf_init(&c.value, 0);
    size_t first = out->count;
    if (!c.psl) {
        rc = jk_error_set(err, JK_EIO, "libpsl has no built-in public suffix list");
        goto done;
    }
    for (size_t i = 0; i < f.len && !rc;) {
        if (!is_word_char((unsigned char)f.text[i])) {
            i++;
            continue;
        }
        size_t e = i;
        while (e < f.len && is_word_char((unsigned char)f.text[e]))
            e++;
        size_t s = i;
        if (f.text[i] == '.' && i > 0 && (unsigned char)f.text[i - 1] >= 0x80)
            s = unicode_label_start(f.text, i); /* "例え.jp": a Unicode domain */
        rc = classify(&c, s, e, 0);
        if (rc > 0)
            rc = 0; /* "emitted" */
        i = e;
    }
    if (!rc)
        rc = jk_phone_scan(&f, out, first);
    if (!rc)
        rc = jk_bank_scan(&f, out, first);
    if (rc == JK_ELIMIT)
        jk_error_set(err, rc, "more than %u indicators in one text", JK_INDICATOR_MAX_COUNT);
    else if (rc)
        jk_error_set(err, rc, "extracting indicators: %s", jk_strerror(rc));
done:
    if (out->count > first) {
        /* order by start, longer first, then type: stable output */
        jk_indicator *items = out->items + first;
        size_t m = out->count - first;
        for (size_t i = 1; i < m; i++) {
            jk_indicator x = items[i];
            size_t j = i;
            while (j > 0 && (items[j - 1].start > x.start ||
                             (items[j - 1].start == x.start &&
                              (items[j - 1].end < x.end ||
                               (items[j - 1].end == x.end && items[j - 1].type > x.type))))) {
                items[j] = items[j - 1];
                j--;
            }
            items[j] = x;
        }
    }
    jk_buf_release(&c.scratch);
    jk_buf_release(&c.host);
    jk_buf_release(&c.value);
    jk_folded_release(&f);
    return rc;
}

/* ------------------------------------------------------------ defang */

static int defang_host(const char *s, size_t n, jk_buf *out)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = s[i] == '.' ? jk_buf_puts(out, "[.]") : jk_buf_putc(out, s[i]);
    return rc;
}

int jk_indicator_defang(jk_indicator_type type, const char *value, size_t len, jk_buf *out)
{
    jk_buf_reset(out);
    int rc = 0;
    switch (type) {
    case JK_IND_DOMAIN:
    case JK_IND_IPV4:
        return defang_host(value, len, out);
    case JK_IND_IPV6:
        for (size_t i = 0; i < len && !rc; i++)
            rc = value[i] == ':' ? jk_buf_puts(out, "[:]") : jk_buf_putc(out, value[i]);
        return rc;
    case JK_IND_EMAIL: {
        const char *at = memchr(value, '@', len);
        if (!at)
            return jk_buf_append(out, value, len);
        rc = jk_buf_append(out, value, (size_t)(at - value));
        rc = rc ? rc : jk_buf_puts(out, "[@]");
        return rc ? rc : defang_host(at + 1, len - (size_t)(at - value) - 1, out);
    }
    case JK_IND_URL: {
        const char *sep = NULL;
        for (size_t i = 0; i + 3 <= len; i++)
            if (!memcmp(value + i, "://", 3)) {
                sep = value + i;
                break;
            }
        if (!sep)
            return jk_buf_append(out, value, len);
        size_t sl = (size_t)(sep - value);
        if (sl >= 4 && !strncmp(value, "http", 4)) {
            rc = jk_buf_puts(out, "hxxp");
            rc = rc ? rc : jk_buf_append(out, value + 4, sl - 4);
        } else if (sl == 3 && !strncmp(value, "ftp", 3)) {
            rc = jk_buf_puts(out, "fxp");
        } else {
            rc = jk_buf_append(out, value, sl);
        }
        rc = rc ? rc : jk_buf_puts(out, "://");
        /* the authority's dots are defanged; the path stays readable */
        const char *a = sep + 3, *end = value + len;
        const char *ae = a;
        while (ae < end && *ae != '/' && *ae != '?' && *ae != '#')
            ae++;
        rc = rc ? rc : defang_host(a, (size_t)(ae - a), out);
        return rc ? rc : jk_buf_append(out, ae, (size_t)(end - ae));
    }
    default:
        return jk_buf_append(out, value, len);
    }
}

int jk_registrable_domain(const char *host, size_t len, jk_buf *out, jk_error *err)
{
    jk_buf ascii;
    jk_buf_init(&ascii, 0);
    int rc = jk_url_domain_to_ascii(host, len, &ascii, err);
    if (rc)
        goto done;
    if (ascii.len && ascii.data[ascii.len - 1] == '.')
        ascii.data[--ascii.len] = '\0';
    unsigned long a;
    unsigned short a6[8];
    if (jk_url_parse_ipv4(ascii.data, ascii.len, &a) != 0 ||
        (len > 2 && host[0] == '[') || jk_url_parse_ipv6(ascii.data, ascii.len, a6) == JK_OK) {
        rc = jk_error_set(err, JK_ENOTFOUND, "\"%.*s\" is an IP address", (int)(len > 200 ? 200 : len), host);
        goto done;
    }
    const psl_ctx_t *psl = psl_builtin();
    const char *reg = psl ? psl_registrable_domain(psl, ascii.data) : NULL;
    if (!reg) {
        rc = jk_error_set(err, JK_ENOTFOUND, "\"%.*s\" has no registrable domain",
                          (int)(len > 200 ? 200 : len), host);
        goto done;
    }
    jk_buf_reset(out);
    rc = jk_buf_puts(out, reg);
done:
    jk_buf_release(&ascii);
    return rc;
}
