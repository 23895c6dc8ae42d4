/*
 * normalize.h — fold obfuscated text into one comparable form.
 *
 * Posts hide words from keyword search (ｙａｓａｉ, ﾔｻｲ, ヤ サ イ, や.さ.い,
 * 野⭐菜, 工口). The normalizer folds such variants into one form and keeps,
 * for every byte of the normalized text, the range of original bytes that
 * produced it, so a match found in normalized text can be highlighted in
 * the original. Rule terms go through the same normalizer as post text.
 *
 * A jk_normalizer is built once (it precomputes per-code-point tables from
 * utf8proc), is immutable afterwards and may be shared by any number of
 * threads. A jk_normalized holds one result and its reusable buffers; use
 * one per thread.
 */
#ifndef JUNKAI_NORMALIZE_H
#define JUNKAI_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "junkai/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Folding steps; JK_NORM_ALL is what scanning uses. Subsets exist so each
 * step can be tested on its own (e.g. against ICU's transliterators). */
enum jk_norm_flags {
    JK_NORM_NFKC = 1u << 0,       /* compatibility forms: width, circled, … */
    JK_NORM_CASE = 1u << 1,       /* Unicode case folding */
    JK_NORM_KANA = 1u << 2,       /* katakana -> hiragana */
    JK_NORM_SEPARATORS = 1u << 3, /* drop spacers inserted between letters */
    JK_NORM_LOOKALIKE = 1u << 4,  /* 工口->えろ, Cyrillic а->a, 0/O, … */
    JK_NORM_ALL = 0x1fu
};

typedef struct jk_normalizer jk_normalizer;

/* Build a normalizer for the given flags. On success *out owns a new
 * normalizer to be released with jk_normalizer_free. */
int jk_normalizer_new(unsigned flags, jk_normalizer **out, jk_error *err);

/* Release a normalizer; accepts NULL. */
void jk_normalizer_free(jk_normalizer *norm);

/* The flags a normalizer was built with. */
unsigned jk_normalizer_flags(const jk_normalizer *norm);

/* One normalization result. Fields are read-only for callers:
 *   text, len     normalized UTF-8 (always valid UTF-8, NUL-terminated)
 *   orig_start[i] first original byte of the input character that produced
 *                 normalized byte i (0 <= i < len)
 *   orig_end[i]   one past its last original byte
 * Both maps are non-decreasing in i. Buffers are reused across calls and
 * stay valid until the next jk_normalize on the same jk_normalized or
 * jk_normalized_release. Zero-initialise (or jk_normalized_init) before
 * first use. */
typedef struct jk_normalized {
    char *text;
    size_t len;
    uint32_t *orig_start;
    uint32_t *orig_end;
    size_t input_len; /* length of the original text */
    /* private: buffer capacities */
    size_t text_cap;
    size_t map_cap;
} jk_normalized;

void jk_normalized_init(jk_normalized *res);
void jk_normalized_release(jk_normalized *res);

/* Normalize in[0..len). Invalid UTF-8 never fails: each bad byte becomes
 * U+FFFD mapped to that byte. Fails only with JK_ELIMIT (len above
 * JK_MAX_TEXT_BYTES) or JK_ENOMEM. Thread-safe for distinct `res`. */
int jk_normalize(const jk_normalizer *norm, const char *in, size_t len,
                 jk_normalized *res, jk_error *err);

/* Like jk_normalize, but fills only text and len; orig_start/orig_end are
 * left unspecified. Building the offset map costs as much as folding, and a
 * scanner needs it only for the few texts where something hit, so it
 * normalizes with this first and calls jk_normalize again when it must
 * report spans (both give the same text). */
int jk_normalize_text(const jk_normalizer *norm, const char *in, size_t len,
                      jk_normalized *res, jk_error *err);

/* Map the normalized byte range [nstart, nend) (nstart < nend <= len) to the
 * original byte range it came from: *ostart = orig_start[nstart],
 * *oend = orig_end[nend - 1]. */
void jk_normalized_to_original(const jk_normalized *res, size_t nstart,
                               size_t nend, size_t *ostart, size_t *oend);

#ifdef __cplusplus
}
#endif
#endif
