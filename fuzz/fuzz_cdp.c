/*
 * fuzz_cdp.c — the DevTools message reader (src/evidence/cdp.c), which
 * takes the browser's bytes: JSON built from page content (titles, URLs,
 * the DOM) that a hostile page shapes.
 *
 * Input: the byte stream, fed in pieces cut where the first byte says.
 * Invariants: every message handed out is an object that is a reply (id
 * > 0, result an object or an error) or an event (a method name); no
 * message exceeds the bound; the same stream fed whole gives the same
 * count of messages.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cdp.h"

#define MAX_MESSAGE 4096

static size_t drain(jk_cdp_reader *r, int *limit_hit)
{
    size_t n = 0;
    for (;;) {
        jk_cdp_message m;
        int rc = jk_cdp_reader_next(r, &m, NULL);
        if (rc == JK_ENOTFOUND)
            return n;
        if (rc == JK_ELIMIT) {
            *limit_hit = 1;
            return n;
        }
        if (rc == JK_EPARSE) {
            if (m.root)
                abort(); /* a refused message is never handed out */
            continue;
        }
        if (rc != JK_OK || !json_is_object(m.root))
            abort();
        if (m.id) {
            if (m.id <= 0 || m.method)
                abort();
            if (!m.is_error && m.result && !json_is_object(m.result))
                abort();
        } else if (!m.method) {
            abort();
        }
        n++;
        jk_cdp_message_release(&m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t step = (size_t)data[0] % 64 + 1;
    data++;
    size--;
    jk_cdp_reader a, b;
    jk_cdp_reader_init(&a, MAX_MESSAGE);
    jk_cdp_reader_init(&b, MAX_MESSAGE);
    size_t in_pieces = 0;
    int limit_a = 0, limit_b = 0;
    for (size_t off = 0; off < size && !limit_a; off += step) {
        size_t n = size - off < step ? size - off : step;
        if (jk_cdp_reader_feed(&a, data + off, n, NULL) == JK_ELIMIT) {
            limit_a = 1;
            break;
        }
        in_pieces += drain(&a, &limit_a);
    }
    size_t whole = 0;
    if (jk_cdp_reader_feed(&b, data, size, NULL) == JK_OK)
        whole = drain(&b, &limit_b);
    else
        limit_b = 1;
    if (!limit_a && !limit_b && whole != in_pieces)
        abort();
    jk_cdp_reader_release(&a);
    jk_cdp_reader_release(&b);
    return 0;
}
