/*
 * q35-lite power devices driven through the machine's I/O space: ACPI PM
 * (PM1, timer, GPE0, SMI_CMD), 0xCF9, i8042, pvpanic, Hyper-V crash MSRs,
 * the board's power button and wake-up hooks, and reset de-duplication.
 * Requests are captured from the machine's sink instead of a runstate.
 */
#include <string.h>
#include <qaccel/accel.h>
#include <qaccel/config.h>
#include <qaccel/error.h>
#include <qaccel/irq.h>
#include <qaccel/qtest-accel.h>
#include "hw/acpi/acpi-pm.h"

#define PM_BASE 0x600
#define PM1_STS (PM_BASE + 0)
#define PM1_EN (PM_BASE + 2)
#define PM1_CNT (PM_BASE + 4)
#define PM_TMR (PM_BASE + 8)
#define GPE0_STS (PM_BASE + 0x20)
#define GPE0_EN (PM_BASE + 0x28)
#define PM_FREQ 3579545

typedef struct Fixture {
    QaMachineConfig *cfg;
    QaMachine *m;
    QaAccel *accel;
    GArray *reqs; /* QaMachineRequest */
} Fixture;

static void capture(void *opaque, const QaMachineRequest *req)
{
    Fixture *f = opaque;

    g_array_append_val(f->reqs, *req);
}

/* Build q35-lite with @globals ("type", "prop", "value", ... NULL). */
static void machine_up(Fixture *f, const char *const *globals)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path =
        g_build_filename(g_getenv("QACCEL_SOURCE_DIR"), "configs", "machines",
                         "q35-lite.conf", NULL);

    qa_types_register_builtin();
    f->cfg = qa_machine_config_load(path, &err);
    g_assert_no_error(err);
    f->m = qa_machine_new(f->cfg, &err);
    g_assert_no_error(err);
    for (unsigned i = 0; globals && globals[i]; i += 3) {
        qa_machine_add_global(f->m, globals[i], globals[i + 1], globals[i + 2]);
    }
    f->accel = (QaAccel *)qa_object_new(QA_TYPE_QTEST_ACCEL, &err);
    g_assert_no_error(err);
    g_assert_true(qa_accel_init_machine(f->accel, f->m, &err));
    g_assert_true(qa_machine_realize(f->m, &err));
    g_assert_no_error(err);
    f->reqs = g_array_new(FALSE, TRUE, sizeof(QaMachineRequest));
    f->m->sink.post = capture;
    f->m->sink.opaque = f;
}

static void setup(Fixture *f, gconstpointer data)
{
    machine_up(f, data);
}

static void teardown(Fixture *f, gconstpointer data)
{
    qa_machine_destroy(f->m);
    qa_object_unref(QA_OBJECT(f->accel));
    qa_machine_config_free(f->cfg);
    g_array_unref(f->reqs);
}

static uint64_t in(Fixture *f, uint16_t port, unsigned size)
{
    uint64_t v = 0;

    qa_address_space_read(f->m->io, port, size, &v);
    return v;
}

static void out(Fixture *f, uint16_t port, unsigned size, uint64_t v)
{
    qa_address_space_write(f->m->io, port, size, v);
}

static QaObject *dev(const char *path)
{
    g_autoptr(GError) err = NULL;
    QaObject *obj = qa_object_resolve_path(path, &err);

    g_assert_no_error(err);
    return obj;
}

/* The only request posted since the last call, which must be of @kind. */
static const QaMachineRequest *one_req(Fixture *f, QaRequestKind kind)
{
    g_assert_cmpuint(f->reqs->len, ==, 1);
    g_assert_cmpstr(
        qa_request_kind_name(g_array_index(f->reqs, QaMachineRequest, 0).kind),
        ==, qa_request_kind_name(kind));
    return &g_array_index(f->reqs, QaMachineRequest, 0);
}

static void no_req(Fixture *f)
{
    g_assert_cmpuint(f->reqs->len, ==, 0);
}

static void clear_reqs(Fixture *f)
{
    g_array_set_size(f->reqs, 0);
}

static void step_ns(Fixture *f, int64_t ns)
{
    qa_qtest_clock_step(f->accel, ns);
}

/* ---- ACPI PM1 ---------------------------------------------------------- */

static void test_pm1_status_enable(Fixture *f, gconstpointer data)
{
    /* TMR_STS reads set from power-on until written with 1 (QEMU) */
    g_assert_cmphex(in(f, PM1_STS, 2), ==, 0x0001);
    g_assert_cmphex(in(f, PM1_EN, 2), ==, 0);
    g_assert_cmphex(in(f, PM1_CNT, 2), ==, 0);
    out(f, PM1_STS, 2, 0x0001);
    g_assert_cmphex(in(f, PM1_STS, 2), ==, 0);

    out(f, PM1_EN, 2, 0x0121);
    g_assert_cmphex(in(f, PM1_EN, 2), ==, 0x0121);
    /* byte access to the upper half only */
    out(f, PM1_EN + 1, 1, 0x00);
    g_assert_cmphex(in(f, PM1_EN, 2), ==, 0x0021);
    /* a dword read covers STS and EN */
    g_assert_cmphex(in(f, PM1_STS, 4), ==, 0x00210000);
    /* writing 0 to status bits changes nothing */
    out(f, PM1_EN, 2, 0x0100);
    qa_machine_powerdown(f->m);
    g_assert_cmphex(in(f, PM1_STS, 2), ==, 0x0100);
    out(f, PM1_STS, 2, 0x0000);
    g_assert_cmphex(in(f, PM1_STS, 2), ==, 0x0100);
    out(f, PM1_STS, 2, 0x0100);
    g_assert_cmphex(in(f, PM1_STS, 2), ==, 0x0000);
    /* the hole between PM1_CNT and the timer reads as unassigned */
    g_assert_cmphex(in(f, PM_BASE + 6, 2), ==, 0xffff);
    no_req(f);
}

static void test_power_button(Fixture *f, gconstpointer data)
{
    QaObject *pm = dev("/machine/pm");
    g_autofree char *sci0 = NULL, *sci1 = NULL;

    /* without PWRBTN_EN, the button leaves PM1_STS alone */
    qa_machine_powerdown(f->m);
    g_assert_cmphex(in(f, PM1_STS, 2), ==, 0x0001);
    out(f, PM1_STS, 2, 0x0001);
    sci0 = qa_object_get_str(pm, "sci-level", NULL);
    g_assert_cmpstr(sci0, ==, "false");

    out(f, PM1_EN, 2, 0x0100);
    qa_machine_powerdown(f->m);
    g_assert_cmphex(in(f, PM1_STS, 2), ==, 0x0100);
    sci1 = qa_object_get_str(pm, "sci-level", NULL);
    g_assert_cmpstr(sci1, ==, "true");
    no_req(f);
}

static void test_pm1_cnt_sleep(Fixture *f, gconstpointer data)
{
    const QaMachineRequest *r;

    /* without SLP_EN: stored only */
    out(f, PM1_CNT, 2, 0x0400);
    g_assert_cmphex(in(f, PM1_CNT, 2), ==, 0x0400);
    no_req(f);

    out(f, PM1_CNT, 2, 0x2400); /* S3 */
    r = one_req(f, QA_REQ_SUSPEND);
    g_assert_cmpstr(r->source, ==, "acpi-pm");
    g_assert_cmphex(in(f, PM1_CNT, 2), ==, 0x0400); /* SLP_EN reads 0 */
    clear_reqs(f);

    out(f, PM1_CNT, 2, 0x2000); /* S5 */
    r = one_req(f, QA_REQ_SHUTDOWN);
    g_assert_cmpint(r->cause, ==, QA_CAUSE_GUEST_SHUTDOWN);
    g_assert_false(r->hibernate);
    g_assert_false(r->pvshutdown);
    clear_reqs(f);

    out(f, PM1_CNT, 2, 0x2800); /* S4 */
    r = one_req(f, QA_REQ_SHUTDOWN);
    g_assert_cmpint(r->cause, ==, QA_CAUSE_GUEST_SHUTDOWN);
    g_assert_true(r->hibernate);
    clear_reqs(f);

    out(f, PM1_CNT, 2, 0x3400); /* SLP_TYP 5: ignored */
    out(f, PM1_CNT, 2, 0x3c00); /* SLP_TYP 7: ignored */
    no_req(f);
    g_assert_cmphex(in(f, PM1_CNT, 2), ==, 0x1c00);

    /* SLP_TYP and SLP_EN live in the high byte: a byte write acts */
    out(f, PM1_CNT + 1, 1, 0x20);
    one_req(f, QA_REQ_SHUTDOWN);
    clear_reqs(f);
    /* the low byte alone never sleeps */
    out(f, PM1_CNT, 1, 0xff);
    no_req(f);
    g_assert_cmphex(in(f, PM1_CNT, 2), ==, 0x00ff);
}

static const char *const s3_is_5[] = {"acpi-pm", "s3-val", "5", "acpi-pm",
                                      "s5-val",  "7",      NULL};

static void test_slp_typ_properties(Fixture *f, gconstpointer data)
{
    g_autofree char *s3 = qa_object_get_str(dev("/machine/pm"), "s3-val", NULL);

    g_assert_cmpstr(s3, ==, "5");
    out(f, PM1_CNT, 2, 0x2400); /* SLP_TYP 1: nothing now */
    no_req(f);
    out(f, PM1_CNT, 2, 0x3400); /* 5 = S3 */
    one_req(f, QA_REQ_SUSPEND);
    clear_reqs(f);
    out(f, PM1_CNT, 2, 0x3c00); /* 7 = S5 */
    one_req(f, QA_REQ_SHUTDOWN);
    clear_reqs(f);
    out(f, PM1_CNT, 2, 0x2000); /* 0: nothing now */
    no_req(f);
}

static void test_bad_properties(void)
{
    static const char *const bad[][3] = {
        {"acpi-pm", "s4-val", "8"},
        {"acpi-pm", "gpe0-len", "3"},
        {"acpi-pm", "gpe0-offset", "4"},
        {"pvpanic", "events", "9"},
    };

    qa_types_register_builtin();
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *path =
            g_build_filename(g_getenv("QACCEL_SOURCE_DIR"), "configs",
                             "machines", "q35-lite.conf", NULL);
        QaMachineConfig *cfg = qa_machine_config_load(path, &err);
        QaMachine *m;
        bool ok;

        g_assert_no_error(err);
        m = qa_machine_new(cfg, &err);
        g_assert_no_error(err);
        qa_machine_add_global(m, bad[i][0], bad[i][1], bad[i][2]);
        ok = qa_machine_realize(m, &err);
        if (ok) {
            /* pvpanic is not on the board: add it to see the error */
            ok = qa_machine_add_device(m, "pvpanic", NULL, NULL, &err) != NULL;
        }
        g_assert_false(ok);
        g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
        g_assert_nonnull(strstr(err->message, bad[i][1]));
        qa_machine_destroy(m);
        qa_machine_config_free(cfg);
    }
}

/* Levels driven on the "sci" GPIO line, as a string of '0'/'1'. */
static void sci_record(void *opaque, int n, int level)
{
    g_string_append_c(opaque, level ? '1' : '0');
}

static void test_sci_line(Fixture *f, gconstpointer data)
{
    QaObject *pm = dev("/machine/pm");
    g_autoptr(GString) levels = g_string_new("");
    QaIrq *line = qa_irq_new(sci_record, levels, 0);

    g_assert_cmpint(qa_gpio_count(pm, "sci", true), ==, 1);
    g_assert_true(qa_gpio_connect_out(pm, "sci", 0, line, NULL));
    out(f, PM1_STS, 2, 0x0001);
    out(f, PM1_EN, 2, 0x0100);
    qa_machine_powerdown(f->m); /* raise */
    qa_machine_powerdown(f->m); /* still raised: no edge */
    out(f, PM1_EN, 2, 0x0000);  /* lower */
    out(f, PM1_EN, 2, 0x0100);  /* raise */
    out(f, PM1_STS, 2, 0x0100); /* lower */
    out(f, GPE0_EN, 1, 0x01);
    g_assert_true(qa_acpi_pm_raise_gpe(QA_ACPI_PM(pm), 0)); /* raise */
    qa_machine_reset(f->m);                                 /* lower */
    g_assert_cmpstr(levels->str, ==, "101010");
    g_assert_true(qa_gpio_connect_out(pm, "sci", 0, NULL, NULL));
    qa_irq_free(line);
}

/* ---- PM timer ----------------------------------------------------------- */

/* the first clock value (ns) at which the timer reads @ticks */
static int64_t ns_for_ticks(uint64_t ticks)
{
    return (int64_t)((ticks * UINT64_C(1000000000) + PM_FREQ - 1) / PM_FREQ);
}

static void test_pm_timer(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(in(f, PM_TMR, 4), ==, 0);
    step_ns(f, 1000000000);
    g_assert_cmphex(in(f, PM_TMR, 4), ==, 0x369e99);
    /* byte reads see the same counter */
    g_assert_cmphex(in(f, PM_TMR, 1), ==, 0x99);
    g_assert_cmphex(in(f, PM_TMR + 2, 1), ==, 0x36);
    /* read-only: writes are ignored (and counted) */
    out(f, PM_TMR, 4, 0);
    g_assert_cmphex(in(f, PM_TMR, 4), ==, 0x369e99);
    g_assert_cmpuint(qa_machine_stats(f->m).guest_errors, >=, 1);
    /* 24 bits: wraps after 2^24 ticks */
    qa_qtest_clock_set(f->accel, ns_for_ticks(0x1000005));
    g_assert_cmphex(in(f, PM_TMR, 4), ==, 0x000005);
    no_req(f);
}

static void test_pm_timer_status(Fixture *f, gconstpointer data)
{
    /* clearing TMR_STS at t=0 arms it for bit 23 toggling */
    out(f, PM1_STS, 2, 0x0001);
    g_assert_cmphex(in(f, PM1_STS, 2), ==, 0);
    qa_qtest_clock_set(f->accel, ns_for_ticks(0x7fffff));
    g_assert_cmphex(in(f, PM_TMR, 4), ==, 0x7fffff);
    g_assert_cmphex(in(f, PM1_STS, 2), ==, 0);
    qa_qtest_clock_set(f->accel, ns_for_ticks(0x800000));
    g_assert_cmphex(in(f, PM1_STS, 2), ==, 0x0001);
    /* clear again: next toggle at 0x1000000 */
    out(f, PM1_STS, 2, 0x0001);
    qa_qtest_clock_set(f->accel, ns_for_ticks(0xffffff));
    g_assert_cmphex(in(f, PM1_STS, 2), ==, 0);
    qa_qtest_clock_set(f->accel, ns_for_ticks(0x1000000));
    g_assert_cmphex(in(f, PM1_STS, 2), ==, 0x0001);
    /* with TMR_EN the timer raises the SCI */
    out(f, PM1_EN, 2, 0x0001);
    {
        g_autofree char *sci =
            qa_object_get_str(dev("/machine/pm"), "sci-level", NULL);
        g_assert_cmpstr(sci, ==, "true");
    }
}

static void test_tick_math(void)
{
    g_assert_cmpuint(qa_acpi_pm_ticks(-5), ==, 0);
    g_assert_cmpuint(qa_acpi_pm_ticks(0), ==, 0);
    g_assert_cmpuint(qa_acpi_pm_ticks(279), ==, 0); /* 0.9987 tick */
    g_assert_cmpuint(qa_acpi_pm_ticks(280), ==, 1);
    g_assert_cmpuint(qa_acpi_pm_ticks(1000000000), ==, PM_FREQ);
    g_assert_cmpuint(qa_acpi_pm_ticks(INT64_C(3600) * 1000000000), ==,
                     UINT64_C(3600) * PM_FREQ);
    /* no overflow near the top of the range */
    g_assert_cmpuint(
        qa_acpi_pm_ticks(INT64_MAX), ==,
        (uint64_t)((unsigned __int128)INT64_MAX * PM_FREQ / 1000000000));
}

/* ---- GPE0 and SMI_CMD --------------------------------------------------- */

static void test_gpe0(Fixture *f, gconstpointer data)
{
    QaObject *pm = dev("/machine/pm");
    g_autofree char *lo = NULL, *hi = NULL;

    for (unsigned i = 0; i < 16; i++) {
        g_assert_cmphex(in(f, GPE0_STS + i, 1), ==, 0);
    }
    g_assert_cmphex(in(f, GPE0_STS + 16, 1), ==, 0xff); /* past the block */
    out(f, GPE0_EN, 1, 0x0c);
    out(f, GPE0_EN + 7, 1, 0x80);
    g_assert_cmphex(in(f, GPE0_EN, 1), ==, 0x0c);
    g_assert_cmphex(in(f, GPE0_EN + 4, 4), ==, 0x80000000);
    /* status bits are set by hardware only */
    out(f, GPE0_STS, 1, 0xff);
    g_assert_cmphex(in(f, GPE0_STS, 1), ==, 0);

    g_assert_true(qa_acpi_pm_raise_gpe(QA_ACPI_PM(pm), 2));
    g_assert_false(qa_acpi_pm_raise_gpe(QA_ACPI_PM(pm), 64));
    g_assert_cmphex(in(f, GPE0_STS, 1), ==, 0x04);
    out(f, PM1_STS, 2, 0x0001);
    hi = qa_object_get_str(pm, "sci-level", NULL);
    g_assert_cmpstr(hi, ==, "true");
    out(f, GPE0_STS, 1, 0x04); /* write 1 to clear */
    g_assert_cmphex(in(f, GPE0_STS, 1), ==, 0);
    lo = qa_object_get_str(pm, "sci-level", NULL);
    g_assert_cmpstr(lo, ==, "false");
    no_req(f);
}

static void test_smi_cmd(Fixture *f, gconstpointer data)
{
    out(f, 0xb2, 1, 0x02); /* ACPI_ENABLE */
    g_assert_cmphex(in(f, PM1_CNT, 2), ==, 0x0001);
    g_assert_cmphex(in(f, 0xb2, 1), ==, 0x02);
    out(f, 0xb3, 1, 0x5a); /* APM status: scratch */
    g_assert_cmphex(in(f, 0xb3, 1), ==, 0x5a);
    out(f, 0xb2, 1, 0x77); /* other commands: no effect */
    g_assert_cmphex(in(f, PM1_CNT, 2), ==, 0x0001);
    out(f, 0xb2, 1, 0x03); /* ACPI_DISABLE */
    g_assert_cmphex(in(f, PM1_CNT, 2), ==, 0x0000);
    no_req(f);
}

/* ---- reset and wake-up -------------------------------------------------- */

static void test_reset_and_wakeup(Fixture *f, gconstpointer data)
{
    out(f, PM1_STS, 2, 0x0001);
    out(f, PM1_EN, 2, 0x0121);
    out(f, PM1_CNT, 2, 0x0401);
    out(f, GPE0_EN, 1, 0xff);
    step_ns(f, 1000000000);
    qa_machine_reset(f->m);
    g_assert_cmphex(in(f, PM1_STS, 2), ==, 0x0001);
    g_assert_cmphex(in(f, PM1_EN, 2), ==, 0);
    g_assert_cmphex(in(f, PM1_CNT, 2), ==, 0);
    g_assert_cmphex(in(f, GPE0_EN, 1), ==, 0);
    /* the timer is free-running across resets */
    g_assert_cmphex(in(f, PM_TMR, 4), ==, 0x369e99);

    /* S3 wake-up: full reset, then WAK_STS + PWRBTN_STS ("other") */
    out(f, PM1_STS, 2, 0x0001);
    out(f, PM1_EN, 2, 0x0100);
    qa_machine_wakeup(f->m);
    g_assert_cmphex(in(f, PM1_STS, 2), ==, 0x8101);
    g_assert_cmphex(in(f, PM1_EN, 2), ==, 0);
    out(f, PM1_STS, 2, 0x8101);
    g_assert_cmphex(in(f, PM1_STS, 2), ==, 0);
    no_req(f);
}

/* ---- 0xCF9 and i8042 ---------------------------------------------------- */

static void test_reset_control(Fixture *f, gconstpointer data)
{
    static const uint8_t latch[][2] = {
        {0x02, 0x02},
        {0x0a, 0x0a},
        {0x01, 0x00},
        {0xf1, 0x00},
    };
    static const uint8_t resets[] = {0x06, 0x04, 0x0e, 0x0f};
    const QaMachineRequest *r;

    g_assert_cmphex(in(f, 0xcf9, 1), ==, 0);
    for (unsigned i = 0; i < G_N_ELEMENTS(latch); i++) {
        out(f, 0xcf9, 1, latch[i][0]);
        g_assert_cmphex(in(f, 0xcf9, 1), ==, latch[i][1]);
    }
    no_req(f);
    for (unsigned i = 0; i < G_N_ELEMENTS(resets); i++) {
        out(f, 0xcf9, 1, 0x02);
        out(f, 0xcf9, 1, resets[i]);
        r = one_req(f, QA_REQ_RESET);
        g_assert_cmpint(r->cause, ==, QA_CAUSE_GUEST_RESET);
        g_assert_cmpstr(r->source, ==, "reset-control");
        clear_reqs(f);
        qa_machine_reset(f->m);
        g_assert_cmphex(in(f, 0xcf9, 1), ==, 0);
    }
    /* a dword write to 0xCF8 (PCI CONFIG_ADDRESS) does not reach RST_CNT */
    out(f, 0xcf8, 4, 0x8000f840);
    no_req(f);
}

static void test_reset_dedup(Fixture *f, gconstpointer data)
{
    uint32_t gen = qa_machine_reset_generation(f->m);

    /* Linux: FADT reset register, then the keyboard controller */
    out(f, 0xcf9, 1, 0x06);
    out(f, 0x64, 1, 0xfe);
    out(f, 0xcf9, 1, 0x0e);
    one_req(f, QA_REQ_RESET);
    clear_reqs(f);
    qa_machine_reset(f->m);
    g_assert_cmpuint(qa_machine_reset_generation(f->m), !=, gen);
    /* a new generation resets again, whichever device asks first */
    out(f, 0x64, 1, 0xfe);
    g_assert_cmpstr(one_req(f, QA_REQ_RESET)->source, ==, "i8042");
    clear_reqs(f);
    out(f, 0xcf9, 1, 0x06);
    no_req(f);
    qa_machine_reset(f->m);
    out(f, 0xcf9, 1, 0x06);
    one_req(f, QA_REQ_RESET);
}

static void test_i8042(Fixture *f, gconstpointer data)
{
    /* status: input buffer empty, nothing to read */
    g_assert_cmphex(in(f, 0x64, 1) & 0x03, ==, 0);
    out(f, 0x64, 1, 0xaa);                            /* self test */
    g_assert_cmphex(in(f, 0x64, 1) & 0x05, ==, 0x05); /* OBF, SYS */
    g_assert_cmphex(in(f, 0x60, 1), ==, 0x55);
    g_assert_cmphex(in(f, 0x64, 1) & 0x01, ==, 0);
    out(f, 0x64, 1, 0x20); /* read command byte */
    g_assert_cmphex(in(f, 0x60, 1), ==, 0x03);
    out(f, 0x64, 1, 0x60); /* write command byte */
    out(f, 0x60, 1, 0x47);
    out(f, 0x64, 1, 0x20);
    g_assert_cmphex(in(f, 0x60, 1), ==, 0x47);
    out(f, 0x64, 1, 0xab); /* interface test */
    g_assert_cmphex(in(f, 0x60, 1), ==, 0x00);
    out(f, 0x60, 1, 0xff); /* keyboard reset */
    g_assert_cmphex(in(f, 0x60, 1), ==, 0xfa);
    g_assert_cmphex(in(f, 0x60, 1), ==, 0xaa);
    out(f, 0x64, 1, 0xd4); /* aux: identify */
    out(f, 0x60, 1, 0xf2);
    g_assert_cmphex(in(f, 0x64, 1) & 0x21, ==, 0x21); /* aux data */
    g_assert_cmphex(in(f, 0x60, 1), ==, 0xfa);
    g_assert_cmphex(in(f, 0x60, 1), ==, 0x00);
    out(f, 0x64, 1, 0xd0); /* output port */
    g_assert_cmphex(in(f, 0x60, 1) & 0x01, ==, 0x01);
    out(f, 0x64, 1, 0xd1); /* write output port, P2.0 high */
    out(f, 0x60, 1, 0x03);
    out(f, 0x64, 1, 0xff); /* pulse nothing */
    out(f, 0x64, 1, 0xc5); /* unknown: counted, ignored */
    /* an overfull output buffer drops bytes instead of growing */
    for (unsigned i = 0; i < 100; i++) {
        out(f, 0x64, 1, 0xaa);
    }
    no_req(f);

    out(f, 0x64, 1, 0xd1); /* output port with P2.0 low */
    out(f, 0x60, 1, 0x02);
    g_assert_cmpstr(one_req(f, QA_REQ_RESET)->detail, ==,
                    "i8042 output port 0x02");
    clear_reqs(f);
    qa_machine_reset(f->m);
    out(f, 0x64, 1, 0xf0); /* pulse all lines */
    one_req(f, QA_REQ_RESET);
    clear_reqs(f);
    qa_machine_reset(f->m);
    out(f, 0x64, 1, 0xfe);
    g_assert_cmpint(one_req(f, QA_REQ_RESET)->cause, ==, QA_CAUSE_GUEST_RESET);
}

/* ---- pvpanic ------------------------------------------------------------ */

static QaDevice *add_pvpanic(Fixture *f, const char *events)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GHashTable) props = g_hash_table_new(g_str_hash, g_str_equal);
    QaDevice *d;

    if (events) {
        g_hash_table_insert(props, (char *)"events", (char *)events);
    }
    d = qa_machine_add_device(f->m, "pvpanic", "pvp", props, &err);
    g_assert_no_error(err);
    return d;
}

static void test_pvpanic(Fixture *f, gconstpointer data)
{
    const QaMachineRequest *r;
    uint64_t errors;
    g_autofree char *ignored = NULL;

    g_assert_cmphex(in(f, 0x505, 1), ==, 0xff); /* not on the board */
    out(f, 0x505, 1, 1);
    no_req(f);

    add_pvpanic(f, NULL);
    g_assert_cmphex(in(f, 0x505, 1), ==, 0x07);
    out(f, 0x505, 1, 1);
    r = one_req(f, QA_REQ_PANIC);
    g_assert_cmpint(r->cause, ==, QA_CAUSE_GUEST_PANIC);
    g_assert_cmpint(r->panic.kind, ==, QA_PANIC_INFO_NONE);
    clear_reqs(f);
    out(f, 0x505, 1, 3); /* first bit only */
    one_req(f, QA_REQ_PANIC);
    clear_reqs(f);
    out(f, 0x505, 1, 2);
    one_req(f, QA_REQ_CRASHLOADED);
    clear_reqs(f);
    out(f, 0x505, 1, 4);
    r = one_req(f, QA_REQ_SHUTDOWN);
    g_assert_true(r->pvshutdown);
    g_assert_cmpint(r->cause, ==, QA_CAUSE_GUEST_SHUTDOWN);
    clear_reqs(f);
    out(f, 0x505, 1, 0);
    no_req(f);

    errors = qa_machine_stats(f->m).guest_errors;
    out(f, 0x505, 1, 0x10);
    out(f, 0x505, 1, 0x80);
    no_req(f);
    g_assert_cmpuint(qa_machine_stats(f->m).guest_errors, ==, errors + 2);
    ignored = qa_object_get_str(dev("/machine/peripheral/pvp"),
                                "ignored-writes", NULL);
    g_assert_cmpstr(ignored, ==, "2");
}

static void test_pvpanic_qemu72(Fixture *f, gconstpointer data)
{
    add_pvpanic(f, "3");
    g_assert_cmphex(in(f, 0x505, 1), ==, 0x03);
    out(f, 0x505, 1, 4); /* unknown to QEMU 7.2 */
    no_req(f);
    out(f, 0x505, 1, 6);
    one_req(f, QA_REQ_CRASHLOADED);
}

/* A config section adds pvpanic as well as -device does. */
static void test_pvpanic_config_section(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path =
        g_build_filename(g_getenv("QACCEL_SOURCE_DIR"), "configs", "machines",
                         "q35-lite.conf", NULL);
    g_autofree char *text = NULL;
    g_autofree char *with = NULL;
    QaMachineConfig *cfg;
    QaMachine *m;
    uint64_t v = 0;

    qa_types_register_builtin();
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    with = g_strconcat(text, "\n[device \"pvp\"]\ntype = pvpanic\nevents = 3\n",
                       NULL);
    cfg = qa_machine_config_parse(with, strlen(with), "q35-pvpanic.conf", &err);
    g_assert_no_error(err);
    m = qa_machine_create(cfg, &err);
    g_assert_no_error(err);
    qa_address_space_read(m->io, 0x505, 1, &v);
    g_assert_cmphex(v, ==, 0x03);
    qa_machine_destroy(m);
    qa_machine_config_free(cfg);
}

/* ---- Hyper-V crash MSRs ------------------------------------------------- */

#define HV_P0 0x40000100u
#define HV_CTL 0x40000105u

static uint64_t rdmsr(Fixture *f, uint32_t index, bool *gp)
{
    g_autoptr(GError) err = NULL;
    uint64_t v = 0;

    g_assert_true(qa_machine_rdmsr(f->m, 0, index, &v, gp, &err));
    return v;
}

static void wrmsr(Fixture *f, uint32_t index, uint64_t v, bool *gp)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(qa_machine_wrmsr(f->m, 0, index, v, gp, &err));
}

static void test_hyperv_crash(Fixture *f, gconstpointer data)
{
    const QaMachineRequest *r;
    bool gp = true;

    g_assert_cmphex(rdmsr(f, HV_CTL, &gp), ==, UINT64_C(1) << 63);
    g_assert_false(gp);
    for (unsigned i = 0; i < 5; i++) {
        wrmsr(f, HV_P0 + i, 0x1000 + i, &gp);
        g_assert_false(gp);
    }
    for (unsigned i = 0; i < 5; i++) {
        g_assert_cmphex(rdmsr(f, HV_P0 + i, &gp), ==, 0x1000 + i);
    }
    wrmsr(f, HV_CTL, 0x1234, &gp); /* no NOTIFY: nothing */
    g_assert_false(gp);
    no_req(f);
    rdmsr(f, HV_P0 + 6, &gp); /* outside the range */
    g_assert_true(gp);
    wrmsr(f, HV_P0 - 1, 0, &gp);
    g_assert_true(gp);

    wrmsr(f, HV_CTL, UINT64_C(1) << 63, &gp);
    g_assert_false(gp);
    r = one_req(f, QA_REQ_PANIC);
    g_assert_cmpint(r->cause, ==, QA_CAUSE_GUEST_PANIC);
    g_assert_cmpint(r->panic.kind, ==, QA_PANIC_INFO_HYPERV);
    for (unsigned i = 0; i < 5; i++) {
        g_assert_cmphex(r->panic.args[i], ==, 0x1000 + i);
    }
    g_assert_cmpuint(qa_machine_stats(f->m)
                         .by_type[QA_SYSEVENT_CRASH][QA_SYSEVENT_SRC_FIRMWARE],
                     ==, 1);
    /* parameters are cleared by a machine reset */
    qa_machine_reset(f->m);
    g_assert_cmphex(rdmsr(f, HV_P0, &gp), ==, 0);
}

/* ---- junk ---------------------------------------------------------------- */

/* Which device may answer a write covering [addr, addr+size). */
static bool covers(uint32_t addr, unsigned size, uint32_t port)
{
    return port >= addr && port < addr + size;
}

static void test_junk(Fixture *f, gconstpointer data)
{
    static const unsigned sizes[] = {1, 2, 4};
    GRand *rand = g_rand_new_with_seed(0x9e3779b9);
    unsigned events = 0;

    add_pvpanic(f, NULL);
    for (unsigned iter = 0; iter < 200000; iter++) {
        /* half the accesses land near the devices, half anywhere */
        static const uint16_t hot[] = {0x60,  0x64,  0xb2, 0x505,
                                       0x600, 0x620, 0xcf8};
        uint32_t addr =
            g_rand_boolean(rand)
                ? g_rand_int_range(rand, 0, 0x10000)
                : hot[g_rand_int_range(rand, 0, G_N_ELEMENTS(hot))] +
                      g_rand_int_range(rand, -4, 48);
        unsigned size = sizes[g_rand_int_range(rand, 0, 3)];
        uint64_t v = g_rand_int(rand);

        addr &= 0xffff;
        if (g_rand_int_range(rand, 0, 3) == 0) {
            in(f, (uint16_t)addr, size);
            g_assert_cmpuint(f->reqs->len, ==, 0);
            continue;
        }
        out(f, (uint16_t)addr, size, v);
        for (guint i = 0; i < f->reqs->len; i++) {
            const QaMachineRequest *r =
                &g_array_index(f->reqs, QaMachineRequest, i);
            const char *src = r->source;

            events++;
            if (g_str_equal(src, "reset-control")) {
                g_assert_true(covers(addr, size, 0xcf9));
            } else if (g_str_equal(src, "i8042")) {
                g_assert_true(covers(addr, size, 0x60) ||
                              covers(addr, size, 0x64));
            } else if (g_str_equal(src, "acpi-pm")) {
                g_assert_true(covers(addr, size, 0x605)); /* SLP_EN */
            } else if (g_str_equal(src, "pvpanic")) {
                g_assert_true(covers(addr, size, 0x505));
            } else {
                g_error("unexpected request source %s", src);
            }
            if (r->kind == QA_REQ_RESET) {
                qa_machine_reset(f->m); /* as the runstate would */
            }
        }
        clear_reqs(f);
    }
    g_test_message("%u power requests from 200000 random accesses", events);
    g_assert_cmpuint(events, >, 0);
    g_rand_free(rand);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define T(path, fn, data)                                                      \
    g_test_add("/x86/" path, Fixture, data, setup, fn, teardown)
    T("pm1/status-enable", test_pm1_status_enable, NULL);
    T("pm1/power-button", test_power_button, NULL);
    T("pm1/sci-line", test_sci_line, NULL);
    T("pm1/sleep", test_pm1_cnt_sleep, NULL);
    T("pm1/slp-typ-properties", test_slp_typ_properties, s3_is_5);
    g_test_add_func("/x86/pm1/bad-properties", test_bad_properties);
    T("pm-timer/value", test_pm_timer, NULL);
    T("pm-timer/status", test_pm_timer_status, NULL);
    g_test_add_func("/x86/pm-timer/tick-math", test_tick_math);
    T("gpe0", test_gpe0, NULL);
    T("smi-cmd", test_smi_cmd, NULL);
    T("reset-and-wakeup", test_reset_and_wakeup, NULL);
    T("reset-control", test_reset_control, NULL);
    T("reset-dedup", test_reset_dedup, NULL);
    T("i8042", test_i8042, NULL);
    T("pvpanic/events", test_pvpanic, NULL);
    T("pvpanic/qemu72", test_pvpanic_qemu72, NULL);
    g_test_add_func("/x86/pvpanic/config-section", test_pvpanic_config_section);
    T("hyperv-crash", test_hyperv_crash, NULL);
    T("junk", test_junk, NULL);
#undef T
    return g_test_run();
}
