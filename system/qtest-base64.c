/*
 * Base64 for b64read/b64write at memory speed.
 *
 * GLib's g_base64 codec runs a per-character state machine (about
 * 0.5 GB/s here), which made base64 the bottleneck of bulk guest-memory
 * transfers.  These loops convert whole groups (3 bytes <-> 4 characters)
 * through lookup tables.  Input the fast decoder does not take (whitespace,
 * bad characters, odd lengths) goes to g_base64_decode_inplace(), which is
 * what QEMU uses, so the accepted language is unchanged.
 */
#include <string.h>

#include "system/qtest-internal.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * 6-bit value of each character (or -1); 12-bit value of each pair of
 * characters as they sit in memory (or -1); two characters of each
 * 12-bit value.
 */
static int8_t dec[256];
static int16_t dec_pair[65536];
static uint16_t enc_pair[4096];

static void init_tables(void)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        memset(dec, -1, sizeof(dec));
        for (int i = 0; i < 64; i++) {
            dec[(unsigned char)alphabet[i]] = i;
        }
        for (int i = 0; i < 65536; i++) {
            unsigned char two[2];
            uint16_t key = i;
            memcpy(two, &key, 2);
            dec_pair[i] = dec[two[0]] < 0 || dec[two[1]] < 0
                              ? -1
                              : dec[two[0]] << 6 | dec[two[1]];
        }
        for (int i = 0; i < 4096; i++) {
            /* first character in the low byte: memory order on LE hosts */
            unsigned char two[2] = {alphabet[i >> 6], alphabet[i & 63]};
            memcpy(&enc_pair[i], two, 2);
        }
        g_once_init_leave(&done, 1);
    }
}

size_t qtest_b64_encoded_len(size_t len)
{
    return (len + 2) / 3 * 4;
}

void qtest_b64_encode(const uint8_t *in, size_t len, char *out)
{
    size_t i = 0;

    init_tables();
    for (; i + 3 <= len; i += 3, out += 4) {
        uint32_t v = (uint32_t)in[i] << 16 | in[i + 1] << 8 | in[i + 2];
        memcpy(out, &enc_pair[v >> 12], 2);
        memcpy(out + 2, &enc_pair[v & 4095], 2);
    }
    if (len - i == 1) {
        out[0] = alphabet[in[i] >> 2];
        out[1] = alphabet[(in[i] & 3) << 4];
        out[2] = out[3] = '=';
    } else if (len - i == 2) {
        out[0] = alphabet[in[i] >> 2];
        out[1] = alphabet[(in[i] & 3) << 4 | in[i + 1] >> 4];
        out[2] = alphabet[(in[i + 1] & 15) << 2];
        out[3] = '=';
    }
}

/* The fast path: canonical base64 only.  Returns false to fall back. */
static bool decode_fast(const char *text, size_t len, uint8_t *o,
                        size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)text;
    uint8_t *start = o;
    size_t groups, pad;

    if (len == 0 || len % 4) {
        return false;
    }
    pad = (s[len - 1] == '=') + (s[len - 2] == '=');
    groups = len / 4 - (pad != 0);
    /*
     * Two pair lookups per group; errors are OR-ed together and checked
     * once.  Each group is stored as one 32-bit word whose 4th byte is
     * overwritten by the next group (the caller leaves slack).
     */
    int err = 0;
    for (size_t g = 0; g < groups; g++, s += 4, o += 3) {
        uint16_t k0, k1;
        int hi, lo;
        uint32_t w;

        memcpy(&k0, s, 2);
        memcpy(&k1, s + 2, 2);
        hi = dec_pair[k0];
        lo = dec_pair[k1];
        err |= hi | lo;
        w = GUINT32_TO_BE(((uint32_t)hi << 12 | (uint32_t)lo) << 8);
        memcpy(o, &w, 4);
    }
    if (err < 0) {
        return false;
    }
    if (pad) {
        int a = dec[s[0]], b = dec[s[1]], c = pad == 1 ? dec[s[2]] : 0;
        if ((a | b | c) < 0) {
            return false;
        }
        *o++ = a << 2 | b >> 4;
        if (pad == 1) {
            *o++ = b << 4 | c >> 2;
        }
    }
    *out_len = o - start;
    return true;
}

uint8_t *qtest_b64_decode(const char *text, size_t len, size_t *out_len)
{
    uint8_t *out = g_malloc(len / 4 * 3 + 3);
    gsize n;

    init_tables();
    if (decode_fast(text, len, out, out_len)) {
        return out;
    }
    g_free(out);
    out = g_base64_decode(text, &n);
    *out_len = n;
    return out;
}
