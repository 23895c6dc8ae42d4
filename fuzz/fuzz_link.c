/*
 * fuzz_link.c — what links (src/campaign/link.c) on arbitrary stored
 * values: the first line is the type name, the rest the value (a damaged
 * or hand-edited store can hold anything). The key of a value that links
 * must link again as itself where the key is the canonical value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *copy = jk_strndup((const char *)data, size); /* stops at a NUL, as SQLite text would */
    char *nl = strchr(copy, '\n');
    const char *type = nl ? copy : "domain";
    const char *value = nl ? nl + 1 : copy;
    if (nl)
        *nl = '\0';
    jk_buf key, again, home;
    jk_buf_init(&key, 0);
    jk_buf_init(&again, 0);
    jk_buf_init(&home, 0);
    jk_indicator_type t, t2;
    jk_link_status s = jk_link_key(type, value, &t, &key);
    if (!jk_link_status_name(s))
        abort();
    /* a linking key other than a domain's is the value itself */
    if (s == JK_LINK_YES && t != JK_IND_DOMAIN && strcmp(key.data, value) != 0)
        abort();
    if (s == JK_LINK_YES && t != JK_IND_DOMAIN &&
        (jk_link_key(type, key.data, &t2, &again) != JK_LINK_YES || t2 != t))
        abort();
    jk_link_home(value, &home);
    jk_buf_release(&key);
    jk_buf_release(&again);
    jk_buf_release(&home);
    free(copy);
    return 0;
}
