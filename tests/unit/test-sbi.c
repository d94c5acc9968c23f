/*
 * SBI core: (a7, a6, a0..a5 in) -> (a0, a1, effect).
 */
#include <glib.h>
#include <string.h>

#include "qaccel-config.h"
#include <qaccel/config.h>
#include <qaccel/error.h>
#include <qaccel/machine.h>
#include <qaccel/sysevent.h>
#include "hw/firmware/sbi-core.h"

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE 0x08000000ULL
#define ENTRY (RAM_BASE + 0x200000)
#define NHARTS 4

typedef struct Fixture {
    QaSbiHart harts[NHARTS];
    QaSbiState s;
    QaSbiEffect eff;
    int64_t ret[2];
} Fixture;

static void fixture_init(Fixture *f)
{
    memset(f, 0, sizeof(*f));
    for (int i = 0; i < NHARTS; i++) {
        f->harts[i].hartid = i;
    }
    f->s.nharts = NHARTS;
    f->s.harts = f->harts;
    f->s.ram_base = RAM_BASE;
    f->s.ram_size = RAM_SIZE;
    f->s.impl_id = 3;
    f->s.impl_version = 0x100;
    f->s.mvendorid = 0x11;
    f->s.marchid = 0x22;
    f->s.mimpid = 0x33;
    qa_sbi_reset(&f->s);
}

/* ecall from @hart; returns a0 (error), a1 in f->ret[1]. */
static int64_t ecall(Fixture *f, unsigned hart, uint64_t eid, uint64_t fid,
                     uint64_t a0, uint64_t a1, uint64_t a2)
{
    const uint64_t args[6] = {a0, a1, a2, 0xa3, 0xa4, 0xa5};

    f->ret[0] = f->ret[1] = 0x5a5a;
    qa_sbi_call(&f->s, hart, eid, fid, args, f->ret, &f->eff);
    return f->ret[0];
}

static int64_t status(Fixture *f, unsigned caller, uint64_t hartid)
{
    g_assert_cmpint(ecall(f, caller, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_GET_STATUS,
                          hartid, 0, 0),
                    ==, 0);
    return f->ret[1];
}

static void test_base(void)
{
    static const struct {
        uint64_t fid;
        int64_t value;
    } cases[] = {
        {QA_SBI_BASE_GET_SPEC_VERSION, 0x02000000},
        {QA_SBI_BASE_GET_IMPL_ID, 3},
        {QA_SBI_BASE_GET_IMPL_VERSION, 0x100},
        {QA_SBI_BASE_GET_MVENDORID, 0x11},
        {QA_SBI_BASE_GET_MARCHID, 0x22},
        {QA_SBI_BASE_GET_MIMPID, 0x33},
    };
    Fixture f;

    fixture_init(&f);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpint(ecall(&f, 0, QA_SBI_EXT_BASE, cases[i].fid, 0, 0, 0),
                        ==, 0);
        g_assert_cmpint(f.ret[1], ==, cases[i].value);
        g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_NONE);
    }
    g_assert_cmpint(ecall(&f, 0, QA_SBI_EXT_BASE, 7, 0, 0, 0), ==,
                    QA_SBI_ERR_NOT_SUPPORTED);
    g_assert_cmpint(f.ret[1], ==, 0);
    g_assert_cmpint(ecall(&f, 0, QA_SBI_EXT_BASE, ~0ULL, 0, 0, 0), ==,
                    QA_SBI_ERR_NOT_SUPPORTED);
}

static void test_probe(void)
{
    static const struct {
        uint64_t eid;
        int64_t avail;
    } cases[] = {
        {QA_SBI_EXT_BASE, 1},
        {QA_SBI_EXT_HSM, 1},
        {QA_SBI_EXT_SRST, 1},
        {QA_SBI_EXT_DBCN, 1},
        {0x01, 1},
        {0x02, 1},
        {0x08, 1},
        {0x00, 0}, /* legacy set_timer: no timer modelled */
        {0x03, 0},
        {0x09, 0},
        {0x0F, 0},
        {0x54494D45, 0}, /* TIME */
        {0x735049, 0},   /* IPI */
        {0x52464E43, 0}, /* RFENCE */
        {0x53555350, 0}, /* SUSP */
        {0x08000000, 0},
        {0x09000000, 0},
        {0x0A000000, 0},
        {0x10000000010ULL, 0}, /* BASE with high bits set */
    };
    Fixture f;

    fixture_init(&f);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpint(ecall(&f, 0, QA_SBI_EXT_BASE,
                              QA_SBI_BASE_PROBE_EXTENSION, cases[i].eid, 0, 0),
                        ==, 0);
        g_assert_cmpint(f.ret[1], ==, cases[i].avail);
    }
}

static void test_unknown(void)
{
    static const uint64_t eids[] = {
        0x00,
        0x03,
        0x09,
        0x0F,
        0x11,
        0x54494D45,
        0x53555350,
        0x08000000,
        0x09000000,
        0x0A000000,
        0xFFFFFFFF,
        0x10000000010ULL,
        0x10000000001ULL,
    };
    Fixture f;

    fixture_init(&f);
    for (size_t i = 0; i < G_N_ELEMENTS(eids); i++) {
        g_assert_cmpint(ecall(&f, 0, eids[i], 0, 0x41, 0, 0), ==,
                        QA_SBI_ERR_NOT_SUPPORTED);
        g_assert_cmpint(f.ret[1], ==, 0);
        g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_NONE);
    }
    /* unknown functions of known extensions */
    g_assert_cmpint(ecall(&f, 0, QA_SBI_EXT_HSM, 9, 0, 0, 0), ==,
                    QA_SBI_ERR_NOT_SUPPORTED);
    g_assert_cmpint(ecall(&f, 0, QA_SBI_EXT_SRST, 1, 0, 0, 0), ==,
                    QA_SBI_ERR_NOT_SUPPORTED);
    g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_NONE);
    g_assert_cmpint(ecall(&f, 0, QA_SBI_EXT_DBCN, 3, 0, 0, 0), ==,
                    QA_SBI_ERR_NOT_SUPPORTED);
    /* a hart index past the table */
    g_assert_cmpint(ecall(&f, NHARTS, QA_SBI_EXT_BASE, 0, 0, 0, 0), ==,
                    QA_SBI_ERR_NOT_SUPPORTED);
}

static void test_hsm_state_machine(void)
{
    Fixture f;

    fixture_init(&f);
    g_assert_cmpint(status(&f, 0, 0), ==, QA_SBI_HART_STARTED);
    for (int i = 1; i < NHARTS; i++) {
        g_assert_cmpint(status(&f, 0, i), ==, QA_SBI_HART_STOPPED);
    }

    g_assert_cmpint(ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_START, 2,
                          ENTRY, 0xfeedface12345678ULL),
                    ==, 0);
    g_assert_cmpint(f.ret[1], ==, 0);
    g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_HART_START);
    g_assert_cmpint(f.eff.target, ==, 2);
    g_assert_cmpuint(f.eff.addr, ==, ENTRY);
    g_assert_cmpuint(f.eff.opaque, ==, 0xfeedface12345678ULL);
    g_assert_cmpint(status(&f, 0, 2), ==, QA_SBI_HART_START_PENDING);

    /* a start of a hart in transition: INVALID_PARAM (OpenSBI) */
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_START, 2, ENTRY, 0), ==,
        QA_SBI_ERR_INVALID_PARAM);

    /* the hart's first ecall: it runs */
    g_assert_cmpint(status(&f, 2, 2), ==, QA_SBI_HART_STARTED);
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_START, 2, ENTRY, 0), ==,
        QA_SBI_ERR_ALREADY_AVAILABLE);
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_START, 0, ENTRY, 0), ==,
        QA_SBI_ERR_ALREADY_AVAILABLE);
    g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_NONE);

    /* hart 2 stops itself */
    g_assert_cmpint(ecall(&f, 2, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_STOP, 0, 0, 0),
                    ==, 0);
    g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_HART_STOP);
    g_assert_cmpint(f.eff.target, ==, 2);
    g_assert_cmpint(status(&f, 0, 2), ==, QA_SBI_HART_STOPPED);

    /* a stopped hart cannot call */
    g_assert_cmpint(ecall(&f, 2, QA_SBI_EXT_BASE, 0, 0, 0, 0), ==,
                    QA_SBI_ERR_DENIED);
    g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_CALLER_STOPPED);
    g_assert_cmpint(status(&f, 0, 2), ==, QA_SBI_HART_STOPPED);

    /* and can be started again, by any started hart */
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_START, 3, ENTRY, 1), ==,
        0);
    qa_sbi_hart_running(&f.s, 3);
    g_assert_cmpint(
        ecall(&f, 3, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_START, 2, ENTRY, 2), ==,
        0);
    g_assert_cmpint(status(&f, 3, 2), ==, QA_SBI_HART_START_PENDING);

    /* hart 0 may stop too; others go on */
    g_assert_cmpint(ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_STOP, 0, 0, 0),
                    ==, 0);
    g_assert_cmpint(status(&f, 3, 0), ==, QA_SBI_HART_STOPPED);

    qa_sbi_reset(&f.s);
    g_assert_cmpint(status(&f, 0, 0), ==, QA_SBI_HART_STARTED);
    g_assert_cmpint(status(&f, 0, 3), ==, QA_SBI_HART_STOPPED);
}

static void test_hsm_errors(void)
{
    Fixture f;

    fixture_init(&f);
    /* bad hart ids */
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_START, 99, ENTRY, 0), ==,
        QA_SBI_ERR_INVALID_PARAM);
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_START, ~0ULL, ENTRY, 0),
        ==, QA_SBI_ERR_INVALID_PARAM);
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_GET_STATUS, 99, 0, 0), ==,
        QA_SBI_ERR_INVALID_PARAM);
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_GET_STATUS, ~0ULL, 0, 0),
        ==, QA_SBI_ERR_INVALID_PARAM);
    g_assert_cmpint(ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_GET_STATUS,
                          0x100000001ULL, 0, 0),
                    ==, QA_SBI_ERR_INVALID_PARAM);
    /* start addresses outside RAM; the hart stays stopped */
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_START, 1, 0x1000, 0), ==,
        QA_SBI_ERR_INVALID_ADDRESS);
    g_assert_cmpint(ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_START, 1,
                          RAM_BASE + RAM_SIZE, 0),
                    ==, QA_SBI_ERR_INVALID_ADDRESS);
    g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_NONE);
    g_assert_cmpint(status(&f, 0, 1), ==, QA_SBI_HART_STOPPED);
    /* OpenSBI checks the address before the state */
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_START, 0, 0x1000, 0), ==,
        QA_SBI_ERR_INVALID_ADDRESS);
}

static void test_hsm_suspend(void)
{
    static const uint64_t bad[] = {
        0x1,        0x12345,    0x0FFFFFFF, 0x10000000, 0x7FFFFFFF,
        0x80000001, 0x8FFFFFFF, 0x90000000, 0xFFFFFFFF,
    };
    Fixture f;

    fixture_init(&f);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_cmpint(ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_SUSPEND,
                              bad[i], ENTRY, 0),
                        ==, QA_SBI_ERR_INVALID_PARAM);
        g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_NONE);
    }
    /* retentive: returns success after the wake-up */
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_SUSPEND, 0, 0, 0), ==, 0);
    g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_HART_SUSPEND);
    g_assert_cmpuint(f.eff.suspend_type, ==, 0);
    g_assert_cmpint(f.eff.target, ==, 0);
    g_assert_cmpint(f.harts[0].state, ==, QA_SBI_HART_SUSPENDED);

    /* others see it suspended until it runs again */
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_START, 1, ENTRY, 0), ==,
        0);
    g_assert_cmpint(f.harts[0].state, ==, QA_SBI_HART_STARTED);
    g_assert_cmpint(ecall(&f, 1, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_SUSPEND,
                          0x100000000ULL, 0, 0),
                    ==, 0); /* low 32 bits: 0 */
    g_assert_cmpint(status(&f, 0, 1), ==, QA_SBI_HART_SUSPENDED);
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_START, 1, ENTRY, 0), ==,
        QA_SBI_ERR_ALREADY_AVAILABLE);
    qa_sbi_hart_running(&f.s, 1);
    g_assert_cmpint(status(&f, 0, 1), ==, QA_SBI_HART_STARTED);

    /* non-retentive: resume address must be in RAM */
    g_assert_cmpint(ecall(&f, 1, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_SUSPEND,
                          0x80000000, 0x10, 0),
                    ==, QA_SBI_ERR_INVALID_ADDRESS);
    g_assert_cmpint(f.harts[1].state, ==, QA_SBI_HART_STARTED);
    g_assert_cmpint(ecall(&f, 1, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_SUSPEND,
                          0x80000000, ENTRY, 0x77),
                    ==, 0);
    g_assert_cmpuint(f.eff.suspend_type, ==, 0x80000000);
    g_assert_cmpuint(f.eff.addr, ==, ENTRY);
    g_assert_cmpuint(f.eff.opaque, ==, 0x77);
    g_assert_cmpint(status(&f, 0, 1), ==, QA_SBI_HART_SUSPENDED);
}

static void assert_event(Fixture *f, uint32_t type, uint64_t data0)
{
    g_assert_cmpint(f->eff.kind, ==, QA_SBI_EFFECT_SYSTEM_EVENT);
    g_assert_cmpuint(f->eff.ev.type, ==, type);
    g_assert_cmpuint(f->eff.ev.ndata, ==, 1);
    g_assert_cmpuint(f->eff.ev.raw_ndata, ==, 1);
    g_assert_cmpuint(f->eff.ev.data[0], ==, data0);
    g_assert_true(f->eff.ev.data_valid);
    g_assert_cmpint(f->eff.ev.source, ==, QA_SYSEVENT_SRC_FIRMWARE);
    g_assert_false(f->eff.regs.has_arm64_x1_x2);
    for (int i = 0; i < NHARTS; i++) {
        g_assert_cmpint(f->harts[i].state, ==, QA_SBI_HART_STOPPED);
    }
}

static void test_srst(void)
{
    static const struct {
        uint64_t type, reason;
        uint32_t ev_type;
    } ok[] = {
        {0, 0, QA_SYSEVENT_SHUTDOWN},
        {0, 1, QA_SYSEVENT_SHUTDOWN},
        {1, 0, QA_SYSEVENT_RESET},
        {1, 1, QA_SYSEVENT_RESET},
        {2, 0, QA_SYSEVENT_RESET},
        {2, 1, QA_SYSEVENT_RESET},
        /* 32-bit parameters: the upper halves are ignored */
        {0x100000002ULL, 0x100000001ULL, QA_SYSEVENT_RESET},
    };
    static const struct {
        uint64_t type, reason;
    } bad[] = {
        {3, 0}, {0x12345, 0}, {0xEFFFFFFF, 0}, {0xF0000000, 0}, {0xFFFFFFFF, 0},
        {0, 2}, {1, 0x12345}, {2, 0xE0000000}, {0, 0xF0000000}, {0, 0xFFFFFFFF},
    };
    Fixture f;

    for (size_t i = 0; i < G_N_ELEMENTS(ok); i++) {
        fixture_init(&f);
        g_test_message("ok case %zu", i);
        ecall(&f, 0, QA_SBI_EXT_SRST, 0, ok[i].type, ok[i].reason, 0);
        assert_event(&f, ok[i].ev_type, (uint32_t)ok[i].reason);
        g_assert_true(f.eff.regs.has_riscv_a0);
        g_assert_cmpuint(f.eff.regs.a0, ==, (uint32_t)ok[i].type);
        /* registers are left as the guest set them */
        g_assert_cmpint(f.ret[0], ==, (int64_t)ok[i].type);
        g_assert_cmpint(f.ret[1], ==, (int64_t)ok[i].reason);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        fixture_init(&f);
        g_test_message("bad case %zu", i);
        g_assert_cmpint(
            ecall(&f, 0, QA_SBI_EXT_SRST, 0, bad[i].type, bad[i].reason, 0), ==,
            QA_SBI_ERR_INVALID_PARAM);
        g_assert_cmpint(f.ret[1], ==, 0);
        g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_NONE);
        g_assert_cmpint(f.harts[0].state, ==, QA_SBI_HART_STARTED);
    }
    /* from a secondary hart */
    fixture_init(&f);
    ecall(&f, 0, QA_SBI_EXT_HSM, QA_SBI_HSM_HART_START, 3, ENTRY, 0);
    ecall(&f, 3, QA_SBI_EXT_SRST, 0, 1, 1, 0);
    assert_event(&f, QA_SYSEVENT_RESET, 1);
}

static void test_legacy(void)
{
    Fixture f;

    fixture_init(&f);
    g_assert_cmpint(ecall(&f, 0, 0x01, 0xdead, 'x' | 0x100, 0x77, 0), ==, 0);
    g_assert_cmpint(f.ret[1], ==, 0x77); /* a1 preserved */
    g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_CONSOLE_BYTE);
    g_assert_cmpuint(f.eff.byte, ==, 'x');
    g_assert_cmpint(ecall(&f, 0, 0x02, 0, 0, 0x66, 0), ==, -1);
    g_assert_cmpint(f.ret[1], ==, 0x66);
    g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_NONE);

    ecall(&f, 0, 0x08, 0x1234, 5, 6, 0);
    assert_event(&f, QA_SYSEVENT_SHUTDOWN, 0);
    g_assert_false(f.eff.regs.has_riscv_a0);
    g_assert_cmpint(f.ret[0], ==, 5);
    g_assert_cmpint(f.ret[1], ==, 6);
}

static void test_dbcn(void)
{
    Fixture f;

    fixture_init(&f);
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_DBCN, QA_SBI_DBCN_WRITE, 12, ENTRY, 0), ==, 0);
    g_assert_cmpint(f.ret[1], ==, 12);
    g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_CONSOLE_WRITE);
    g_assert_cmpuint(f.eff.addr, ==, ENTRY);
    g_assert_cmpuint(f.eff.len, ==, 12);

    /* long writes are cut; the count tells the guest */
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_DBCN, QA_SBI_DBCN_WRITE, 100000, RAM_BASE, 0),
        ==, 0);
    g_assert_cmpint(f.ret[1], ==, QA_SBI_DBCN_MAX_WRITE);
    g_assert_cmpuint(f.eff.len, ==, QA_SBI_DBCN_MAX_WRITE);

    /* the last byte of RAM, and no further */
    g_assert_cmpint(ecall(&f, 0, QA_SBI_EXT_DBCN, QA_SBI_DBCN_WRITE, 1,
                          RAM_BASE + RAM_SIZE - 1, 0),
                    ==, 0);
    g_assert_cmpint(ecall(&f, 0, QA_SBI_EXT_DBCN, QA_SBI_DBCN_WRITE, 2,
                          RAM_BASE + RAM_SIZE - 1, 0),
                    ==, QA_SBI_ERR_INVALID_PARAM);
    g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_NONE);
    g_assert_cmpint(ecall(&f, 0, QA_SBI_EXT_DBCN, QA_SBI_DBCN_WRITE, ~0ULL,
                          RAM_BASE + 8, 0),
                    ==, QA_SBI_ERR_INVALID_PARAM);
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_DBCN, QA_SBI_DBCN_WRITE, 4, 0x1000, 0), ==,
        QA_SBI_ERR_INVALID_PARAM);
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_DBCN, QA_SBI_DBCN_WRITE, 4, ENTRY, 1), ==,
        QA_SBI_ERR_INVALID_PARAM);
    g_assert_cmpint(f.ret[1], ==, 0);

    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_DBCN, QA_SBI_DBCN_READ, 16, ENTRY, 0), ==, 0);
    g_assert_cmpint(f.ret[1], ==, 0);
    g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_NONE);
    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_DBCN, QA_SBI_DBCN_READ, 16, 0x10, 0), ==,
        QA_SBI_ERR_INVALID_PARAM);

    g_assert_cmpint(
        ecall(&f, 0, QA_SBI_EXT_DBCN, QA_SBI_DBCN_WRITE_BYTE, 0x141, 0, 0), ==,
        0);
    g_assert_cmpint(f.eff.kind, ==, QA_SBI_EFFECT_CONSOLE_BYTE);
    g_assert_cmpuint(f.eff.byte, ==, 'A');
}

/* ---- the sbi device on the virt-riscv64 board --------------------------- */

typedef struct Board {
    QaMachineConfig *cfg;
    QaMachine *m;
    GPtrArray *reqs; /* QaMachineRequest * posted */
    GString *console;
} Board;

static void sink_post(void *opaque, const QaMachineRequest *req)
{
    g_ptr_array_add(opaque, g_memdup2(req, sizeof(*req)));
}

static void console_write(void *opaque, const char *buf, size_t len)
{
    g_string_append_len(opaque, buf, (gssize)len);
}

static void board_new(Board *b, const char *cpus)
{
    const char *src = g_getenv("QACCEL_SOURCE_DIR");
    g_autofree char *path = g_strdup_printf(
        "%s/configs/machines/virt-riscv64.conf", src ? src : QACCEL_SOURCE_DIR);
    g_autoptr(GError) err = NULL;

    b->cfg = qa_machine_config_load(path, &err);
    g_assert_no_error(err);
    b->m = qa_machine_new(b->cfg, &err);
    g_assert_no_error(err);
    g_assert_true(qa_object_set_str(QA_OBJECT(b->m), "cpus", cpus, &err));
    g_assert_true(qa_machine_realize(b->m, &err));
    b->reqs = g_ptr_array_new_with_free_func(g_free);
    b->console = g_string_new(NULL);
    b->m->sink.post = sink_post;
    b->m->sink.opaque = b->reqs;
    b->m->console.write = console_write;
    b->m->console.opaque = b->console;
    qa_machine_reset(b->m);
}

static void board_free(Board *b)
{
    qa_machine_destroy(b->m);
    qa_machine_config_free(b->cfg);
    g_ptr_array_unref(b->reqs);
    g_string_free(b->console, true);
}

static int64_t dev_ecall(Board *b, int cpu, uint64_t eid, uint64_t fid,
                         uint64_t a0, uint64_t a1, uint64_t a2, int64_t *a1out)
{
    const uint64_t args[6] = {a0, a1, a2};
    g_autoptr(GError) err = NULL;
    int64_t ret[2];

    g_assert_true(qa_machine_sbi_call(b->m, cpu, eid, fid, args, ret, &err));
    g_assert_no_error(err);
    if (a1out) {
        *a1out = ret[1];
    }
    return ret[0];
}

static void assert_harts(Board *b, const char *expect)
{
    g_autofree char *s = qa_object_get_str(
        qa_object_resolve_path("/machine/sbi", NULL), "hart-states", NULL);

    g_assert_cmpstr(s, ==, expect);
}

static void test_device_console(void)
{
    int64_t val;
    Board b;

    board_new(&b, "1");
    g_assert_cmpint(dev_ecall(&b, 0, 0x01, 0, 'o', 0, 0, NULL), ==, 0);
    g_assert_cmpint(dev_ecall(&b, 0, 0x01, 0, 'k', 0, 0, NULL), ==, 0);
    g_assert_cmpint(dev_ecall(&b, 0, QA_SBI_EXT_DBCN, QA_SBI_DBCN_WRITE_BYTE,
                              ' ', 0, 0, NULL),
                    ==, 0);
    memcpy(b.m->ram + 0x1000, "from RAM\n", 9);
    g_assert_cmpint(dev_ecall(&b, 0, QA_SBI_EXT_DBCN, QA_SBI_DBCN_WRITE, 9,
                              b.m->ram_base + 0x1000, 0, &val),
                    ==, 0);
    g_assert_cmpint(val, ==, 9);
    g_assert_cmpstr(b.console->str, ==, "ok from RAM\n");
    /* the buffer must lie in the board's RAM */
    g_assert_cmpint(dev_ecall(&b, 0, QA_SBI_EXT_DBCN, QA_SBI_DBCN_WRITE, 2,
                              b.m->ram_base + b.m->ram_size - 1, 0, NULL),
                    ==, QA_SBI_ERR_INVALID_PARAM);
    g_assert_cmpstr(b.console->str, ==, "ok from RAM\n");
    /* BASE: KVM's implementation id, qaccel's version */
    g_assert_cmpint(dev_ecall(&b, 0, QA_SBI_EXT_BASE, 1, 0, 0, 0, &val), ==, 0);
    g_assert_cmpint(val, ==, 3);
    g_assert_cmpint(dev_ecall(&b, 0, QA_SBI_EXT_BASE, 2, 0, 0, 0, &val), ==, 0);
    g_assert_cmpint(val, !=, 0);
    board_free(&b);
}

static void test_device_hsm_srst(void)
{
    const QaMachineRequest *req;
    QaSysEventStats st;
    int64_t val;
    Board b;

    board_new(&b, "3");
    assert_harts(&b, "started,stopped,stopped");
    g_assert_cmpint(dev_ecall(&b, 0, QA_SBI_EXT_HSM, 0, 2, 0x80200000, 5, NULL),
                    ==, 0);
    assert_harts(&b, "started,stopped,start-pending");
    g_assert_cmpint(dev_ecall(&b, 0, QA_SBI_EXT_HSM, 0, 1, 0x1000, 5, NULL), ==,
                    QA_SBI_ERR_INVALID_ADDRESS);
    g_assert_cmpint(dev_ecall(&b, 2, QA_SBI_EXT_HSM, 2, 2, 0, 0, &val), ==, 0);
    g_assert_cmpint(val, ==, QA_SBI_HART_STARTED);
    /* a stopped hart calling is a guest error */
    st = qa_machine_stats(b.m);
    g_assert_cmpint(dev_ecall(&b, 1, QA_SBI_EXT_BASE, 0, 0, 0, 0, NULL), ==,
                    QA_SBI_ERR_DENIED);
    g_assert_cmpuint(qa_machine_stats(b.m).guest_errors, ==,
                     st.guest_errors + 1);
    g_assert_cmpuint(b.reqs->len, ==, 0);

    /* warm reboot for a system failure, from hart 2 */
    dev_ecall(&b, 2, QA_SBI_EXT_SRST, 0, 2, 1, 0, NULL);
    req = g_ptr_array_index(b.reqs, 0);
    g_assert_cmpint(req->kind, ==, QA_REQ_RESET);
    g_assert_cmpint(req->cause, ==, QA_CAUSE_GUEST_RESET);
    g_assert_cmpint(req->reset_kind, ==, QA_RESET_WARM);
    g_assert_true(req->has_srst);
    g_assert_cmpuint(req->srst_reason, ==, 1);
    g_assert_cmpint(req->cpu, ==, 2);
    assert_harts(&b, "stopped,stopped,stopped");
    qa_machine_reset(b.m);
    assert_harts(&b, "started,stopped,stopped");

    dev_ecall(&b, 0, QA_SBI_EXT_SRST, 0, 1, 0, 0, NULL);
    req = g_ptr_array_index(b.reqs, 1);
    g_assert_cmpint(req->kind, ==, QA_REQ_RESET);
    g_assert_cmpint(req->reset_kind, ==, QA_RESET_COLD);
    qa_machine_reset(b.m);

    dev_ecall(&b, 0, QA_SBI_EXT_SRST, 0, 0, 0, 0, NULL);
    req = g_ptr_array_index(b.reqs, 2);
    g_assert_cmpint(req->kind, ==, QA_REQ_SHUTDOWN);
    g_assert_cmpint(req->cause, ==, QA_CAUSE_GUEST_SHUTDOWN);
    g_assert_cmpuint(req->srst_reason, ==, 0);
    qa_machine_reset(b.m);

    dev_ecall(&b, 0, 0x08, 0, 0, 0, 0, NULL);
    req = g_ptr_array_index(b.reqs, 3);
    g_assert_cmpint(req->kind, ==, QA_REQ_SHUTDOWN);
    st = qa_machine_stats(b.m);
    g_assert_cmpuint(st.by_type[QA_SYSEVENT_SHUTDOWN][QA_SYSEVENT_SRC_FIRMWARE],
                     ==, 2);
    g_assert_cmpuint(st.by_type[QA_SYSEVENT_RESET][QA_SYSEVENT_SRC_FIRMWARE],
                     ==, 2);
    board_free(&b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sbi/base", test_base);
    g_test_add_func("/sbi/probe", test_probe);
    g_test_add_func("/sbi/unknown", test_unknown);
    g_test_add_func("/sbi/hsm/state-machine", test_hsm_state_machine);
    g_test_add_func("/sbi/hsm/errors", test_hsm_errors);
    g_test_add_func("/sbi/hsm/suspend", test_hsm_suspend);
    g_test_add_func("/sbi/srst", test_srst);
    g_test_add_func("/sbi/legacy", test_legacy);
    g_test_add_func("/sbi/dbcn", test_dbcn);
    qa_types_register_builtin();
    g_test_add_func("/sbi/device/console", test_device_console);
    g_test_add_func("/sbi/device/hsm-srst", test_device_hsm_srst);
    return g_test_run();
}
