/*
 * QEMU's qtest commands: port and memory access, bulk transfers, the
 * virtual clock, IRQ interception, endianness.  Reply formats follow
 * QEMU exactly (docs/qtest.md); malformed arguments reply FAIL instead of
 * aborting.
 */
#include <limits.h>
#include <string.h>
#include <qaccel/accel.h>
#include <qaccel/irq.h>
#include <qaccel/qtest-accel.h>

#include "system/qtest-internal.h"

/* Largest SIZE accepted by read/b64read (the reply is built in memory)
 * and by memset (done in chunks). */
#define QTEST_READ_MAX (64u * 1024 * 1024)
#define QTEST_MEMSET_MAX (1024ull * 1024 * 1024)

static uint64_t width_mask(unsigned size)
{
    return size == 8 ? UINT64_MAX : (1ull << (size * 8)) - 1;
}

static unsigned size_of(const char *name)
{
    switch (name[strlen(name) - 1]) {
    case 'b':
        return 1;
    case 'w':
        return 2;
    case 'l':
        return 4;
    default:
        return 8;
    }
}

/* ---- ports ----------------------------------------------------------- */

static bool arg_port(QaQtestServer *s, const char *word, uint16_t *port)
{
    uint64_t v;

    if (!qtest_arg_u64(s, word, "ADDR", &v)) {
        return false;
    }
    if (v > 0xffff) {
        qtest_fail(s, "port address '%s' is above 0xffff", word);
        return false;
    }
    *port = v;
    return true;
}

static void cmd_out(QaQtestServer *s, int argc, char **argv)
{
    unsigned size = size_of(argv[0]);
    uint16_t port;
    uint64_t v;

    if (!arg_port(s, argv[1], &port) ||
        !qtest_arg_u64(s, argv[2], "VALUE", &v)) {
        return;
    }
    if (s->m->io) {
        qa_address_space_write(s->m->io, port, size, v & width_mask(size));
    }
    qtest_ok(s);
}

static void cmd_in(QaQtestServer *s, int argc, char **argv)
{
    unsigned size = size_of(argv[0]);
    uint64_t v = width_mask(size);
    uint16_t port;

    if (!arg_port(s, argv[1], &port)) {
        return;
    }
    /* A machine without port I/O reads all ones, as QEMU's empty
     * I/O address space does. */
    if (s->m->io) {
        qa_address_space_read(s->m->io, port, size, &v);
    }
    qtest_reply(s, "OK 0x%04" G_GINT64_MODIFIER "x", v & width_mask(size));
}

/* ---- memory ---------------------------------------------------------- */

static void cmd_write_n(QaQtestServer *s, int argc, char **argv)
{
    unsigned size = size_of(argv[0]);
    uint64_t addr, v;

    if (!qtest_arg_u64(s, argv[1], "ADDR", &addr) ||
        !qtest_arg_u64(s, argv[2], "VALUE", &v)) {
        return;
    }
    /* Every qaccel target is little endian: the value goes as is. */
    qa_address_space_write(s->m->mem, addr, size, v & width_mask(size));
    qtest_ok(s);
}

static void cmd_read_n(QaQtestServer *s, int argc, char **argv)
{
    unsigned size = size_of(argv[0]);
    uint64_t addr, v = 0;

    if (!qtest_arg_u64(s, argv[1], "ADDR", &addr)) {
        return;
    }
    qa_address_space_read(s->m->mem, addr, size, &v);
    qtest_reply(s, "OK 0x%016" G_GINT64_MODIFIER "x", v & width_mask(size));
}

/* Parse ADDR SIZE and check the range; @max bounds SIZE. */
static bool arg_range(QaQtestServer *s, char **argv, uint64_t max,
                      bool allow_zero, uint64_t *addr, uint64_t *size)
{
    if (!qtest_arg_u64(s, argv[1], "ADDR", addr) ||
        !qtest_arg_u64(s, argv[2], "SIZE", size)) {
        return false;
    }
    if (*size == 0 && !allow_zero) {
        qtest_fail(s, "%s: SIZE must not be 0", argv[0]);
        return false;
    }
    if (*size > max) {
        qtest_fail(s,
                   "%s: SIZE %" G_GUINT64_FORMAT " is above the limit of "
                   "%" G_GUINT64_FORMAT " bytes",
                   argv[0], *size, max);
        return false;
    }
    if (*size && *addr + (*size - 1) < *addr) {
        qtest_fail(s, "%s: ADDR+SIZE wraps around the address space", argv[0]);
        return false;
    }
    return true;
}

static void cmd_read(QaQtestServer *s, int argc, char **argv)
{
    static const char hex[] = "0123456789abcdef";
    g_autofree uint8_t *buf = NULL;
    uint64_t addr, size;
    size_t start;
    GString *out;
    char *p;

    if (!arg_range(s, argv, QTEST_READ_MAX, false, &addr, &size)) {
        return;
    }
    buf = g_malloc(size);
    qa_address_space_rw_bytes(s->m->mem, addr, buf, size, false);
    out = qtest_reply_begin(s, &start);
    g_string_append_len(out, "OK 0x", 5);
    g_string_set_size(out, out->len + 2 * size);
    p = out->str + out->len - 2 * size;
    for (uint64_t i = 0; i < size; i++) {
        *p++ = hex[buf[i] >> 4];
        *p++ = hex[buf[i] & 15];
    }
    qtest_reply_end(s, start);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void cmd_write(QaQtestServer *s, int argc, char **argv)
{
    const char *data = argv[3];
    size_t dlen = strlen(data);
    g_autofree uint8_t *buf = NULL;
    uint64_t addr, size, n;

    if (!arg_range(s, argv, QA_QTEST_LINE_MAX, false, &addr, &size)) {
        return;
    }
    if (dlen < 3) {
        qtest_reply(s, "ERR invalid argument size");
        return;
    }
    if (data[0] != '0' || (data[1] | 0x20) != 'x' || (dlen & 1)) {
        qtest_fail(s, "write: DATA must be 0x followed by pairs of hex "
                      "digits");
        return;
    }
    n = (dlen - 2) / 2;
    if (n > size) {
        qtest_fail(s,
                   "write: DATA has %" G_GUINT64_FORMAT " bytes, more "
                   "than SIZE %" G_GUINT64_FORMAT,
                   n, size);
        return;
    }
    buf = g_malloc0(size);
    for (uint64_t i = 0; i < n; i++) {
        int hi = hexval(data[2 + 2 * i]), lo = hexval(data[3 + 2 * i]);
        if (hi < 0 || lo < 0) {
            qtest_fail(
                s,
                "write: invalid hex digit in DATA at byte %" G_GUINT64_FORMAT,
                i);
            return;
        }
        buf[i] = hi << 4 | lo;
    }
    qa_address_space_rw_bytes(s->m->mem, addr, buf, size, true);
    qtest_ok(s);
}

static void cmd_b64read(QaQtestServer *s, int argc, char **argv)
{
    g_autofree uint8_t *buf = NULL;
    uint64_t addr, size;
    size_t start, n;
    GString *out;

    if (!arg_range(s, argv, QTEST_READ_MAX, false, &addr, &size)) {
        return;
    }
    buf = g_malloc(size);
    qa_address_space_rw_bytes(s->m->mem, addr, buf, size, false);
    /* Encode straight into the output buffer: no intermediate string. */
    out = qtest_reply_begin(s, &start);
    g_string_append_len(out, "OK ", 3);
    n = out->len;
    g_string_set_size(out, n + qtest_b64_encoded_len(size));
    qtest_b64_encode(buf, size, out->str + n);
    qtest_reply_end(s, start);
}

static void cmd_b64write(QaQtestServer *s, int argc, char **argv)
{
    g_autofree uint8_t *data = NULL;
    uint64_t addr, size;
    size_t dlen, tlen = strlen(argv[3]);

    if (!arg_range(s, argv, QA_QTEST_LINE_MAX, false, &addr, &size)) {
        return;
    }
    if (tlen < 3) {
        qtest_reply(s, "ERR invalid argument size");
        return;
    }
    data = qtest_b64_decode(argv[3], tlen, &dlen);
    if (dlen != size) {
        g_debug("qtest b64write: decoded %zu bytes, SIZE %" G_GUINT64_FORMAT,
                dlen, size);
    }
    qa_address_space_rw_bytes(s->m->mem, addr, data, MIN(dlen, size), true);
    qtest_ok(s);
}

static void cmd_memset(QaQtestServer *s, int argc, char **argv)
{
    uint8_t chunk[65536];
    uint64_t addr, size, v;

    if (!arg_range(s, argv, QTEST_MEMSET_MAX, true, &addr, &size) ||
        !qtest_arg_u64(s, argv[3], "VALUE", &v)) {
        return;
    }
    memset(chunk, (int)(v & 0xff), MIN(size, sizeof(chunk)));
    while (size) {
        uint64_t n = MIN(size, sizeof(chunk));
        qa_address_space_rw_bytes(s->m->mem, addr, chunk, n, true);
        addr += n;
        size -= n;
    }
    qtest_ok(s);
}

/* ---- clock ----------------------------------------------------------- */

static void cmd_clock_step(QaQtestServer *s, int argc, char **argv)
{
    QaAccel *accel = s->m->accel;
    int64_t ns, before, after;

    if (argc == 1) {
        /* qaccel's board model has no timers, so there is never a
         * deadline to step to. */
        qtest_fail(s, "cannot advance clock to the next deadline because "
                      "there is no pending deadline");
        return;
    }
    if (!qtest_arg_i64(s, argv[1], "NS", &ns)) {
        return;
    }
    if (ns < 0) {
        qtest_fail(s, "clock_step: NS must not be negative");
        return;
    }
    before = qa_machine_clock_ns(s->m);
    after = qa_qtest_clock_step(accel, ns);
    if (after == before) {
        qtest_fail(s, "could not advance time");
        return;
    }
    qtest_reply(s, "OK %" G_GINT64_FORMAT, after);
}

static void cmd_clock_set(QaQtestServer *s, int argc, char **argv)
{
    int64_t ns, after;

    if (!qtest_arg_i64(s, argv[1], "NS", &ns)) {
        return;
    }
    after = qa_qtest_clock_set(s->m->accel, ns);
    qtest_reply(s, "%s %" G_GINT64_FORMAT, after == ns ? "OK" : "FAIL", after);
}

/* ---- IRQs ------------------------------------------------------------ */

static void cmd_irq_intercept(QaQtestServer *s, int argc, char **argv)
{
    bool out = !strcmp(argv[0], "irq_intercept_out");
    QaObject *dev = qtest_resolve_device(argv[1]);
    const char *name = argc > 2 ? argv[2] : NULL;
    bool ok;

    if (!dev) {
        qtest_fail(s, "Unknown device");
        return;
    }
    if (name && !out) {
        qtest_fail(s, "Interception of named in-GPIOs not yet supported");
        return;
    }
    if (s->irq_dev) {
        if (s->irq_dev != dev) {
            qtest_fail(s, "IRQ intercept already enabled");
        } else {
            qtest_ok(s);
        }
        return;
    }
    ok = out ? qa_gpio_intercept_out(dev, name, qa_qtest_irq_hook, s)
             : qa_gpio_intercept_in(dev, qa_qtest_irq_hook, s);
    if (!ok) {
        qtest_fail(s, "No intercepts installed");
        return;
    }
    s->irq_dev = qa_object_ref(dev);
    qtest_ok(s);
}

static void cmd_set_irq_in(QaQtestServer *s, int argc, char **argv)
{
    QaObject *dev = qtest_resolve_device(argv[1]);
    const char *name = strcmp(argv[2], "unnamed-gpio-in") ? argv[2] : NULL;
    QaIrq *irq;
    uint64_t num;
    int64_t level;

    if (!dev) {
        qtest_fail(s, "Unknown device");
        return;
    }
    if (!qtest_arg_u64(s, argv[3], "NUM", &num) ||
        !qtest_arg_i64(s, argv[4], "LEVEL", &level)) {
        return;
    }
    irq = num <= INT_MAX ? qa_gpio_get_in(dev, name, (int)num) : NULL;
    if (!irq) {
        qtest_fail(s,
                   "No GPIO input %s[%" G_GUINT64_FORMAT "] on this "
                   "device",
                   argv[2], num);
        return;
    }
    if (level < INT_MIN || level > INT_MAX) {
        qtest_fail(s, "LEVEL %" G_GINT64_FORMAT " out of range", level);
        return;
    }
    qa_irq_set(irq, (int)level);
    qtest_ok(s);
}

/* ---- misc ------------------------------------------------------------ */

static void cmd_endianness(QaQtestServer *s, int argc, char **argv)
{
    qtest_reply(s, "OK little");
}

static void cmd_module_load(QaQtestServer *s, int argc, char **argv)
{
    /* qaccel has no loadable modules; built-in accelerators count as
     * loaded so QEMU-style probes ("accel-" "qtest") succeed. */
    if (!strcmp(argv[1], "accel-") && qa_accel_find_class(argv[2])) {
        qtest_ok(s);
        return;
    }
    qtest_fail(s, "No module '%s%s' (qaccel has no loadable modules)", argv[1],
               argv[2]);
}

const QtestCommand qa_qtest_std_commands[] = {
    {"outb", 2, 2, "ADDR VALUE", false, cmd_out},
    {"outw", 2, 2, "ADDR VALUE", false, cmd_out},
    {"outl", 2, 2, "ADDR VALUE", false, cmd_out},
    {"inb", 1, 1, "ADDR", false, cmd_in},
    {"inw", 1, 1, "ADDR", false, cmd_in},
    {"inl", 1, 1, "ADDR", false, cmd_in},
    {"writeb", 2, 2, "ADDR VALUE", false, cmd_write_n},
    {"writew", 2, 2, "ADDR VALUE", false, cmd_write_n},
    {"writel", 2, 2, "ADDR VALUE", false, cmd_write_n},
    {"writeq", 2, 2, "ADDR VALUE", false, cmd_write_n},
    {"readb", 1, 1, "ADDR", false, cmd_read_n},
    {"readw", 1, 1, "ADDR", false, cmd_read_n},
    {"readl", 1, 1, "ADDR", false, cmd_read_n},
    {"readq", 1, 1, "ADDR", false, cmd_read_n},
    {"read", 2, 2, "ADDR SIZE", false, cmd_read},
    {"write", 3, 3, "ADDR SIZE DATA", false, cmd_write},
    {"b64read", 2, 2, "ADDR SIZE", false, cmd_b64read},
    {"b64write", 3, 3, "ADDR SIZE B64DATA", false, cmd_b64write},
    {"memset", 3, 3, "ADDR SIZE VALUE", false, cmd_memset},
    {"clock_step", 0, 1, "[NS]", true, cmd_clock_step},
    {"clock_set", 1, 1, "NS", true, cmd_clock_set},
    {"irq_intercept_in", 1, 2, "QOM-PATH", false, cmd_irq_intercept},
    {"irq_intercept_out", 1, 2, "QOM-PATH [NAME]", false, cmd_irq_intercept},
    {"set_irq_in", 4, 4, "QOM-PATH NAME NUM LEVEL", false, cmd_set_irq_in},
    {"endianness", 0, 0, "", false, cmd_endianness},
    {"module_load", 2, 2, "PREFIX LIBNAME", false, cmd_module_load},
};
const size_t qa_qtest_std_commands_len = G_N_ELEMENTS(qa_qtest_std_commands);
