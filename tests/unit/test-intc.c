/*
 * The interrupt controllers' input lines on the virt boards: riscv-plic's
 * sources and arm-gicv3's SPIs, level-triggered, seen in their pending
 * registers.
 */
#include <glib.h>

#include "qaccel-config.h"
#include <qaccel/config.h>
#include <qaccel/error.h>
#include <qaccel/irq.h>
#include <qaccel/machine.h>

#define PLIC_PENDING 0x0c001000ULL
#define GICD_ISPENDR 0x08000200ULL
#define GICD_ICPENDR 0x08000280ULL

typedef struct Board {
    QaMachineConfig *cfg;
    QaMachine *m;
    QaObject *intc;
} Board;

/* @conf's board (configs/machines/@conf.conf), realized and reset. */
static void board_new(Board *b, const char *conf, const char *intc)
{
    const char *src = g_getenv("QACCEL_SOURCE_DIR");
    g_autofree char *path = g_strdup_printf(
        "%s/configs/machines/%s.conf", src ? src : QACCEL_SOURCE_DIR, conf);
    g_autoptr(GError) err = NULL;

    b->cfg = qa_machine_config_load(path, &err);
    g_assert_no_error(err);
    b->m = qa_machine_new(b->cfg, &err);
    g_assert_no_error(err);
    g_assert_true(qa_machine_realize(b->m, &err));
    g_assert_no_error(err);
    qa_machine_reset(b->m);
    b->intc = qa_object_resolve_path(intc, NULL);
    g_assert_nonnull(b->intc);
}

static void board_free(Board *b)
{
    qa_machine_destroy(b->m);
    qa_machine_config_free(b->cfg);
}

static uint32_t readl(Board *b, uint64_t addr)
{
    uint64_t v = 0;

    g_assert_true(qa_address_space_read(b->m->mem, addr, 4, &v));
    return (uint32_t)v;
}

static void set_line(Board *b, int n, int level)
{
    QaIrq *irq = qa_gpio_get_in(b->intc, NULL, n);

    g_assert_nonnull(irq);
    qa_irq_set(irq, level);
}

typedef struct Seen {
    int n, level, calls;
} Seen;

static void hook(void *opaque, int n, int level)
{
    Seen *s = opaque;

    s->n = n;
    s->level = level;
    s->calls++;
}

typedef struct ThreadArg {
    QaIrq *irq;
    int level;
} ThreadArg;

static gpointer set_on_thread(gpointer p)
{
    ThreadArg *a = p;

    qa_irq_set(a->irq, a->level);
    return NULL;
}

static void test_plic(void)
{
    Seen seen = {0};
    ThreadArg arg;
    GThread *t;
    Board b;

    board_new(&b, "virt-riscv64", "/machine/plic");
    /* ndev = 95: sources 1..95 plus the reserved source 0 */
    g_assert_cmpint(qa_gpio_count(b.intc, NULL, false), ==, 96);
    g_assert_null(qa_gpio_get_in(b.intc, NULL, 96));
    g_assert_cmpint(qa_gpio_count(b.intc, "sources", false), ==, -1);

    set_line(&b, 10, 1);
    g_assert_cmphex(readl(&b, PLIC_PENDING), ==, 1u << 10);
    set_line(&b, 10, 1); /* level, not edge: still one bit */
    g_assert_cmphex(readl(&b, PLIC_PENDING), ==, 1u << 10);
    set_line(&b, 63, 1);
    g_assert_cmphex(readl(&b, PLIC_PENDING + 4), ==, 1u << 31);
    set_line(&b, 10, 0);
    g_assert_cmphex(readl(&b, PLIC_PENDING), ==, 0);
    set_line(&b, 0, 1);
    g_assert_cmphex(readl(&b, PLIC_PENDING), ==, 0);

    /* lines may be driven from any thread */
    arg.irq = qa_gpio_get_in(b.intc, NULL, 33);
    arg.level = 1;
    t = g_thread_new("irq", set_on_thread, &arg);
    g_thread_join(t);
    g_assert_cmphex(readl(&b, PLIC_PENDING + 4), ==, 1u << 31 | 1u << 1);

    /* interposed: the hook sees the change and the PLIC still does */
    g_assert_true(qa_gpio_intercept_in(b.intc, hook, &seen));
    set_line(&b, 95, 1);
    g_assert_cmpint(seen.calls, ==, 1);
    g_assert_cmpint(seen.n, ==, 95);
    g_assert_cmpint(seen.level, ==, 1);
    g_assert_cmphex(readl(&b, PLIC_PENDING + 8), ==, 1u << 31);

    qa_machine_reset(b.m);
    g_assert_cmphex(readl(&b, PLIC_PENDING + 4), ==, 0);
    g_assert_cmphex(readl(&b, PLIC_PENDING + 8), ==, 0);
    board_free(&b);
}

static void test_gic(void)
{
    Seen seen = {0};
    Board b;

    board_new(&b, "virt-arm64", "/machine/gic");
    g_assert_cmpint(qa_gpio_count(b.intc, NULL, false), ==, 256);
    g_assert_null(qa_gpio_get_in(b.intc, NULL, 256));
    g_assert_null(qa_gpio_get_in(b.intc, NULL, -1));

    /* SPI i is INTID 32 + i: word 1 + i / 32, bit i % 32 */
    set_line(&b, 0, 1);
    set_line(&b, 255, 1);
    g_assert_cmphex(readl(&b, GICD_ISPENDR), ==, 0);
    g_assert_cmphex(readl(&b, GICD_ISPENDR + 4), ==, 1);
    g_assert_cmphex(readl(&b, GICD_ICPENDR + 4), ==, 1);
    g_assert_cmphex(readl(&b, GICD_ISPENDR + 32), ==, 1u << 31);
    set_line(&b, 0, 0);
    g_assert_cmphex(readl(&b, GICD_ISPENDR + 4), ==, 0);

    /* no pending latch: writes change nothing */
    qa_address_space_write(b.m->mem, GICD_ISPENDR + 4, 4, 0xffffffff);
    qa_address_space_write(b.m->mem, GICD_ICPENDR + 32, 4, 0xffffffff);
    g_assert_cmphex(readl(&b, GICD_ISPENDR + 4), ==, 0);
    g_assert_cmphex(readl(&b, GICD_ISPENDR + 32), ==, 1u << 31);

    g_assert_true(qa_gpio_intercept_in(b.intc, hook, &seen));
    set_line(&b, 1, 1);
    g_assert_cmpint(seen.calls, ==, 1);
    g_assert_cmpint(seen.n, ==, 1);
    g_assert_cmphex(readl(&b, GICD_ISPENDR + 4), ==, 2);

    qa_machine_reset(b.m);
    g_assert_cmphex(readl(&b, GICD_ISPENDR + 4), ==, 0);
    g_assert_cmphex(readl(&b, GICD_ISPENDR + 32), ==, 0);
    board_free(&b);
}

/* A second board after the first is destroyed gets fresh lines. */
static void test_recreate(void)
{
    Board b;

    for (int i = 0; i < 2; i++) {
        board_new(&b, "virt-riscv64", "/machine/plic");
        g_assert_true(qa_gpio_has_lists(b.intc));
        g_assert_cmpint(qa_gpio_count(b.intc, NULL, false), ==, 96);
        g_assert_cmphex(readl(&b, PLIC_PENDING), ==, 0);
        set_line(&b, 5, 1);
        g_assert_cmphex(readl(&b, PLIC_PENDING), ==, 1u << 5);
        board_free(&b);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qa_types_register_builtin();
    g_test_add_func("/intc/plic", test_plic);
    g_test_add_func("/intc/gic", test_gic);
    g_test_add_func("/intc/recreate", test_recreate);
    return g_test_run();
}
