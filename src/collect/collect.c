/*
 * collect.c — the table of collectors, one per source kind. A new kind is
 * one line here and one collect_KIND.c.
 */
#include "collect.h"

#include <string.h>

static const jk_collector collectors[] = {
    {"jsonl", jk_collect_jsonl, "a local JSONL file of posts, read on from where the last patrol stopped", 1},
};

const jk_collector *jk_collectors(size_t *count)
{
    *count = sizeof collectors / sizeof collectors[0];
    return collectors;
}

const jk_collector *jk_collector_find(const char *kind)
{
    for (size_t i = 0; i < sizeof collectors / sizeof collectors[0]; i++)
        if (strcmp(collectors[i].kind, kind) == 0)
            return &collectors[i];
    return NULL;
}
