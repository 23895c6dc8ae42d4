/*
 * alloc.c — allocation wrappers that abort on out-of-memory (see alloc.h).
 * The only place in libjunkai that calls malloc/realloc directly.
 */
#include "alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t size)
{
    fprintf(stderr, "junkai: out of memory allocating %zu bytes\n", size);
    abort();
}

void *jk_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *jk_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *jk_realloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *jk_reallocarray(void *ptr, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        out_of_memory(SIZE_MAX);
    return jk_realloc(ptr, count * size);
}

char *jk_strndup(const char *s, size_t len)
{
    char *p = jk_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *jk_strdup(const char *s)
{
    return jk_strndup(s, strlen(s));
}

void jk_grow(void **items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return;
    size_t n = *cap ? *cap : 8;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            out_of_memory(SIZE_MAX);
        n *= 2;
    }
    *items = jk_reallocarray(*items, n, size);
    *cap = n;
}
