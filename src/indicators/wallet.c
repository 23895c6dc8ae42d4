/*
 * wallet.c — cryptocurrency addresses, accepted only when their checksum
 * holds (a random 34-character word is not a Bitcoin address):
 *   Bitcoin base58check (P2PKH/P2SH, main and test networks) with double
 *   SHA-256; Bitcoin segwit bech32/bech32m (BIP 173, BIP 350);
 *   Ethereum 0x + 40 hex, EIP-55 checksum when mixed case;
 *   Monero block base58 with the Keccak-256 checksum (standard, integrated
 *   and subaddress network bytes);
 *   TRON base58check with version byte 0x41.
 * Owns Keccak-256 too (Ethereum and Monero need the original Keccak
 * padding, which libsodium does not offer).
 */
#include <sodium.h>
#include <string.h>

#include "indicators_internal.h"

/* ------------------------------------------------------------ Keccak */

static const uint64_t keccak_rc[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808AULL, 0x8000000080008000ULL,
    0x000000000000808BULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008AULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000AULL,
    0x000000008000808BULL, 0x800000000000008BULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800AULL, 0x800000008000000AULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};
static const unsigned keccak_rot[25] = {0,  1,  62, 28, 27, 36, 44, 6,  55, 20, 3,  10, 43,
                                        25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14};

static uint64_t rotl(uint64_t x, unsigned n) { return n ? (x << n) | (x >> (64 - n)) : x; }

static void keccak_f(uint64_t a[25])
{
    for (int round = 0; round < 24; round++) {
        uint64_t c[5], d[5], b[25];
        for (int x = 0; x < 5; x++)
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (int x = 0; x < 5; x++)
            d[x] = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
        for (int i = 0; i < 25; i++)
            a[i] ^= d[i % 5];
        /* rho and pi: lane (x, y) moves to (y, 2x + 3y) */
        for (int x = 0; x < 5; x++)
            for (int y = 0; y < 5; y++)
                b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], keccak_rot[x + 5 * y]);
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++)
                a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
        a[0] ^= keccak_rc[round];
    }
}

void jk_keccak256(const uint8_t *data, size_t len, uint8_t out[32])
{
    enum { RATE = 136 };
    uint64_t a[25] = {0};
    uint8_t block[RATE];
    for (;;) {
        size_t take = len < RATE ? len : RATE;
        memset(block, 0, sizeof block);
        if (take)
            memcpy(block, data, take);
        int last = take < RATE;
        if (last) {
            block[take] ^= 0x01;
            block[RATE - 1] ^= 0x80;
        }
        for (int i = 0; i < RATE / 8; i++) {
            uint64_t lane = 0;
            for (int k = 7; k >= 0; k--)
                lane = (lane << 8) | block[8 * i + k];
            a[i] ^= lane;
        }
        keccak_f(a);
        data += take;
        len -= take;
        if (last)
            break;
    }
    for (int i = 0; i < 32; i++)
        out[i] = (uint8_t)(a[i / 8] >> (8 * (i % 8)));
}

/* ------------------------------------------------------------ base58 */

static const char b58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static int b58_value(char c)
{
    const char *p = c ? strchr(b58_alphabet, c) : NULL;
    return p ? (int)(p - b58_alphabet) : -1;
}

/* Decode Bitcoin-style base58 (big number, leading '1' = zero byte) into
 * out[0..*out_len). Inputs here are at most 64 characters. */
static int b58_decode(const char *s, size_t n, uint8_t *out, size_t *out_len)
{
    uint8_t num[64] = {0}; /* big-endian, 64 bytes hold 87 base58 digits */
    size_t zeros = 0;
    if (n > 64)
        return -1;
    while (zeros < n && s[zeros] == '1')
        zeros++;
    for (size_t i = 0; i < n; i++) {
        int v = b58_value(s[i]);
        if (v < 0)
            return -1;
        unsigned carry = (unsigned)v;
        for (int k = 63; k >= 0; k--) {
            carry += 58u * num[k];
            num[k] = (uint8_t)carry;
            carry >>= 8;
        }
        if (carry)
            return -1;
    }
    size_t first = 0;
    while (first < 64 && num[first] == 0)
        first++;
    size_t len = zeros + (64 - first);
    if (len > *out_len)
        return -1;
    memset(out, 0, zeros);
    memcpy(out + zeros, num + first, 64 - first);
    *out_len = len;
    return 0;
}

/* base58check: payload (version + data) and a 4-byte double SHA-256. */
static int b58check(const char *s, size_t n, uint8_t *payload, size_t *payload_len)
{
    uint8_t raw[64], h1[32], h2[32];
    size_t len = sizeof raw;
    if (b58_decode(s, n, raw, &len) != 0 || len < 5)
        return -1;
    crypto_hash_sha256(h1, raw, len - 4);
    crypto_hash_sha256(h2, h1, sizeof h1);
    if (memcmp(h2, raw + len - 4, 4) != 0)
        return -1;
    memcpy(payload, raw, len - 4);
    *payload_len = len - 4;
    return 0;
}

/* ------------------------------------------------------------ bech32 */

static const char bech32_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t bech32_polymod_step(uint32_t pre)
{
    uint8_t b = (uint8_t)(pre >> 25);
    return ((pre & 0x1FFFFFF) << 5) ^ (-((b >> 0) & 1) & 0x3b6a57b2UL) ^
           (-((b >> 1) & 1) & 0x26508e6dUL) ^ (-((b >> 2) & 1) & 0x1ea119faUL) ^
           (-((b >> 3) & 1) & 0x3d4233ddUL) ^ (-((b >> 4) & 1) & 0x2a1462b3UL);
}

/* BIP 173/350 segwit address: returns 1 and the lower-case form. */
static int check_segwit(const char *s, size_t n, jk_buf *canon)
{
    if (n < 8 || n > 90)
        return 0;
    int has_lower = 0, has_upper = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= 'a' && s[i] <= 'z')
            has_lower = 1;
        if (s[i] >= 'A' && s[i] <= 'Z')
            has_upper = 1;
        if (s[i] < 33 || s[i] > 126)
            return 0;
    }
    if (has_lower && has_upper)
        return 0; /* BIP 173: mixed case is invalid */
    char low[91];
    for (size_t i = 0; i < n; i++)
        low[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    low[n] = '\0';
    const char *sep = strrchr(low, '1');
    if (!sep)
        return 0;
    size_t hrp_len = (size_t)(sep - low), data_len = n - hrp_len - 1;
    if (!((hrp_len == 2 && (!memcmp(low, "bc", 2) || !memcmp(low, "tb", 2))) ||
          (hrp_len == 4 && !memcmp(low, "bcrt", 4))))
        return 0;
    if (data_len < 6 + 1)
        return 0;
    uint8_t data[90];
    for (size_t i = 0; i < data_len; i++) {
        const char *p = strchr(bech32_charset, low[hrp_len + 1 + i]);
        if (!p || !low[hrp_len + 1 + i])
            return 0;
        data[i] = (uint8_t)(p - bech32_charset);
    }
    uint32_t chk = 1;
    for (size_t i = 0; i < hrp_len; i++)
        chk = bech32_polymod_step(chk) ^ ((uint8_t)low[i] >> 5);
    chk = bech32_polymod_step(chk);
    for (size_t i = 0; i < hrp_len; i++)
        chk = bech32_polymod_step(chk) ^ ((uint8_t)low[i] & 31);
    for (size_t i = 0; i < data_len; i++)
        chk = bech32_polymod_step(chk) ^ data[i];
    int bech32m;
    if (chk == 1)
        bech32m = 0;
    else if (chk == 0x2bc830a3UL)
        bech32m = 1;
    else
        return 0;
    unsigned version = data[0];
    if (version > 16)
        return 0;
    /* regroup 5-bit groups into bytes; padding must be < 5 bits and zero */
    uint8_t prog[64];
    size_t plen = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 1; i < data_len - 6; i++) {
        acc = (acc << 5) | data[i];
        bits += 5;
        while (bits >= 8) {
            bits -= 8;
            if (plen == sizeof prog)
                return 0;
            prog[plen++] = (uint8_t)(acc >> bits);
        }
    }
    if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
        return 0;
    if (plen < 2 || plen > 40)
        return 0;
    if (version == 0 && (plen != 20 && plen != 32))
        return 0;
    if ((version == 0) == bech32m)
        return 0; /* v0 uses bech32, v1+ bech32m (BIP 350) */
    jk_buf_reset(canon);
    return jk_buf_append(canon, low, n) == 0;
}

/* ------------------------------------------------------------ Ethereum */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int check_eth(const char *s, size_t n, jk_buf *canon)
{
    if (n != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return 0;
    int upper = 0, lowc = 0;
    char low[40];
    for (size_t i = 0; i < 40; i++) {
        char c = s[2 + i];
        if (hexval(c) < 0)
            return 0;
        if (c >= 'A' && c <= 'F')
            upper = 1;
        if (c >= 'a' && c <= 'f')
            lowc = 1;
        low[i] = (char)((c >= 'A' && c <= 'F') ? c + 32 : c);
    }
    if (upper && lowc) {
        /* EIP-55: letter i is upper-case iff nibble i of keccak(lower hex) >= 8 */
        uint8_t h[32];
        jk_keccak256((const uint8_t *)low, 40, h);
        for (size_t i = 0; i < 40; i++) {
            char c = s[2 + i];
            if (!((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                continue;
            unsigned nib = (i % 2 == 0) ? h[i / 2] >> 4 : h[i / 2] & 15;
            if ((nib >= 8) != (c >= 'A' && c <= 'F'))
                return 0;
        }
    }
    jk_buf_reset(canon);
    return jk_buf_puts(canon, "0x") == 0 && jk_buf_append(canon, low, 40) == 0;
}

/* ------------------------------------------------------------ Monero */

/* Monero's base58 works in 8-byte blocks of 11 characters; a short final
 * block of k characters holds block_bytes[k] bytes. */
static int xmr_decode(const char *s, size_t n, uint8_t *out, size_t *out_len)
{
    static const int block_bytes[12] = {0, -1, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8};
    size_t len = 0;
    for (size_t i = 0; i < n; i += 11) {
        size_t k = n - i < 11 ? n - i : 11;
        int bytes = block_bytes[k];
        if (bytes < 0)
            return -1;
        uint64_t v = 0;
        for (size_t j = 0; j < k; j++) {
            int d = b58_value(s[i + j]);
            if (d < 0 || v > (UINT64_MAX - (uint64_t)d) / 58)
                return -1; /* a block never exceeds 64 bits */
            v = v * 58 + (uint64_t)d;
        }
        if (bytes < 8 && (v >> (8 * bytes)) != 0)
            return -1;
        if (len + (size_t)bytes > *out_len)
            return -1;
        for (int b = bytes - 1; b >= 0; b--) {
            out[len + (size_t)b] = (uint8_t)v;
            v >>= 8;
        }
        len += (size_t)bytes;
    }
    *out_len = len;
    return 0;
}

static int check_xmr(const char *s, size_t n, jk_buf *canon)
{
    if (!((n == 95 && (s[0] == '4' || s[0] == '8')) || (n == 106 && s[0] == '4')))
        return 0;
    uint8_t raw[80], h[32];
    size_t len = sizeof raw;
    if (xmr_decode(s, n, raw, &len) != 0 || len < 5)
        return 0;
    /* network bytes 18 (standard), 19 (integrated), 42 (subaddress) */
    if (raw[0] != 18 && raw[0] != 19 && raw[0] != 42)
        return 0;
    if ((raw[0] == 19) != (n == 106))
        return 0;
    jk_keccak256(raw, len - 4, h);
    if (memcmp(h, raw + len - 4, 4) != 0)
        return 0;
    jk_buf_reset(canon);
    return jk_buf_append(canon, s, n) == 0;
}

/* ------------------------------------------------------------ dispatch */

int jk_wallet_check(const char *s, size_t n, jk_indicator_type *type, jk_buf *canon)
{
    if (n < 14)
        return 0; /* the shortest segwit address ("BC1SW50QGDZ25J") */
    if (n == 42 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        *type = JK_IND_ETH;
        return check_eth(s, n, canon);
    }
    if ((n >= 3 && (s[0] == 'b' || s[0] == 'B' || s[0] == 't' || s[0] == 'T') &&
         (s[2] == '1' || (n >= 5 && s[4] == '1')))) {
        if (check_segwit(s, n, canon)) {
            *type = JK_IND_BTC;
            return 1;
        }
    }
    if (n == 95 || n == 106) {
        *type = JK_IND_XMR;
        return check_xmr(s, n, canon);
    }
    if (n >= 26 && n <= 35) {
        uint8_t payload[64];
        size_t plen = 0;
        if (b58check(s, n, payload, &plen) != 0 || plen != 21)
            return 0;
        if (payload[0] == 0x41 && s[0] == 'T')
            *type = JK_IND_TRX;
        else if (payload[0] == 0x00 || payload[0] == 0x05 || payload[0] == 0x6f || payload[0] == 0xc4)
            *type = JK_IND_BTC; /* P2PKH/P2SH on mainnet, testnet and regtest */
        else
            return 0;
        jk_buf_reset(canon);
        return jk_buf_append(canon, s, n) == 0;
    }
    return 0;
}
