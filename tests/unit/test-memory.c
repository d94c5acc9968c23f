/*
 * Address spaces: lookup, priorities, splitting, unassigned accesses.
 */
#include <qaccel/error.h>
#include <qaccel/memory.h>

typedef struct Dev {
    uint8_t regs[16];
    unsigned last_size;
    unsigned accesses;
} Dev;

static uint64_t dev_read(void *opaque, uint64_t off, unsigned size)
{
    Dev *d = opaque;
    uint64_t v = 0;

    d->last_size = size;
    d->accesses++;
    memcpy(&v, &d->regs[off], size);
    return v;
}

static void dev_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    Dev *d = opaque;

    d->last_size = size;
    d->accesses++;
    memcpy(&d->regs[off], &v, size);
}

static const QaIoOps any_ops = {dev_read, dev_write, 0};
static const QaIoOps byte_ops = {dev_read, dev_write, 1};

static void test_lookup_and_unassigned(void)
{
    g_autoptr(QaAddressSpace) as = qa_address_space_new("io", 0x10000);
    g_autoptr(GError) err = NULL;
    Dev d = {0};
    QaIoRegion r = {"dev", 0x600, 16, &any_ops, &d};
    uint64_t v;

    g_assert_true(qa_address_space_add(as, &r, &err));
    g_assert_nonnull(qa_address_space_lookup(as, 0x600));
    g_assert_nonnull(qa_address_space_lookup(as, 0x60f));
    g_assert_null(qa_address_space_lookup(as, 0x610));
    g_assert_null(qa_address_space_lookup(as, 0x5ff));

    g_assert_true(qa_address_space_write(as, 0x604, 2, 0x12345));
    g_assert_cmpuint(d.last_size, ==, 2);
    g_assert_true(qa_address_space_read(as, 0x604, 2, &v));
    g_assert_cmphex(v, ==, 0x2345); /* truncated to the access width */

    g_assert_false(qa_address_space_read(as, 0x80, 1, &v));
    g_assert_cmphex(v, ==, 0xff);
    g_assert_false(qa_address_space_read(as, 0x80, 4, &v));
    g_assert_cmphex(v, ==, 0xffffffff);
    g_assert_false(qa_address_space_write(as, 0x80, 2, 1));
    /* decoded by the first byte: a word at 0x5ff never reaches 0x600 */
    d.accesses = 0;
    g_assert_false(qa_address_space_write(as, 0x5ff, 2, 0xffff));
    g_assert_false(qa_address_space_read(as, 0x5ff, 4, &v));
    g_assert_cmphex(v, ==, 0xffffffff);
    g_assert_cmpuint(d.accesses, ==, 0);
    QaAccessStats s = qa_address_space_stats(as);
    g_assert_cmpuint(s.unassigned_reads, ==, 3);
    g_assert_cmpuint(s.unassigned_writes, ==, 2);
}

static void test_errors(void)
{
    g_autoptr(QaAddressSpace) as = qa_address_space_new("io", 0x10000);
    Dev d = {0};
    QaIoRegion a = {"a", 0x100, 8, &any_ops, &d};
    QaIoRegion b = {"b", 0x104, 8, &any_ops, &d};
    QaIoRegion big = {"big", 0xfff0, 0x20, &any_ops, &d};
    QaIoRegion empty = {"empty", 0, 0, &any_ops, &d};
    QaIoRegion noops = {"noops", 0x200, 4, NULL, &d};
    GError *err = NULL;

    g_assert_true(qa_address_space_add(as, &a, NULL));
    g_assert_false(qa_address_space_add(as, &b, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_EXISTS);
    g_assert_nonnull(strstr(err->message, "overlaps 'a'"));
    g_clear_error(&err);
    g_assert_false(qa_address_space_add(as, &big, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_clear_error(&err);
    g_assert_false(qa_address_space_add(as, &empty, &err));
    g_clear_error(&err);
    g_assert_false(qa_address_space_add(as, &noops, &err));
    g_clear_error(&err);
}

static void test_priority_and_remove(void)
{
    g_autoptr(QaAddressSpace) as = qa_address_space_new("mem", 1ull << 32);
    g_autofree uint8_t *ram = g_malloc0(0x10000);
    Dev d = {0};
    QaIoRegion r = {.name = "ram", .base = 0, .size = 0x10000, .ram = ram};
    QaIoRegion mmio = {"mmio", 0x8000, 16, &any_ops, &d, .priority = 1};
    uint64_t v;

    g_assert_true(qa_address_space_add(as, &r, NULL));
    g_assert_true(qa_address_space_add(as, &mmio, NULL));
    g_assert_true(qa_address_space_write(as, 0x7ffc, 4, 0xdeadbeef));
    g_assert_cmphex(ram[0x7ffc], ==, 0xef);
    g_assert_true(qa_address_space_write(as, 0x8000, 1, 0x5a));
    g_assert_cmphex(ram[0x8000], ==, 0); /* the MMIO window hides RAM */
    g_assert_cmphex(d.regs[0], ==, 0x5a);
    g_assert_true(qa_address_space_write(as, 0x8010, 1, 0x77));
    g_assert_cmphex(ram[0x8010], ==, 0x77); /* RAM again above it */

    /* an access spanning RAM and MMIO is split into bytes */
    d.accesses = 0;
    g_assert_true(qa_address_space_read(as, 0x7ffe, 4, &v));
    g_assert_cmphex(v, ==, 0x005adead);
    g_assert_cmpuint(d.accesses, ==, 2);

    qa_address_space_remove(as, &d);
    g_assert_true(qa_address_space_read(as, 0x8000, 1, &v));
    g_assert_cmphex(v, ==, 0);
}

static void test_split_by_size(void)
{
    g_autoptr(QaAddressSpace) as = qa_address_space_new("io", 0x10000);
    Dev d = {0};
    QaIoRegion r = {"bytes", 0x60, 8, &byte_ops, &d};
    uint64_t v;

    g_assert_true(qa_address_space_add(as, &r, NULL));
    d.accesses = 0;
    qa_address_space_write(as, 0x60, 4, 0x44332211);
    g_assert_cmpuint(d.accesses, ==, 4);
    g_assert_cmpuint(d.last_size, ==, 1);
    g_assert_cmphex(d.regs[3], ==, 0x44);
    qa_address_space_read(as, 0x61, 2, &v);
    g_assert_cmphex(v, ==, 0x3322);
}

static void test_rw_bytes(void)
{
    g_autoptr(QaAddressSpace) as = qa_address_space_new("mem", 1ull << 32);
    g_autofree uint8_t *ram = g_malloc0(0x1000);
    QaIoRegion r = {.name = "ram", .base = 0x1000, .size = 0x1000, .ram = ram};
    uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};

    g_assert_true(qa_address_space_add(as, &r, NULL));
    /* 4 bytes of RAM then 4 unassigned bytes */
    qa_address_space_rw_bytes(as, 0x1ffc, buf, 8, true);
    g_assert_cmphex(ram[0xfff], ==, 4);
    memset(buf, 0, sizeof(buf));
    qa_address_space_rw_bytes(as, 0x1ffc, buf, 8, false);
    g_assert_cmphex(buf[0], ==, 1);
    g_assert_cmphex(buf[4], ==, 0xff);
    g_assert_cmpuint(qa_address_space_stats(as).unassigned_writes, ==, 4);
}

/* A hole between two RAM blocks is crossed in one step, counted per byte. */
static void test_rw_bytes_hole(void)
{
    g_autoptr(QaAddressSpace) as = qa_address_space_new("mem", 1ull << 32);
    g_autofree uint8_t *lo = g_malloc(0x1000);
    g_autofree uint8_t *hi = g_malloc(0x1000);
    g_autofree uint8_t *buf = g_malloc(0x1020);
    QaIoRegion a = {.name = "lo", .base = 0x1000, .size = 0x1000, .ram = lo};
    QaIoRegion b = {.name = "hi", .base = 0x3000, .size = 0x1000, .ram = hi};

    memset(lo, 0x11, 0x1000);
    memset(hi, 0x22, 0x1000);
    g_assert_true(qa_address_space_add(as, &a, NULL));
    g_assert_true(qa_address_space_add(as, &b, NULL));
    qa_address_space_rw_bytes(as, 0x1ff0, buf, 0x1020, false);
    g_assert_cmphex(buf[0xf], ==, 0x11);
    g_assert_cmphex(buf[0x10], ==, 0xff);
    g_assert_cmphex(buf[0x100f], ==, 0xff);
    g_assert_cmphex(buf[0x1010], ==, 0x22);
    g_assert_cmpuint(qa_address_space_stats(as).unassigned_reads, ==, 0x1000);
    /* and past the last region up to the end of the request */
    qa_address_space_rw_bytes(as, 0x3ff0, buf, 0x20, true);
    g_assert_cmpuint(qa_address_space_stats(as).unassigned_writes, ==, 0x10);
    g_assert_cmphex(hi[0xfff], ==, buf[0xf]);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/lookup-unassigned", test_lookup_and_unassigned);
    g_test_add_func("/memory/errors", test_errors);
    g_test_add_func("/memory/priority-remove", test_priority_and_remove);
    g_test_add_func("/memory/split-by-size", test_split_by_size);
    g_test_add_func("/memory/rw-bytes", test_rw_bytes);
    g_test_add_func("/memory/rw-bytes-hole", test_rw_bytes_hole);
    return g_test_run();
}
