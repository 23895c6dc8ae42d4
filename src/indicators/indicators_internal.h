/*
 * indicators_internal.h — what the indicator extraction files share and
 * nothing outside src/indicators may use: the folded text with its
 * offset map, the emit helper, and each family's scanner.
 */
#ifndef JK_INDICATORS_INTERNAL_H
#define JK_INDICATORS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "extract.h"

/* The text as the scanners read it: full-width ASCII folded, defanged
 * forms refanged. map[i] is the original offset of folded byte i; map has
 * len + 1 entries and map[len] is the original length. */
typedef struct jk_folded {
    char *text;
    size_t len;
    size_t *map;
    size_t first_item; /* items before this index in the output list came from earlier calls */
} jk_folded;

int jk_fold(const char *text, size_t len, jk_folded *out);
void jk_folded_release(jk_folded *f);

/* Append an indicator whose span is [fstart, fend) in the folded text
 * (translated to original offsets). Duplicates (same type and span) are
 * dropped. JK_ELIMIT past JK_INDICATOR_MAX_COUNT. */
int jk_ind_emit(jk_indicator_list *out, const jk_folded *f, jk_indicator_type type, size_t fstart,
                size_t fend, const char *value, size_t value_len);

/* Is [start, end) in the folded text already covered by an indicator
 * (spans in original offsets)? Scanners that run after the word pass use
 * it so a phone number inside a URL is not reported twice. */
int jk_ind_overlaps(const jk_indicator_list *out, size_t first, const jk_folded *f, size_t fstart,
                    size_t fend);

/* Checks one alphanumeric token for a wallet address; on success returns
 * 1, sets *type and writes the canonical value into canon. */
int jk_wallet_check(const char *s, size_t n, jk_indicator_type *type, jk_buf *canon);
/* Keccak-256 as Ethereum and Monero use it (original padding 0x01, not
 * SHA-3's 0x06). */
void jk_keccak256(const uint8_t *data, size_t len, uint8_t out[32]);

/* Japanese phone numbers and bank account mentions in the folded text;
 * items already in out from index `first` on are not overlapped. */
int jk_phone_scan(const jk_folded *f, jk_indicator_list *out, size_t first);
int jk_bank_scan(const jk_folded *f, jk_indicator_list *out, size_t first);

/* Decode one UTF-8 character (0 on an invalid byte). */
size_t jk_ind_utf8(const char *s, size_t avail, int32_t *cp);

#endif
