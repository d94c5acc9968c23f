/*
 * Standalone driver for the fuzz targets, used when they are not linked
 * against libFuzzer (the default build and CI).
 *
 *   fuzz-TARGET [-runs=N] [-seed=N] [-max_len=N] [-dict=FILE]
 *               [-timeout=S] [-artifact_prefix=P] [FILE|DIR ...]
 *
 * It replays the empty input and every file of the corpus (the DIR/FILE
 * arguments, or tests/fuzz/corpus/TARGET), then runs N mutations of
 * corpus entries drawn from a seeded PRNG, so a run is bounded and
 * reproducible: the same seed and N give the same inputs.  There is no
 * coverage feedback; the mutator is blind but stacks byte, range,
 * dictionary and splice mutations as AFL's havoc stage does.
 *
 * On a crash (a signal, a sanitizer report, a fuzz_check() failure, or an
 * input running longer than -timeout) the input is written to
 * P + "crash-TARGET-HASH" and the process dies with the original cause,
 * so `meson test` reports the failure; re-run the binary with that file
 * as its only argument (and -runs=0) to reproduce.
 *
 * Defaults: -runs from $QA_FUZZ_RUNS or the target's built-in count,
 * -seed from $QA_FUZZ_SEED or 1, -dict the target's dictionary.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "fuzz.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) ||                                        \
    __has_feature(undefined_behavior_sanitizer)
#define HAVE_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define HAVE_SANITIZER 1
#endif
#ifdef HAVE_SANITIZER
#include <sanitizer/common_interface_defs.h>
#endif

#ifndef FUZZ_TARGET
#error "FUZZ_TARGET must name the target"
#endif
#ifndef FUZZ_DEFAULT_RUNS
#define FUZZ_DEFAULT_RUNS 2000
#endif
#ifndef FUZZ_TEXT
#define FUZZ_TEXT 0
#endif

#define POOL_MAX 512

/* ---- what is running, for the crash report --------------------------- */

static struct {
    const uint8_t *data;
    size_t len;
    char what[256];
    char prefix[1024];
    volatile sig_atomic_t dumping;
} cur;

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001b3ull;
    }
    return h;
}

/* Async-signal-safe: only write(2), open(2) and arithmetic. */
static void say(const char *s)
{
    ssize_t r = write(2, s, strlen(s));

    (void)r;
}

static void dump_input(const char *kind)
{
    char path[1200], hex[17];
    uint64_t h;
    size_t plen;
    int fd;

    if (cur.dumping || !cur.data) {
        return;
    }
    cur.dumping = 1;
    h = fnv1a(cur.data, cur.len);
    for (int i = 15; i >= 0; i--) {
        hex[i] = "0123456789abcdef"[h & 15];
        h >>= 4;
    }
    hex[16] = '\0';
    plen = strlen(cur.prefix);
    memcpy(path, cur.prefix, plen);
    path[plen] = '\0';
    strcat(path, kind);
    strcat(path, "-" FUZZ_TARGET "-");
    strcat(path, hex);
    say("\n==fuzz== " FUZZ_TARGET ": ");
    say(kind);
    say(" while running ");
    say(cur.what);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        size_t off = 0;
        while (off < cur.len) {
            ssize_t w = write(fd, cur.data + off, cur.len - off);
            if (w <= 0) {
                break;
            }
            off += w;
        }
        close(fd);
        say("\n==fuzz== input saved to ");
        say(path);
        say("\n==fuzz== reproduce: fuzz-" FUZZ_TARGET " -runs=0 ");
        say(path);
        say("\n");
    } else {
        say("\n==fuzz== could not save the input to ");
        say(path);
        say("\n");
    }
}

#ifdef HAVE_SANITIZER
static void on_sanitizer_death(void)
{
    dump_input("crash");
}
#endif

static void on_fatal_signal(int sig)
{
    dump_input(sig == SIGALRM ? "timeout" : "crash");
    /* Die of the original cause (SIGALRM: as an abort). */
    signal(sig == SIGALRM ? SIGABRT : sig, SIG_DFL);
    raise(sig == SIGALRM ? SIGABRT : sig);
}

static void install_handlers(void)
{
    static const int sigs[] = {SIGSEGV, SIGBUS,  SIGILL,
                               SIGFPE,  SIGABRT, SIGALRM};
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++) {
        sigaction(sigs[i], &sa, NULL);
    }
#ifdef HAVE_SANITIZER
    __sanitizer_set_death_callback(on_sanitizer_death);
#endif
}

/* ---- PRNG: splitmix64, so a seed names a run on every host ---------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static size_t below(size_t n)
{
    return (size_t)(rnd() % n);
}

/*
 * Text targets (FUZZ_TEXT) get mostly printable random bytes: without
 * coverage feedback, uniformly random bytes make nearly every input
 * invalid UTF-8 and the parser rejects it at the door.  One in sixteen
 * is still any byte.
 */
static uint8_t rnd_byte(void)
{
    uint64_t r = rnd();

    if (FUZZ_TEXT && r & 15) {
        r >>= 4;
        return r % 16 == 0 ? '\n' : 0x20 + (r >> 4) % 95;
    }
    return r >> 8;
}

/* ---- dictionary (libFuzzer/AFL format: name="value", \xNN escapes) ---- */

static GPtrArray *dict; /* GBytes * */

static GBytes *dict_parse_value(const char *s)
{
    GByteArray *out = g_byte_array_new();
    const char *p = strchr(s, '"');
    const char *end = strrchr(s, '"');

    if (!p || end == p) {
        g_byte_array_unref(out);
        return NULL;
    }
    for (p++; p < end; p++) {
        guint8 c = (guint8)*p;
        if (c == '\\' && p + 1 < end) {
            p++;
            if (*p == 'x' && p + 2 < end && g_ascii_isxdigit(p[1]) &&
                g_ascii_isxdigit(p[2])) {
                c = g_ascii_xdigit_value(p[1]) << 4 |
                    g_ascii_xdigit_value(p[2]);
                p += 2;
            } else {
                c = (guint8)*p;
            }
        }
        g_byte_array_append(out, &c, 1);
    }
    return g_byte_array_free_to_bytes(out);
}

static void dict_load(const char *path)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return;
    }
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        const char *l = g_strstrip(lines[i]);
        GBytes *b;

        if (!l[0] || l[0] == '#') {
            continue;
        }
        b = dict_parse_value(l);
        if (b && g_bytes_get_size(b)) {
            g_ptr_array_add(dict, b);
        } else if (b) {
            g_bytes_unref(b);
        }
    }
}

/* ---- mutations ------------------------------------------------------- */

static const uint64_t interesting[] = {
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0x8000,
    0xffff,
    0x10000,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    0x100000000ull,
    0x7fffffffffffffffull,
    0x8000000000000000ull,
    UINT64_MAX,
    16,
    17,
    64,
};

/* Characters the text parsers split on or reject (text ones first). */
static const char specials[] = "\n\r\t =,\"'[]{}:.-#\\/"
                               "\0\x7f\xff\xc3\xe2";
#define TEXT_SPECIALS 18

static void insert(GByteArray *a, size_t pos, const uint8_t *p, size_t n,
                   size_t max_len)
{
    if (a->len >= max_len || n == 0) {
        return;
    }
    n = MIN(n, max_len - a->len);
    g_byte_array_set_size(a, a->len + n);
    memmove(a->data + pos + n, a->data + pos, a->len - n - pos);
    memcpy(a->data + pos, p, n);
}

/* Mutations that make binary out of text: skipped in text-only mode. */
static bool is_binary_mutation(size_t m)
{
    return m == 4 || m == 5 || m == 6 || m == 8;
}

static void mutate_once(GByteArray *a, GPtrArray *pool, size_t max_len,
                        bool text_only)
{
    size_t pos = below(a->len + 1), n, m;
    uint8_t buf[32];

    do {
        m = below(a->len ? 16 : 6);
    } while (text_only && is_binary_mutation(m));
    switch (m) {
    case 0: /* a dictionary word */
        if (dict->len) {
            GBytes *w = g_ptr_array_index(dict, below(dict->len));
            insert(a, pos, g_bytes_get_data(w, NULL), g_bytes_get_size(w),
                   max_len);
            break;
        }
        G_GNUC_FALLTHROUGH;
    case 1: /* random bytes */
        n = 1 + below(8);
        for (size_t i = 0; i < n; i++) {
            buf[i] = rnd_byte();
        }
        insert(a, pos, buf, n, max_len);
        break;
    case 2: /* a separator or troublemaker */
        buf[0] =
            specials[below(text_only ? TEXT_SPECIALS : sizeof(specials) - 1)];
        insert(a, pos, buf, 1, max_len);
        break;
    case 3: { /* a number in text */
        uint64_t v = rnd() & 1 ? interesting[below(G_N_ELEMENTS(interesting))]
                               : rnd() >> below(64);
        int len = g_snprintf(
            (char *)buf, sizeof(buf),
            rnd() & 1 ? "%" G_GUINT64_FORMAT : "0x%" G_GINT64_MODIFIER "x", v);
        insert(a, pos, buf, len, max_len);
        break;
    }
    case 4: /* an interesting binary value */
    case 5: {
        uint64_t v = interesting[below(G_N_ELEMENTS(interesting))];
        n = (size_t)1 << below(4);
        for (size_t i = 0; i < n; i++) {
            buf[i] = v >> (8 * i);
        }
        if (a->len >= n && rnd() & 1) {
            memcpy(a->data + below(a->len - n + 1), buf, n);
        } else {
            insert(a, pos, buf, n, max_len);
        }
        break;
    }
    case 6: /* flip a bit */
        a->data[below(a->len)] ^= 1u << below(8);
        break;
    case 7: /* a random byte */
        a->data[below(a->len)] = rnd_byte();
        break;
    case 8: /* nudge a byte */
        a->data[below(a->len)] += (int)below(33) - 16;
        break;
    case 9: /* delete a range */
    case 10:
        pos = below(a->len);
        n = (size_t)1 << below(8); /* MIN() would draw twice */
        n = 1 + below(MIN(a->len - pos, n));
        g_byte_array_remove_range(a, pos, n);
        break;
    case 11: { /* copy a range elsewhere */
        size_t from = below(a->len);
        g_autofree uint8_t *copy = NULL;
        n = 1 + below(MIN(a->len - from, (size_t)64));
        copy = g_memdup2(a->data + from, n);
        insert(a, pos, copy, n, max_len);
        break;
    }
    case 12: /* splice with another pool entry */
        if (pool->len) {
            GBytes *o = g_ptr_array_index(pool, below(pool->len));
            size_t olen = g_bytes_get_size(o), from = below(olen + 1);
            g_byte_array_set_size(a, below(a->len + 1));
            insert(a, a->len, (const uint8_t *)g_bytes_get_data(o, NULL) + from,
                   olen - from, max_len);
        }
        break;
    case 13: /* overwrite with a dictionary word */
        if (dict->len) {
            GBytes *w = g_ptr_array_index(dict, below(dict->len));
            size_t wl = MIN(g_bytes_get_size(w), a->len);
            memcpy(a->data + below(a->len - wl + 1), g_bytes_get_data(w, NULL),
                   wl);
        }
        break;
    case 14: { /* repeat a chunk: long words, lines and nestings */
        size_t from = below(a->len), times = 2 + below(64);
        g_autofree uint8_t *copy = NULL;
        n = 1 + below(MIN(a->len - from, (size_t)16));
        copy = g_memdup2(a->data + from, n);
        for (size_t i = 0; i < times; i++) {
            insert(a, from, copy, n, max_len);
        }
        break;
    }
    default: /* truncate */
        g_byte_array_set_size(a, below(a->len + 1));
        break;
    }
}

/* ---- running inputs -------------------------------------------------- */

static unsigned timeout_s = 20;

static void run_one(const uint8_t *data, size_t len)
{
    /* A private copy: out-of-bounds reads hit the redzone, not the pool. */
    g_autofree uint8_t *copy = g_memdup2(data, len ? len : 1);

    cur.data = copy;
    cur.len = len;
    alarm(timeout_s);
    LLVMFuzzerTestOneInput(copy, len);
    alarm(0);
    cur.data = NULL;
}

static gint cmp_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_path(GPtrArray *pool, const char *path, bool *any)
{
    g_autoptr(GError) err = NULL;
    char *data;
    gsize len;

    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        const char *n;

        while (d && (n = g_dir_read_name(d))) {
            g_ptr_array_add(names, g_build_filename(path, n, NULL));
        }
        /* Sorted: the pool order (hence the run) must not depend on the
         * file system. */
        g_ptr_array_sort(names, cmp_names);
        for (guint i = 0; i < names->len; i++) {
            const char *p = g_ptr_array_index(names, i);
            if (g_file_test(p, G_FILE_TEST_IS_REGULAR)) {
                load_path(pool, p, any);
            }
        }
        return;
    }
    if (!g_file_get_contents(path, &data, &len, &err)) {
        g_printerr("fuzz-%s: %s\n", FUZZ_TARGET, err->message);
        exit(2);
    }
    g_snprintf(cur.what, sizeof(cur.what), "corpus file %s", path);
    run_one((const uint8_t *)data, len);
    g_ptr_array_add(pool, g_bytes_new_take(data, len));
    *any = true;
}

static bool parse_num(const char *arg, const char *name, uint64_t *out)
{
    size_t n = strlen(name);

    if (strncmp(arg, name, n) != 0 || arg[n] != '=') {
        return false;
    }
    if (!g_ascii_string_to_unsigned(arg + n + 1, 10, 0, G_MAXUINT64, out,
                                    NULL)) {
        g_printerr("fuzz-%s: %s: not a number\n", FUZZ_TARGET, arg);
        exit(2);
    }
    return true;
}

static uint64_t env_num(const char *name, uint64_t def)
{
    const char *v = g_getenv(name);
    guint64 n;

    if (v && g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT64, &n, NULL)) {
        return n;
    }
    return def;
}

int main(int argc, char **argv)
{
    uint64_t runs = env_num("QA_FUZZ_RUNS", FUZZ_DEFAULT_RUNS);
    uint64_t seed = env_num("QA_FUZZ_SEED", 1), max_len = 4096, v;
    const char *dict_path = FUZZ_DICT;
    const char *prefix = g_getenv("QA_FUZZ_ARTIFACT_PREFIX");
    g_autoptr(GPtrArray) pool =
        g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    g_autoptr(GPtrArray) paths = g_ptr_array_new();
    gint64 start = g_get_monotonic_time();
    bool any = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (parse_num(a, "-runs", &runs) || parse_num(a, "-seed", &seed) ||
            parse_num(a, "-max_len", &max_len)) {
            continue;
        } else if (parse_num(a, "-timeout", &v)) {
            timeout_s = (unsigned)MIN(v, (uint64_t)G_MAXUINT);
        } else if (g_str_has_prefix(a, "-dict=")) {
            dict_path = a + strlen("-dict=");
        } else if (g_str_has_prefix(a, "-artifact_prefix=")) {
            prefix = a + strlen("-artifact_prefix=");
        } else if (a[0] == '-') {
            g_printerr("usage: fuzz-%s [-runs=N] [-seed=N] [-max_len=N] "
                       "[-dict=FILE] [-timeout=S] [-artifact_prefix=P] "
                       "[FILE|DIR ...]\n",
                       FUZZ_TARGET);
            return 2;
        } else {
            g_ptr_array_add(paths, (gpointer)a);
        }
    }
    g_strlcpy(cur.prefix, prefix ? prefix : "", sizeof(cur.prefix));
    max_len = MAX(max_len, 1);
    install_handlers();
    dict = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    dict_load(dict_path);

    g_snprintf(cur.what, sizeof(cur.what), "the empty input");
    run_one((const uint8_t *)"", 0);
    if (!paths->len) {
        g_ptr_array_add(paths, (gpointer)FUZZ_CORPUS_DIR);
    }
    for (guint i = 0; i < paths->len; i++) {
        load_path(pool, g_ptr_array_index(paths, i), &any);
    }
    guint corpus_files = pool->len;

    rng_state = seed;
    for (uint64_t r = 0; r < runs; r++) {
        g_autoptr(GByteArray) a = g_byte_array_new();
        guint stack = 1u << below(4);
        /* Text targets: 7 inputs in 8 stay text (see rnd_byte()). */
        bool text_only = FUZZ_TEXT && below(8);

        if (pool->len && below(16)) {
            GBytes *b = g_ptr_array_index(pool, below(pool->len));
            g_byte_array_append(a, g_bytes_get_data(b, NULL),
                                MIN(g_bytes_get_size(b), max_len));
        }
        for (guint i = 0; i < stack; i++) {
            mutate_once(a, pool, max_len, text_only);
        }
        g_snprintf(cur.what, sizeof(cur.what),
                   "mutation %" G_GUINT64_FORMAT " of -seed=%" G_GUINT64_FORMAT
                   " (%u bytes)",
                   r, seed, a->len);
        run_one(a->data, a->len);
        /* Keep some results as parents: lets mutations walk further from
         * the seeds than one stack goes. */
        if (below(8) == 0) {
            if (pool->len >= POOL_MAX && pool->len > corpus_files) {
                g_ptr_array_remove_index_fast(
                    pool, corpus_files + below(pool->len - corpus_files));
            }
            if (pool->len < POOL_MAX) {
                g_ptr_array_add(pool, g_bytes_new(a->data, a->len));
            }
        }
    }
    printf("fuzz-%s: %u corpus file(s) and %" G_GUINT64_FORMAT
           " mutations (-seed=%" G_GUINT64_FORMAT
           ", -max_len=%" G_GUINT64_FORMAT
           ", %u dictionary words) in %.1f s: no crash\n",
           FUZZ_TARGET, corpus_files, runs, seed, max_len, dict->len,
           (g_get_monotonic_time() - start) / 1e6);
    if (!any) {
        printf("fuzz-%s: warning: no corpus files found\n", FUZZ_TARGET);
    }
    g_ptr_array_unref(dict);
    return 0;
}
