/*
 * The qtest wire protocol against qaccel: every command, QEMU's reply
 * formats, and every malformed-input path (FAIL and carry on).
 */
#include <string.h>
#include "libqtest.h"

#define UNASSIGNED_PORT 0x1234
#define UNASSIGNED_MEM 0x20000000ull

static QTestState *qts;

static void assert_reply(const char *line, const char *want)
{
    g_autofree char *r = qtest_rawf(qts, "%s", line);

    if (!g_pattern_match_simple(want, r)) {
        g_error("'%s' replied '%s', expected '%s'", line, r, want);
    }
}

/* Send raw bytes (one request) and check the single reply. */
static void assert_raw(const char *bytes, size_t len, const char *want)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *r = NULL;

    g_assert_true(qtest_send_bytes(qts, bytes, len, &err));
    r = qtest_read_reply(qts, &err);
    g_assert_no_error(err);
    if (!g_pattern_match_simple(want, r)) {
        g_error("raw request replied '%s', expected '%s'", r, want);
    }
    /* The server must still be answering. */
    assert_reply("endianness", "OK little");
}

static void test_ports(void)
{
    assert_reply("inb 0x1234", "OK 0x00ff");
    assert_reply("inw 0x1234", "OK 0xffff");
    assert_reply("inl 0x1234", "OK 0xffffffff");
    assert_reply("outb 0x1234 0x1ff", "OK");
    assert_reply("outw 4660 0x1", "OK");
    assert_reply("outl 011064 0x1", "OK");
    assert_reply("inb 0x10000", "FAIL port address '0x10000' is above 0xffff");
    /* PM1 timer (q35-lite, 3.579545 MHz): QEMU's %04x shows all digits. */
    assert_reply("clock_step 1000000000", "OK *");
    assert_reply("inl 0x608", "OK 0x369e99");
    g_assert_cmphex(qtest_inb(qts, UNASSIGNED_PORT), ==, 0xff);
}

static void test_memory(void)
{
    uint8_t buf[64], back[64];

    assert_reply("writeb 0x1000 0x1ef", "OK");
    assert_reply("readb 0x1000", "OK 0x00000000000000ef");
    assert_reply("writel 0x1000 0xdeadbeef", "OK");
    assert_reply("readl 0x1000", "OK 0x00000000deadbeef");
    assert_reply("readw 0x1000", "OK 0x000000000000beef");
    assert_reply("read 0x1000 4", "OK 0xefbeadde");
    assert_reply("writeq 0x1008 0x0123456789abcdef", "OK");
    assert_reply("readq 0x1008", "OK 0x0123456789abcdef");
    assert_reply("write 0x2000 4 0x0102", "OK");
    assert_reply("read 0x2000 4", "OK 0x01020000");
    assert_reply("b64read 0x2000 4", "OK AQIAAA==");
    assert_reply("b64write 0x2000 3 //79", "OK");
    assert_reply("read 0x2000 4", "OK 0xfffefd00");
    assert_reply("memset 0x2000 3 0x1aa", "OK");
    assert_reply("read 0x2000 4", "OK 0xaaaaaa00");
    assert_reply("memset 0x2000 0 0", "OK");
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = i * 7;
    }
    qtest_bufwrite(qts, 0x3000, buf, sizeof(buf));
    qtest_memread(qts, 0x3000, back, sizeof(back));
    g_assert_cmpmem(buf, sizeof(buf), back, sizeof(back));
    qtest_memwrite(qts, 0x4000, buf, sizeof(buf));
    qtest_bufread(qts, 0x4000, back, sizeof(back));
    g_assert_cmpmem(buf, sizeof(buf), back, sizeof(back));
    /* QEMU's exact error replies for short data */
    assert_reply("write 0x2000 4 0x", "ERR invalid argument size");
    assert_reply("b64write 0x2000 4 AQ", "ERR invalid argument size");
    assert_reply("write 0x2000 1 0x0102", "FAIL write: DATA has 2 bytes*");
    assert_reply("write 0x2000 2 0x0g", "FAIL write: invalid hex digit*");
    assert_reply("read 0x2000 0", "FAIL read: SIZE must not be 0");
    assert_reply("b64read 0xffffffffffffffff 2", "FAIL b64read: ADDR+SIZE*");
}

static int64_t unassigned_count(const char *member)
{
    g_autoptr(JsonObject) r =
        qtest_qmp(qts, "{'execute': 'query-sysevent-stats'}");
    JsonObject *ret = json_object_get_object_member(r, "return");
    JsonObject *un = json_object_get_object_member(ret, "unassigned");

    return json_object_get_int_member(un, member);
}

static void test_unassigned(void)
{
    int64_t reads = unassigned_count("memory-reads");
    int64_t writes = unassigned_count("memory-writes");
    int64_t ioreads = unassigned_count("io-reads");

    assert_reply("readl 0x20000000", "OK 0x00000000ffffffff");
    assert_reply("readq 0x20000000", "OK 0xffffffffffffffff");
    assert_reply("writel 0x20000000 0", "OK");
    assert_reply("readb 0x20000000", "OK 0x00000000000000ff");
    assert_reply("inb 0x1234", "OK 0x00ff");
    g_assert_cmpint(unassigned_count("memory-reads"), >, reads);
    g_assert_cmpint(unassigned_count("memory-writes"), >, writes);
    g_assert_cmpint(unassigned_count("io-reads"), >, ioreads);
}

static void test_clock(void)
{
    g_autofree char *r = qtest_rawf(qts, "clock_step 10");
    int64_t now;

    g_assert_true(g_str_has_prefix(r, "OK "));
    now = g_ascii_strtoll(r + 3, NULL, 10);
    g_assert_cmpint(qtest_clock_step(qts, 5), ==, now + 5);
    g_assert_cmpint(qtest_clock_set(qts, now + 100), ==, now + 100);
    {
        g_autofree char *back =
            qtest_rawf(qts, "clock_set %" G_GINT64_FORMAT, now);
        g_autofree char *want =
            g_strdup_printf("FAIL %" G_GINT64_FORMAT, now + 100);
        g_assert_cmpstr(back, ==, want);
    }
    assert_reply("clock_step 0", "FAIL could not advance time");
    assert_reply("clock_step", "FAIL cannot advance clock to the next "
                               "deadline because there is no pending "
                               "deadline");
    assert_reply("clock_step -1", "FAIL clock_step: NS must not be negative");
    assert_reply("clock_set x", "FAIL invalid NS 'x'*");
}

static void test_misc(void)
{
    assert_reply("endianness", "OK little");
    assert_reply("module_load accel- qtest", "OK");
    assert_reply("module_load accel- nosuch", "FAIL No module*");
    assert_reply("OUTB 0x80 1", "FAIL Unknown command 'OUTB'");
    assert_reply("frobnicate", "FAIL Unknown command 'frobnicate'");
}

static void test_malformed(void)
{
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"outb 0x80\n", "FAIL outb: missing argument (usage: outb ADDR "
                        "VALUE)"},
        {"outb 0x80 1 2\n", "FAIL outb: too many arguments*"},
        {"inb\n", "FAIL inb: missing argument*"},
        {"endianness big\n", "FAIL endianness: too many arguments*"},
        {"outb zz 0x1\n", "FAIL invalid ADDR 'zz'*"},
        {"outb 0x80 0x1g\n", "FAIL invalid VALUE '0x1g'*"},
        {"outb 0x80 -1\n", "FAIL invalid VALUE '-1'*"},
        {"readl 0x10000000000000000\n", "FAIL invalid ADDR*"},
        {"\n", "FAIL empty line"},
        {"outb  0x80 1\n", "FAIL empty word (leading or double space) at "
                           "column 6"},
        {" outb 0x80 1\n", "FAIL empty word*column 1"},
        {"outb 0x80 1\r\n", "FAIL line ends with a carriage return*"},
        {"outb 0x80 \xff\xfe\n", "FAIL line is not valid UTF-8"},
        {"outb 0x80 \xc3\xa9\n", "FAIL invalid VALUE*"},
        {"vcpu_exit 0 foo\n", "FAIL vcpu_exit: unknown exit 'foo'*"},
        {"vcpu_exit 9 shutdown\n", "FAIL CPU 9 does not exist*"},
        {"vcpu_exit 0 shutdown 1\n", "FAIL vcpu_exit: too many*"},
        {"vcpu_exit 0 system_event 2\n", "FAIL vcpu_exit: missing*"},
        {"vcpu_exit 0 system_event 2 0 abi=16\n", "FAIL abi= must be*"},
        {"vcpu_exit 0 system_event 2 0 cap=2\n", "FAIL cap= must be*"},
        {"vcpu_exit 0 system_event 2 0 y=1\n", "FAIL vcpu_exit: unknown "
                                               "keyword 'y='*"},
        {"vcpu_exit 0 system_event 2 0 cap=1 5\n", "FAIL vcpu_exit: data "
                                                   "word '5' after*"},
        {"vcpu_exit 0 system_event 2 17 1 2 3 4 5 6 7 8 9 10 11 12 13 14 "
         "15 16 17\n",
         "FAIL vcpu_exit: at most 16 data words"},
        {"vcpu_exit 0 system_event 2 0 hv=1,2,3,4,5,6\n", "FAIL hv= takes*"},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        assert_raw(cases[i].in, strlen(cases[i].in), cases[i].want);
    }
    /* A NUL byte inside a line */
    assert_raw("outb 0x80\0 1\n", 13, "FAIL line contains a NUL byte");
    /* A trailing single space is harmless, as in QEMU */
    assert_reply("outb 0x1234 0x1 ", "OK");
}

static void test_long_line(void)
{
    size_t n = 16u * 1024 * 1024 + 10;
    g_autofree char *big = g_malloc(n + 1);

    memset(big, 'a', n);
    big[n] = '\n';
    assert_raw(big, n + 1, "FAIL line too long (more than 16777216 bytes)");
    /* A big but legal b64write still works (about 1.5 MiB of data) */
    {
        size_t sz = 1536 * 1024;
        g_autofree uint8_t *data = g_malloc(sz);
        g_autofree uint8_t *back = g_malloc(sz);
        for (size_t i = 0; i < sz; i++) {
            data[i] = i ^ (i >> 8);
        }
        qtest_bufwrite(qts, 0x100000, data, sz);
        qtest_bufread(qts, 0x100000, back, sz);
        g_assert_cmpmem(data, sz, back, sz);
    }
}

static void test_pipelined(void)
{
    g_autoptr(GString) req = g_string_new(NULL);
    g_autoptr(GError) err = NULL;

    for (int i = 0; i < 1000; i++) {
        g_string_append_printf(req, "writel 0x%x %d\nreadl 0x%x\n",
                               0x5000 + 4 * i, i, 0x5000 + 4 * i);
    }
    g_assert_true(qtest_send_bytes(qts, req->str, req->len, &err));
    for (int i = 0; i < 1000; i++) {
        g_autofree char *a = qtest_read_reply(qts, &err);
        g_autofree char *b = qtest_read_reply(qts, &err);
        g_autofree char *want = g_strdup_printf("OK 0x%016x", i);
        g_assert_no_error(err);
        g_assert_cmpstr(a, ==, "OK");
        g_assert_cmpstr(b, ==, want);
    }
}

static uint64_t peak_rss_kib(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *text = NULL;
    const char *hwm;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    hwm = strstr(text, "VmHWM:");
    g_assert_nonnull(hwm);
    return g_ascii_strtoull(hwm + 6, NULL, 10);
}

/*
 * Many large replies asked for in one write are written out as they are
 * made, not all kept until the last request of the chunk has run: 8
 * b64reads of 64 MiB (712 MiB of replies) stay below 512 MiB of peak
 * memory.
 */
static void test_pipelined_large(void)
{
    g_autoptr(GString) req = g_string_new(NULL);
    g_autoptr(GError) err = NULL;
    QTestState *q = qtest_init(NULL);

    for (int i = 0; i < 8; i++) {
        g_string_append(req, "b64read 0 0x4000000\n");
    }
    g_assert_true(qtest_send_bytes(q, req->str, req->len, &err));
    for (int i = 0; i < 8; i++) {
        g_autofree char *r = qtest_read_reply(q, &err);
        g_assert_no_error(err);
        g_assert_true(g_str_has_prefix(r, "OK "));
        g_assert_cmpuint(strlen(r), ==, 3 + 0x4000000 / 3 * 4 + 4);
    }
    g_assert_cmpuint(peak_rss_kib(qtest_pid(q)), <, 512 * 1024);
    qtest_quit(q);
}

/* A line split over several writes is reassembled. */
static void test_split_line(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *r = NULL;

    qtest_writel(qts, 0x1000, 0xdeadbeef);
    g_assert_true(qtest_send_bytes(qts, "read", 4, &err));
    g_usleep(20000);
    g_assert_true(qtest_send_bytes(qts, "l 0x10", 6, &err));
    g_usleep(20000);
    g_assert_true(qtest_send_bytes(qts, "00\n", 3, &err));
    r = qtest_read_reply(qts, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(r, ==, "OK 0x00000000deadbeef");
}

static void test_irq_errors(void)
{
    assert_reply("irq_intercept_in /machine/nosuch", "FAIL Unknown device");
    assert_reply("irq_intercept_in nosuch", "FAIL Unknown device");
    assert_reply("irq_intercept_in /machine/pm foo",
                 "FAIL Interception of named in-GPIOs not yet supported");
    assert_reply("irq_intercept_out /machine/kbc nosuchlist",
                 "FAIL No intercepts installed");
    assert_reply("set_irq_in /machine/nosuch unnamed-gpio-in 0 1",
                 "FAIL Unknown device");
    assert_reply("set_irq_in /machine/kbc unnamed-gpio-in 99 1",
                 "FAIL No GPIO input unnamed-gpio-in[99]*");
    assert_reply("set_irq_in /machine/kbc unnamed-gpio-in 0 x",
                 "FAIL invalid LEVEL 'x'*");
}

/* Commands for other architectures' conduits, and x86 MSRs. */
static void test_conduits_x86(void)
{
    assert_reply("hvc 0 0x84000000", "FAIL hvc: *");
    assert_reply("smc 0 0x84000000", "FAIL smc: *");
    assert_reply("ecall 0 0x10 0", "FAIL ecall: *");
    assert_reply("hvc 5 0x84000000", "FAIL CPU 5 does not exist*");
    assert_reply("wrmsr 0 0x40000100 0x1234", "OK");
    assert_reply("rdmsr 0 0x40000100", "OK 0x0000000000001234");
    assert_reply("rdmsr 0 0x100000000", "FAIL MSR index*");
    assert_reply("rdmsr 0", "FAIL rdmsr: missing argument*");
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    qts = qtest_init(NULL);
    g_test_add_func("/qtest/ports", test_ports);
    g_test_add_func("/qtest/memory", test_memory);
    g_test_add_func("/qtest/unassigned", test_unassigned);
    g_test_add_func("/qtest/clock", test_clock);
    g_test_add_func("/qtest/misc", test_misc);
    g_test_add_func("/qtest/malformed", test_malformed);
    g_test_add_func("/qtest/long-line", test_long_line);
    g_test_add_func("/qtest/pipelined", test_pipelined);
    g_test_add_func("/qtest/pipelined-large", test_pipelined_large);
    g_test_add_func("/qtest/split-line", test_split_line);
    g_test_add_func("/qtest/irq-errors", test_irq_errors);
    g_test_add_func("/qtest/conduits-x86", test_conduits_x86);
    ret = g_test_run();
    qtest_quit(qts);
    return ret;
}
