/*
 * Strict parsers for property values, shared with the CLI and configs.
 *
 * "Strict" means: the whole string is consumed, no leading blanks or
 * '+', no silent wrap-around (strtoull happily turns "-1" into
 * 2^64-1), and base 0 (decimal, 0x hex, leading-0 octal).
 */
#include <errno.h>
#include <string.h>

#include "qom-internal.h"

/* Parse the digits of an unsigned number at @s; *end gets the rest. */
static QomParseResult parse_digits(const char *s, uint64_t *out,
                                   const char **end)
{
    char *e;
    uint64_t v;

    if (!g_ascii_isdigit(s[0])) {
        return QOM_PARSE_BAD;
    }
    errno = 0;
    v = g_ascii_strtoull(s, &e, 0);
    if (e == s) {
        return QOM_PARSE_BAD;
    }
    /* "0x" alone: strtoull reads the 0 and stops at the x. */
    if (*e == 'x' || *e == 'X') {
        return QOM_PARSE_BAD;
    }
    *end = e;
    if (errno == ERANGE) {
        return QOM_PARSE_RANGE;
    }
    *out = v;
    return QOM_PARSE_OK;
}

QomParseResult qom_parse_u64(const char *s, uint64_t *out)
{
    const char *end;
    uint64_t v = 0;
    QomParseResult r;

    if (!s) {
        return QOM_PARSE_BAD;
    }
    r = parse_digits(s, &v, &end);
    if (r == QOM_PARSE_BAD || *end) {
        return QOM_PARSE_BAD;
    }
    if (r == QOM_PARSE_OK) {
        *out = v;
    }
    return r;
}

QomParseResult qom_parse_i64(const char *s, int64_t *out)
{
    bool neg;
    uint64_t mag;
    QomParseResult r;

    if (!s) {
        return QOM_PARSE_BAD;
    }
    neg = s[0] == '-';
    r = qom_parse_u64(neg ? s + 1 : s, &mag);
    if (r != QOM_PARSE_OK) {
        return r;
    }
    if (neg ? mag > (uint64_t)INT64_MAX + 1 : mag > INT64_MAX) {
        return QOM_PARSE_RANGE;
    }
    /* -(INT64_MAX + 1) without overflowing a signed intermediate. */
    *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return QOM_PARSE_OK;
}

static int size_shift(char suffix)
{
    switch (g_ascii_toupper(suffix)) {
    case 'B':
        return 0;
    case 'K':
        return 10;
    case 'M':
        return 20;
    case 'G':
        return 30;
    case 'T':
        return 40;
    default:
        return -1;
    }
}

QomParseResult qom_parse_size(const char *s, uint64_t *out)
{
    const char *end;
    uint64_t v = 0;
    int shift = 0;
    QomParseResult r;

    if (!s) {
        return QOM_PARSE_BAD;
    }
    r = parse_digits(s, &v, &end);
    if (r == QOM_PARSE_BAD) {
        return r;
    }
    if (*end) {
        /* One suffix letter, and nothing after it. */
        shift = size_shift(*end);
        if (shift < 0 || end[1]) {
            return QOM_PARSE_BAD;
        }
    }
    if (r == QOM_PARSE_RANGE || v > (UINT64_MAX >> shift)) {
        return QOM_PARSE_RANGE;
    }
    *out = v << shift;
    return QOM_PARSE_OK;
}

bool qa_parse_uint64(const char *s, uint64_t *out)
{
    return qom_parse_u64(s, out) == QOM_PARSE_OK;
}

bool qa_parse_int64(const char *s, int64_t *out)
{
    return qom_parse_i64(s, out) == QOM_PARSE_OK;
}

bool qa_parse_size(const char *s, uint64_t *out)
{
    return qom_parse_size(s, out) == QOM_PARSE_OK;
}

bool qa_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"on", "true", "yes", "1"};
    static const char *const no[] = {"off", "false", "no", "0"};

    if (!s) {
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (strcmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}
