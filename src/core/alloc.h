/*
 * alloc.h — the one allocation path of libjunkai.
 *
 * Out-of-memory is not recoverable in any useful way for a scanner, so these
 * wrappers abort with a message instead of returning NULL (Redis's zmalloc,
 * git's xmalloc). Sizes are overflow-checked. Internal to libjunkai and the
 * programs built on it; not part of the public headers.
 */
#ifndef JK_ALLOC_H
#define JK_ALLOC_H

#include <stddef.h>

void *jk_malloc(size_t size);
void *jk_calloc(size_t count, size_t size);
void *jk_realloc(void *ptr, size_t size);
/* realloc to count*size with overflow check */
void *jk_reallocarray(void *ptr, size_t count, size_t size);
char *jk_strdup(const char *s);
char *jk_strndup(const char *s, size_t len);

/* Grow *items (element size `size`) so that it holds at least `need`
 * elements, doubling; *cap is updated. */
void jk_grow(void **items, size_t *cap, size_t need, size_t size);

#endif
