/*
 * extract.h — indicators (contact points, URLs, wallets, bank accounts)
 * found in free text, each with its span in the original bytes and a
 * canonical value (docs/indicators.md lists the types and forms).
 *
 * Owns: the public extraction API. The work is split by family:
 * fold.c (full-width folding and refanging with an offset map),
 * extract.c (URLs, hosts, e-mail, handles and messenger IDs), phone.c,
 * wallet.c (checksums: base58check, bech32/bech32m, EIP-55, Monero),
 * bank.c. No I/O, no global mutable state: every function is reentrant.
 */
#ifndef JK_EXTRACT_H
#define JK_EXTRACT_H

#include <stddef.h>

#include "buf.h"
#include "junkai/error.h"

typedef enum jk_indicator_type {
    JK_IND_URL,
    JK_IND_DOMAIN,
    JK_IND_IPV4,
    JK_IND_IPV6,
    JK_IND_EMAIL,
    JK_IND_PHONE,
    JK_IND_LINE_ID,
    JK_IND_TELEGRAM,
    JK_IND_SIGNAL,
    JK_IND_THREEMA,
    JK_IND_SESSION,
    JK_IND_WICKR,
    JK_IND_DISCORD_INVITE,
    JK_IND_X_HANDLE,
    JK_IND_INSTAGRAM_HANDLE,
    JK_IND_BTC,
    JK_IND_ETH,
    JK_IND_XMR,
    JK_IND_TRX,
    JK_IND_BANK_ACCOUNT,
    JK_IND_TYPE_COUNT
} jk_indicator_type;

typedef struct jk_indicator {
    jk_indicator_type type;
    size_t start, end; /* byte span [start, end) in the original text */
    char *value;       /* canonical value, owned by the list, NUL-terminated */
} jk_indicator;

typedef struct jk_indicator_list {
    jk_indicator *items; /* ordered by start, then end descending, then type */
    size_t count, cap;
} jk_indicator_list;

/* Longest text jk_indicators_extract accepts (the scanner's own limit). */
#define JK_INDICATOR_MAX_TEXT (4u * 1024u * 1024u)
/* At most this many indicators per text; more is JK_ELIMIT (a post with
 * ten thousand "URLs" is an attack on the store, not a lead). */
#define JK_INDICATOR_MAX_COUNT 10000u

void jk_indicator_list_init(jk_indicator_list *list);
/* Free every value and the array; the list is empty and reusable after. */
void jk_indicator_list_release(jk_indicator_list *list);

/* "url", "domain", … (the type names of the issue); NULL if out of range. */
const char *jk_indicator_type_name(jk_indicator_type type);
/* Reverse lookup; JK_ENOTFOUND for an unknown name. */
int jk_indicator_type_from_name(const char *name, jk_indicator_type *type);

/* Find every indicator in text[0..len) (UTF-8; invalid bytes are skipped)
 * and append them to out (which the caller initialised; previous items
 * are kept). Defanged forms (hxxp, [.], (.), [dot], [:], [@], full-width
 * characters) are read as their plain forms; spans always point into the
 * original text. A URL also yields its host (domain/ipv4/ipv6, span =
 * the host inside the URL) and, for t.me, line.me, discord.gg, x.com and
 * instagram.com links, the account or invite it names.
 * Errors: JK_ELIMIT past JK_INDICATOR_MAX_TEXT bytes or
 * JK_INDICATOR_MAX_COUNT indicators (out then holds the ones found). */
int jk_indicators_extract(const char *text, size_t len, jk_indicator_list *out, jk_error *err);

/* Write a defanged form of a canonical value, safe to paste where links
 * become clickable: "hxxps://example[.]com/x", "example[.]com",
 * "192[.]0[.]2[.]1", "2001[:]db8[:][:]1", "user[@]example[.]com".
 * Other types are copied unchanged. out is reset first. */
int jk_indicator_defang(jk_indicator_type type, const char *value, size_t len, jk_buf *out);

/* Refang text: the plain text the extractor reads (full-width ASCII
 * folded, hxxp → http, [.] (.) {.} [dot] (dot) → ".", [:] → ":",
 * [@] [at] (at) → "@", [/] → "/"). out is reset first. */
int jk_indicators_refang(const char *text, size_t len, jk_buf *out);

/* The registrable domain ("eTLD+1") of an ASCII or Unicode host per the
 * public suffix list built into libpsl: "www.example.co.jp" →
 * "example.co.jp". JK_ENOTFOUND when the host is itself a public suffix
 * or an IP address; JK_EPARSE when it is not a valid domain. */
int jk_registrable_domain(const char *host, size_t len, jk_buf *out, jk_error *err);

#endif
