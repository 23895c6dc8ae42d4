/*
 * limits.h — every hard limit of libjunkai in one place.
 *
 * Sizes that come from outside are checked against these before any
 * allocation; tests exercise each limit at N and N+1.
 */
#ifndef JUNKAI_LIMITS_H
#define JUNKAI_LIMITS_H

/* Largest single text (one post) the normalizer and scanner accept.
 * Offsets in the normalizer's map are 32-bit, so this must stay below 4 GiB;
 * 4 MiB is far above any real post (a whole bulletin-board thread page) and
 * bounds per-item working memory (about 16 bytes per character). */
#define JK_MAX_TEXT_BYTES (4u * 1024u * 1024u)

/* Largest rule-pack file read from disk. */
#define JK_MAX_PACK_BYTES (8u * 1024u * 1024u)

/* Rule pack shape limits: they keep a hostile pack from exhausting memory
 * or recursion depth in the condition parser. */
#define JK_MAX_RULES_PER_PACK 10000u
#define JK_MAX_TERMS_PER_GROUP 4096u
#define JK_MAX_GROUPS_PER_RULE 64u
#define JK_MAX_TERM_BYTES 1024u
#define JK_MAX_CONDITION_DEPTH 64u
#define JK_MAX_NEAR_DISTANCE 10000u

/* Longest input line (JSONL object or plain-text post) the CLI reads. */
#define JK_MAX_LINE_BYTES JK_MAX_TEXT_BYTES

#endif
