/*
 * address.c — which IP addresses a patrol must not reach without
 * --allow-private (see jk_http_address_is_internal in http.h). The ranges
 * are the IANA special-purpose registries (RFC 6890 and successors) minus
 * the globally reachable entries; IPv6 forms that carry an IPv4 address
 * are judged by that address, so ::ffff:127.0.0.1 is no way around the
 * check.
 */
#include "net_internal.h"

#include <arpa/inet.h>
#include <string.h>

#include "http.h"

bool jk_net_ipv4_internal(uint32_t a)
{
    static const struct {
        uint32_t net, mask;
    } ranges[] = {
        {0x00000000u, 0xFF000000u}, /* 0/8 "this network" */
        {0x0A000000u, 0xFF000000u}, /* 10/8 private */
        {0x64400000u, 0xFFC00000u}, /* 100.64/10 carrier-grade NAT */
        {0x7F000000u, 0xFF000000u}, /* 127/8 loopback */
        {0xA9FE0000u, 0xFFFF0000u}, /* 169.254/16 link-local, cloud metadata */
        {0xAC100000u, 0xFFF00000u}, /* 172.16/12 private */
        {0xC0000000u, 0xFFFFFF00u}, /* 192.0.0/24 IETF protocol assignments */
        {0xC0000200u, 0xFFFFFF00u}, /* 192.0.2/24 TEST-NET-1 */
        {0xC0586300u, 0xFFFFFF00u}, /* 192.88.99/24 6to4 relay anycast */
        {0xC0A80000u, 0xFFFF0000u}, /* 192.168/16 private */
        {0xC6120000u, 0xFFFE0000u}, /* 198.18/15 benchmarking */
        {0xC6336400u, 0xFFFFFF00u}, /* 198.51.100/24 TEST-NET-2 */
        {0xCB007100u, 0xFFFFFF00u}, /* 203.0.113/24 TEST-NET-3 */
        {0xE0000000u, 0xF0000000u}, /* 224/4 multicast */
        {0xF0000000u, 0xF0000000u}, /* 240/4 reserved, broadcast */
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if ((a & ranges[i].mask) == ranges[i].net)
            return true;
    return false;
}

static uint32_t v4_at(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static bool zero(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

bool jk_net_ipv6_internal(const uint8_t b[16])
{
    /* ::/96 holds ::, ::1 and the deprecated IPv4-compatible form; their
     * embedded IPv4 (0.0.0.0, 0.0.0.1, ...) falls in 0/8 when internal. */
    if (zero(b, 12))
        return jk_net_ipv4_internal(v4_at(b + 12));
    if (zero(b, 10) && b[10] == 0xff && b[11] == 0xff) /* ::ffff:0:0/96 mapped */
        return jk_net_ipv4_internal(v4_at(b + 12));
    if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) {
        if (zero(b + 4, 8)) /* 64:ff9b::/96 NAT64 */
            return jk_net_ipv4_internal(v4_at(b + 12));
        if (b[4] == 0x00 && b[5] == 0x01) /* 64:ff9b:1::/48 local-use NAT64 */
            return true;
    }
    if (b[0] == 0x20 && b[1] == 0x02) /* 2002::/16 6to4 */
        return jk_net_ipv4_internal(v4_at(b + 2));
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) {
        /* 2001::/32 Teredo: the client's IPv4 is stored inverted. */
        uint32_t client = ~v4_at(b + 12);
        return jk_net_ipv4_internal(client) || jk_net_ipv4_internal(v4_at(b + 4));
    }
    if ((b[0] & 0xfe) == 0xfc) /* fc00::/7 unique local */
        return true;
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) /* fe80::/10 link-local */
        return true;
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) /* fec0::/10 site-local */
        return true;
    if (b[0] == 0xff) /* ff00::/8 multicast */
        return true;
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) /* 2001:db8::/32 */
        return true;
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x02 && b[4] == 0 && b[5] == 0)
        return true; /* 2001:2::/48 benchmarking */
    if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0) /* 3fff::/20 documentation */
        return true;
    if (b[0] == 0x01 && b[1] == 0x00 && zero(b + 2, 6)) /* 100::/64 discard-only */
        return true;
    return false;
}

bool jk_http_address_is_internal(const char *addr)
{
    if (!addr)
        return true;
    char text[64];
    size_t len = strlen(addr);
    if (len >= 2 && addr[0] == '[' && addr[len - 1] == ']') {
        addr++;
        len -= 2;
    }
    const char *zone = memchr(addr, '%', len);
    if (zone)
        len = (size_t)(zone - addr);
    if (len == 0 || len >= sizeof text)
        return true;
    memcpy(text, addr, len);
    text[len] = '\0';
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, text, &v4) == 1)
        return jk_net_ipv4_internal(ntohl(v4.s_addr));
    if (inet_pton(AF_INET6, text, &v6) == 1)
        return jk_net_ipv6_internal(v6.s6_addr);
    return true;
}
