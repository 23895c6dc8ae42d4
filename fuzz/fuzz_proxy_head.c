/*
 * fuzz_proxy_head.c — the capture proxy's request-head parser and
 * rewriter (src/net/proxy.c). The heads come from the browser, but their
 * URLs from pages: a hostile page picks hosts, ports and paths.
 *
 * Invariants: a parsed head has a host (no whitespace, no '@'), a port
 * 1–65535 and a head length within the input; a plain HTTP head rewrites
 * into an origin-form request line that ends with "Connection: close"
 * and carries no Proxy-* header.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    jk_proxy_head h;
    jk_error err;
    int rc = jk_proxy_parse_head(text, size, &h, &err);
    if (rc == JK_OK) {
        if (!h.host[0] || h.port == 0 || h.port > 65535 || h.head_len > size || h.head_len == 0)
            abort();
        for (const char *c = h.host; *c; c++)
            if (isspace((unsigned char)*c) || *c == '@' || *c == '/')
                abort();
        if (!h.connect) {
            jk_buf out;
            jk_buf_init(&out, 0);
            if (jk_proxy_rewrite_head(text, &h, &out, &err) == JK_OK) {
                if (out.len < 20 || out.data[strlen(h.method) + 1] != '/')
                    abort();
                static const char end[] = "Connection: close\r\n\r\n";
                if (strcmp(out.data + out.len - (sizeof end - 1), end) != 0)
                    abort();
                for (const char *p = strstr(out.data, "\r\n"); p; p = strstr(p + 2, "\r\n"))
                    if (strncasecmp(p + 2, "Proxy-", 6) == 0)
                        abort();
            }
            jk_buf_release(&out);
        }
    } else if (rc != JK_EPARSE && rc != JK_ENOTFOUND && rc != JK_ELIMIT) {
        abort();
    }
    free(text);
    return 0;
}
