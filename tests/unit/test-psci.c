/*
 * PSCI/SMCCC core: (registers in) -> (registers out, effect).
 */
#include <glib.h>
#include <string.h>

#include "qaccel-config.h"
#include <qaccel/config.h>
#include <qaccel/error.h>
#include <qaccel/machine.h>
#include <qaccel/sysevent.h>
#include "hw/firmware/psci-core.h"

#define RAM_BASE 0x40000000ULL
#define RAM_SIZE 0x08000000ULL
#define ENTRY (RAM_BASE + 0x1000)
#define NCPUS 4

/* Two clusters of two, as a board with cluster size 2 would number them. */
static const uint64_t mpidrs[NCPUS] = {0x0, 0x1, 0x100, 0x101};

typedef struct Fixture {
    QaPsciCpu cpus[NCPUS];
    QaPsciState s;
    QaPsciEffect eff;
    uint64_t regs[18];
} Fixture;

static void fixture_init(Fixture *f, QaPsciVersion v)
{
    memset(f, 0, sizeof(*f));
    for (int i = 0; i < NCPUS; i++) {
        f->cpus[i].mpidr = mpidrs[i];
    }
    f->s.version = v;
    f->s.ncpus = NCPUS;
    f->s.cpus = f->cpus;
    f->s.ram_base = RAM_BASE;
    f->s.ram_size = RAM_SIZE;
    qa_psci_reset(&f->s);
}

/* Make a call from @cpu; returns x0 as a signed value. */
static int64_t call(Fixture *f, unsigned cpu, uint64_t id, uint64_t x1,
                    uint64_t x2, uint64_t x3)
{
    memset(f->regs, 0xa5, sizeof(f->regs));
    f->regs[0] = id;
    f->regs[1] = x1;
    f->regs[2] = x2;
    f->regs[3] = x3;
    g_assert_true(qa_psci_call(&f->s, cpu, f->regs, &f->eff));
    return (int64_t)f->regs[0];
}

static void assert_returned(Fixture *f)
{
    g_assert_cmpuint(f->regs[1], ==, 0);
    g_assert_cmpuint(f->regs[2], ==, 0);
    g_assert_cmpuint(f->regs[3], ==, 0);
    /* registers above x3 are not results */
    g_assert_cmpuint(f->regs[4], ==, 0xa5a5a5a5a5a5a5a5ULL);
}

static void test_version(void)
{
    static const uint32_t expect[] = {0x2, 0x10000, 0x10001, 0x10003};
    Fixture f;

    for (QaPsciVersion v = 0; v < QA_PSCI_VERSION__MAX; v++) {
        fixture_init(&f, v);
        g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(0), 0, 0, 0), ==, expect[v]);
        assert_returned(&f);
        g_assert_cmpint(f.eff.kind, ==, QA_PSCI_EFFECT_NONE);
        /* the SMCCC ignores the upper half of x0 */
        g_assert_cmpint(
            call(&f, 0, 0xFFFFFFFF00000000ULL | QA_PSCI_FN32(0), 0, 0, 0), ==,
            expect[v]);
    }
    g_assert_cmpstr(qa_psci_version_name(QA_PSCI_VERSION_1_3), ==, "1.3");
    g_assert_null(qa_psci_version_name(QA_PSCI_VERSION__MAX));
}

static void test_smccc_arch(void)
{
    Fixture f;

    fixture_init(&f, QA_PSCI_VERSION_1_3);
    g_assert_cmpint(call(&f, 0, QA_SMCCC_VERSION_FN, 0, 0, 0), ==, 0x10001);
    assert_returned(&f);
    g_assert_cmpint(
        call(&f, 0, QA_SMCCC_ARCH_FEATURES_FN, QA_SMCCC_VERSION_FN, 0, 0), ==,
        0);
    g_assert_cmpint(
        call(&f, 0, QA_SMCCC_ARCH_FEATURES_FN, QA_SMCCC_ARCH_FEATURES_FN, 0, 0),
        ==, 0);
    /* ARCH_WORKAROUND_1, SOC_ID, a PSCI id: not through this call */
    g_assert_cmpint(call(&f, 0, QA_SMCCC_ARCH_FEATURES_FN, 0x80008000, 0, 0),
                    ==, QA_PSCI_RET_NOT_SUPPORTED);
    g_assert_cmpint(call(&f, 0, QA_SMCCC_ARCH_FEATURES_FN, 0x80000002, 0, 0),
                    ==, QA_PSCI_RET_NOT_SUPPORTED);
    g_assert_cmpint(
        call(&f, 0, QA_SMCCC_ARCH_FEATURES_FN, QA_PSCI_FN32(0), 0, 0), ==,
        QA_PSCI_RET_NOT_SUPPORTED);
    g_assert_cmpint(call(&f, 0, 0x80000002, 0, 0, 0), ==,
                    QA_PSCI_RET_NOT_SUPPORTED);
    g_assert_cmpint(call(&f, 0, 0x80008000, 0, 0, 0), ==,
                    QA_PSCI_RET_NOT_SUPPORTED);
}

static void test_unknown_ids(void)
{
    /* owned by PSCI / arch but not implemented: answered -1 */
    static const uint32_t owned[] = {
        0x8400FF00,
        0xC400FF00,
        0x84000005,
        0xC4000005,
        0x84000007,
        0xC4000007,
        0x8400000B,
        0x8400000C,
        0x8400000D,
        0x8400000F,
        0x84000010,
        0x84000011,
        0x84000013,
        0x84000014,
        0x84000016,
        /* 64-bit forms of 32-bit-only functions */
        0xC4000000,
        0xC4000002,
        0xC4000006,
        0xC4000008,
        0xC4000009,
        0xC400000A,
        /* reserved bits 23:16 set */
        0x84010000,
        0x84800003,
    };
    /* other owners and yielding calls are not PSCI's */
    static const uint64_t foreign[] = {
        0x0,
        0xFFFFFFFF,
        0x86000000,
        0xC6000000,
        0x04000000,
        0x44000003,
        0x82000000,
        0xB0000000,
        /* the PSCI 0.1 ids QEMU keeps (owner 21): the machine refuses */
        0x95C1BA5E,
        0x95C1BA60,
    };
    Fixture f;

    fixture_init(&f, QA_PSCI_VERSION_1_3);
    for (size_t i = 0; i < G_N_ELEMENTS(owned); i++) {
        g_test_message("id 0x%08x", owned[i]);
        g_assert_cmpint(call(&f, 0, owned[i], 0, 0, 0), ==,
                        QA_PSCI_RET_NOT_SUPPORTED);
        assert_returned(&f);
        g_assert_cmpint(f.eff.kind, ==, QA_PSCI_EFFECT_NONE);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(foreign); i++) {
        memset(f.regs, 0, sizeof(f.regs));
        f.regs[0] = foreign[i];
        f.regs[1] = 7;
        g_assert_false(qa_psci_call(&f.s, 0, f.regs, &f.eff));
        g_assert_cmpuint(f.regs[0], ==, foreign[i]);
        g_assert_cmpuint(f.regs[1], ==, 7);
    }
    /* an index past the vCPU table is not a PSCI caller either */
    f.regs[0] = QA_PSCI_FN32(0);
    g_assert_false(qa_psci_call(&f.s, NCPUS, f.regs, &f.eff));
}

/* Functions missing from a version answer NOT_SUPPORTED. */
static void test_version_gating(void)
{
    static const struct {
        QaPsciVersion v;
        uint32_t id;
        uint64_t x1;
    } missing[] = {
        {QA_PSCI_VERSION_0_2, QA_PSCI_FN32(10), QA_PSCI_FN32(0)},
        {QA_PSCI_VERSION_0_2, QA_PSCI_FN32(14), ENTRY},
        {QA_PSCI_VERSION_0_2, QA_PSCI_FN64(14), ENTRY},
        {QA_PSCI_VERSION_0_2, QA_PSCI_FN32(18), 0},
        {QA_PSCI_VERSION_1_0, QA_PSCI_FN32(18), 0},
        {QA_PSCI_VERSION_1_0, QA_PSCI_FN64(18), 0},
        {QA_PSCI_VERSION_1_0, QA_PSCI_FN32(21), 1},
        {QA_PSCI_VERSION_1_1, QA_PSCI_FN32(21), 1},
        {QA_PSCI_VERSION_1_1, QA_PSCI_FN64(21), 1},
    };
    Fixture f;

    for (size_t i = 0; i < G_N_ELEMENTS(missing); i++) {
        fixture_init(&f, missing[i].v);
        g_assert_cmpint(call(&f, 0, missing[i].id, missing[i].x1, 0, 0), ==,
                        QA_PSCI_RET_NOT_SUPPORTED);
        g_assert_cmpint(f.eff.kind, ==, QA_PSCI_EFFECT_NONE);
        assert_returned(&f);
    }
}

static void test_features(void)
{
    static const uint32_t base[] = {
        QA_PSCI_FN32(0),  QA_PSCI_FN32(1),  QA_PSCI_FN64(1),
        QA_PSCI_FN32(2),  QA_PSCI_FN32(3),  QA_PSCI_FN64(3),
        QA_PSCI_FN32(4),  QA_PSCI_FN64(4),  QA_PSCI_FN32(6),
        QA_PSCI_FN32(8),  QA_PSCI_FN32(9),  QA_PSCI_FN32(10),
        QA_PSCI_FN32(14), QA_PSCI_FN64(14), QA_SMCCC_VERSION_FN,
    };
    static const uint32_t never[] = {
        QA_PSCI_FN32(5),  QA_PSCI_FN64(5),           QA_PSCI_FN32(7),
        QA_PSCI_FN64(7),  QA_PSCI_FN32(11),          QA_PSCI_FN32(12),
        QA_PSCI_FN32(15), QA_PSCI_FN32(19),          QA_PSCI_FN64(0),
        QA_PSCI_FN64(10), QA_SMCCC_ARCH_FEATURES_FN, 0x95C1BA5E,
        0x8400FF00,
    };
    Fixture f;

    for (QaPsciVersion v = QA_PSCI_VERSION_1_0; v < QA_PSCI_VERSION__MAX; v++) {
        int64_t reset2 = v >= QA_PSCI_VERSION_1_1 ? 0 : -1;
        int64_t off2 = v >= QA_PSCI_VERSION_1_3 ? 1 : -1;

        fixture_init(&f, v);
        for (size_t i = 0; i < G_N_ELEMENTS(base); i++) {
            g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(10), base[i], 0, 0), ==,
                            0);
            assert_returned(&f);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(never); i++) {
            g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(10), never[i], 0, 0), ==,
                            QA_PSCI_RET_NOT_SUPPORTED);
        }
        g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(10), QA_PSCI_FN32(18), 0, 0),
                        ==, reset2);
        g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(10), QA_PSCI_FN64(18), 0, 0),
                        ==, reset2);
        g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(10), QA_PSCI_FN32(21), 0, 0),
                        ==, off2);
        g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(10), QA_PSCI_FN64(21), 0, 0),
                        ==, off2);
        /* PSCI_FEATURES is SMC32: the argument is taken as 32 bits (KVM) */
        g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(10),
                             0xFFFFFFFF00000000ULL | QA_PSCI_FN32(0), 0, 0),
                        ==, 0);
    }
    fixture_init(&f, QA_PSCI_VERSION_0_2);
    g_assert_cmpint(qa_psci_features(&f.s, QA_PSCI_FN32(0)), ==, -1);
}

static void test_cpu_on_state_machine(void)
{
    Fixture f;

    fixture_init(&f, QA_PSCI_VERSION_1_3);
    /* power-on: cpu0 on, the others off */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0x0, 0, 0), ==, 0);
    for (int i = 1; i < NCPUS; i++) {
        g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), mpidrs[i], 0, 0), ==, 1);
    }

    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(3), 0x1, ENTRY, 0xc0ffee), ==, 0);
    assert_returned(&f);
    g_assert_cmpint(f.eff.kind, ==, QA_PSCI_EFFECT_CPU_ON);
    g_assert_cmpint(f.eff.target, ==, 1);
    g_assert_cmpuint(f.eff.entry, ==, ENTRY);
    g_assert_cmpuint(f.eff.context, ==, 0xc0ffee);
    g_assert_cmpint(f.cpus[1].state, ==, QA_PSCI_POWER_ON_PENDING);

    /* pending until the target runs */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0x1, 0, 0), ==, 2);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(3), 0x1, ENTRY, 0), ==,
                    QA_PSCI_RET_ON_PENDING);
    g_assert_cmpint(f.eff.kind, ==, QA_PSCI_EFFECT_NONE);

    /* the target's first call completes the power-on */
    g_assert_cmpint(call(&f, 1, QA_PSCI_FN32(0), 0, 0, 0), ==, 0x10003);
    g_assert_cmpint(f.cpus[1].state, ==, QA_PSCI_POWER_ON);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(4), 0x1, 0, 0), ==, 0);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(3), 0x1, ENTRY, 0), ==,
                    QA_PSCI_RET_ALREADY_ON);
    /* a CPU_ON of oneself: ALREADY_ON too */
    g_assert_cmpint(call(&f, 1, QA_PSCI_FN64(3), 0x1, ENTRY, 0), ==,
                    QA_PSCI_RET_ALREADY_ON);

    /* cpu1 powers itself off; AFFINITY_INFO then says OFF */
    g_assert_cmpint(call(&f, 1, QA_PSCI_FN32(2), 0, 0, 0), ==, 0);
    g_assert_cmpint(f.eff.kind, ==, QA_PSCI_EFFECT_CPU_OFF);
    g_assert_cmpint(f.eff.target, ==, 1);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0x1, 0, 0), ==, 1);

    /* an off vCPU cannot call: denied and reported */
    g_assert_cmpint(call(&f, 1, QA_PSCI_FN32(0), 0, 0, 0), ==,
                    QA_PSCI_RET_DENIED);
    g_assert_cmpint(f.eff.kind, ==, QA_PSCI_EFFECT_CALLER_OFF);
    g_assert_cmpint(f.cpus[1].state, ==, QA_PSCI_POWER_OFF);

    /* and it can be turned on again */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(3), 0x1, ENTRY, 7), ==, 0);
    qa_psci_cpu_running(&f.s, 1);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(4), 0x1, 0, 0), ==, 0);
    g_assert_cmpint(call(&f, 3, QA_PSCI_FN32(4), 0x1, 0, 0), ==,
                    QA_PSCI_RET_DENIED);
    g_assert_cmpint(f.cpus[3].state, ==, QA_PSCI_POWER_OFF);
    g_assert_cmpint(f.eff.kind, ==, QA_PSCI_EFFECT_CALLER_OFF);

    /* the last CPU_OFF does not power the system off */
    g_assert_cmpint(call(&f, 1, QA_PSCI_FN32(2), 0, 0, 0), ==, 0);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(2), 0, 0, 0), ==, 0);
    g_assert_cmpint(f.eff.kind, ==, QA_PSCI_EFFECT_CPU_OFF);
    for (int i = 0; i < NCPUS; i++) {
        g_assert_cmpint(f.cpus[i].state, ==, QA_PSCI_POWER_OFF);
    }

    qa_psci_reset(&f.s);
    g_assert_cmpint(f.cpus[0].state, ==, QA_PSCI_POWER_ON);
    g_assert_cmpint(f.cpus[1].state, ==, QA_PSCI_POWER_OFF);
}

static void test_cpu_on_errors(void)
{
    Fixture f;

    fixture_init(&f, QA_PSCI_VERSION_1_3);
    /* unknown MPIDR; MPIDR_EL1 with its RES1 bit 31 */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(3), 0x2, ENTRY, 0), ==,
                    QA_PSCI_RET_INVALID_PARAMETERS);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(3), 0x80000001, ENTRY, 0), ==,
                    QA_PSCI_RET_INVALID_PARAMETERS);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(3), 0x100000001ULL, ENTRY, 0), ==,
                    QA_PSCI_RET_INVALID_PARAMETERS);
    /* entry points outside RAM */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(3), 0x1, 0xFFFF000000000000ULL, 0),
                    ==, QA_PSCI_RET_INVALID_ADDRESS);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(3), 0x1, RAM_BASE - 4, 0), ==,
                    QA_PSCI_RET_INVALID_ADDRESS);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(3), 0x1, RAM_BASE + RAM_SIZE, 0),
                    ==, QA_PSCI_RET_INVALID_ADDRESS);
    /* the address is checked before the state (TF-A's order) */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(3), 0x0, 0x10, 0), ==,
                    QA_PSCI_RET_INVALID_ADDRESS);
    g_assert_cmpint(f.eff.kind, ==, QA_PSCI_EFFECT_NONE);
    g_assert_cmpint(f.cpus[1].state, ==, QA_PSCI_POWER_OFF);
    /* first and last byte of RAM are fine */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(3), 0x1, RAM_BASE, 0), ==, 0);
    g_assert_cmpint(
        call(&f, 0, QA_PSCI_FN64(3), 0x100, RAM_BASE + RAM_SIZE - 1, 0), ==, 0);
}

/* SMC32 ids use only the low 32 bits of x1..x3. */
static void test_smc32_narrowing(void)
{
    Fixture f;

    fixture_init(&f, QA_PSCI_VERSION_1_3);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(3), 0xFFFFFFFF00000001ULL,
                         0xAAAAAAAA00000000ULL | ENTRY, 0x1234567887654321ULL),
                    ==, 0);
    g_assert_cmpint(f.eff.target, ==, 1);
    g_assert_cmpuint(f.eff.entry, ==, ENTRY);
    g_assert_cmpuint(f.eff.context, ==, 0x87654321);
    g_assert_cmpint(
        call(&f, 0, QA_PSCI_FN64(3), 0xFFFFFFFF00000002ULL, ENTRY, 0), ==,
        QA_PSCI_RET_INVALID_PARAMETERS);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(4), 0xFFFFFFFF00000000ULL, 0, 0),
                    ==, 0);
    g_assert_cmpint(
        call(&f, 0, QA_PSCI_FN32(4), 0x100, 0xFFFFFFFF00000000ULL, 0), ==, 1);
    g_assert_cmpint(
        call(&f, 0, QA_PSCI_FN64(4), 0x100, 0xFFFFFFFF00000000ULL, 0), ==,
        QA_PSCI_RET_INVALID_PARAMETERS);
    /* a 64-bit context id reaches the target whole */
    g_assert_cmpint(
        call(&f, 0, QA_PSCI_FN64(3), 0x100, ENTRY, 0x1234567887654321ULL), ==,
        0);
    g_assert_cmpuint(f.eff.context, ==, 0x1234567887654321ULL);
}

static void test_affinity_levels(void)
{
    Fixture f;

    fixture_init(&f, QA_PSCI_VERSION_1_3);
    /* cluster 1 (cpus 2, 3) all off */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0x100, 1, 0), ==, 1);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0x1ff, 1, 0), ==, 1);
    /* cluster 0 has cpu0 on */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0x001, 1, 0), ==, 0);
    /* level 2 and 3 cover both clusters */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0x100, 2, 0), ==, 0);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0xff0101, 3, 0), ==, 0);
    /* a cluster that does not exist */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0x200, 1, 0), ==,
                    QA_PSCI_RET_INVALID_PARAMETERS);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0x10000, 2, 0), ==,
                    QA_PSCI_RET_INVALID_PARAMETERS);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0x2, 0, 0), ==,
                    QA_PSCI_RET_INVALID_PARAMETERS);
    /* levels above 3 */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0x0, 4, 0), ==,
                    QA_PSCI_RET_INVALID_PARAMETERS);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0x0, ~0ULL, 0), ==,
                    QA_PSCI_RET_INVALID_PARAMETERS);
    /* bits outside the affinity fields are ignored, as KVM does */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0x80000000, 0, 0), ==, 0);
    /* a pending cpu makes its cluster ON_PENDING; an on one wins */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(3), 0x101, ENTRY, 0), ==, 0);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0x100, 1, 0), ==, 2);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(3), 0x100, ENTRY, 0), ==, 0);
    qa_psci_cpu_running(&f.s, 2);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0x100, 1, 0), ==, 0);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(4), 0x101, 0, 0), ==, 2);
}

static void test_cpu_suspend(void)
{
    static const uint32_t bad[] = {0x40000000, 0x01000000 << 2, 0x00020000,
                                   0x80000000};
    Fixture f;

    fixture_init(&f, QA_PSCI_VERSION_1_3);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(1), 0x0, 0, 0), ==, 0);
    assert_returned(&f);
    g_assert_cmpint(f.eff.kind, ==, QA_PSCI_EFFECT_CPU_SUSPEND);
    g_assert_cmpint(f.eff.target, ==, 0);
    /* power level field and StateID are accepted */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(1), 0x0100ffff, 0, 0), ==, 0);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(1), bad[i], ENTRY, 0), ==,
                        QA_PSCI_RET_INVALID_PARAMETERS);
        g_assert_cmpint(f.eff.kind, ==, QA_PSCI_EFFECT_NONE);
    }
    /* powerdown needs an entry point in RAM */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(1), 0x10000, 0x1000, 0), ==,
                    QA_PSCI_RET_INVALID_ADDRESS);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(1), 0x10000, ENTRY, 5), ==, 0);
    g_assert_cmpint(f.eff.kind, ==, QA_PSCI_EFFECT_CPU_SUSPEND);
    g_assert_cmpuint(f.eff.entry, ==, ENTRY);
    g_assert_cmpuint(f.eff.context, ==, 5);
    g_assert_cmpint(f.cpus[0].state, ==, QA_PSCI_POWER_ON);
}

static void test_migrate(void)
{
    Fixture f;

    fixture_init(&f, QA_PSCI_VERSION_0_2);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(6), 0, 0, 0), ==, 2);
    assert_returned(&f);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(5), 1, 0, 0), ==, -1);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(7), 0, 0, 0), ==, -1);
}

static void assert_event(Fixture *f, uint32_t type, uint32_t ndata,
                         uint64_t data0)
{
    g_assert_cmpint(f->eff.kind, ==, QA_PSCI_EFFECT_SYSTEM_EVENT);
    g_assert_cmpuint(f->eff.ev.type, ==, type);
    g_assert_cmpuint(f->eff.ev.ndata, ==, ndata);
    g_assert_cmpuint(f->eff.ev.raw_ndata, ==, ndata);
    g_assert_cmpuint(f->eff.ev.data[0], ==, data0);
    g_assert_true(f->eff.ev.data_valid);
    g_assert_false(f->eff.ev.legacy_flags);
    g_assert_false(f->eff.ev.clamped);
    g_assert_cmpint(f->eff.ev.source, ==, QA_SYSEVENT_SRC_FIRMWARE);
}

static void assert_all_off(Fixture *f)
{
    for (int i = 0; i < NCPUS; i++) {
        g_assert_cmpint(f->cpus[i].state, ==, QA_PSCI_POWER_OFF);
    }
}

static void test_system_off_reset(void)
{
    Fixture f;

    for (QaPsciVersion v = 0; v < QA_PSCI_VERSION__MAX; v++) {
        fixture_init(&f, v);
        g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(8), 1, 2, 3), ==,
                        QA_PSCI_RET_INTERNAL_FAILURE);
        assert_event(&f, QA_SYSEVENT_SHUTDOWN, 1, 0);
        g_assert_false(f.eff.regs.has_arm64_x1_x2);
        assert_all_off(&f);

        fixture_init(&f, v);
        g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(9), 0, 0, 0), ==,
                        QA_PSCI_RET_INTERNAL_FAILURE);
        assert_event(&f, QA_SYSEVENT_RESET, 1, 0);
        assert_all_off(&f);
    }
}

static void test_system_off2(void)
{
    static const struct {
        uint32_t id;
        uint64_t type, cookie;
        int64_t ret;
    } cases[] = {
        {QA_PSCI_FN32(21), 1, 0, -6},
        {QA_PSCI_FN64(21), 1, 0, -6},
        {QA_PSCI_FN32(21), 0, 0, -6}, /* F.b: 0 = HIBERNATE_OFF */
        {QA_PSCI_FN64(21), 0, 0, -6},
        {QA_PSCI_FN32(21), 2, 0, -2},
        {QA_PSCI_FN64(21), 0x80000000, 0, -2},
        {QA_PSCI_FN64(21), 1, 1, -2},
        {QA_PSCI_FN64(21), 0x100000001ULL, 0, -2},
        {QA_PSCI_FN32(21), 0x100000001ULL, 0, -6}, /* narrowed */
        {QA_PSCI_FN32(21), 1, 0x100000000ULL, -6}, /* narrowed */
    };
    Fixture f;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        fixture_init(&f, QA_PSCI_VERSION_1_3);
        g_test_message("case %zu", i);
        g_assert_cmpint(
            call(&f, 0, cases[i].id, cases[i].type, cases[i].cookie, 0), ==,
            cases[i].ret);
        if (cases[i].ret == -6) {
            assert_event(&f, QA_SYSEVENT_SHUTDOWN, 1,
                         QA_SYSEVENT_SHUTDOWN_FLAG_PSCI_OFF2);
            g_assert_cmpuint(f.regs[1], ==, f.eff.regs.x1);
            assert_all_off(&f);
        } else {
            g_assert_cmpint(f.eff.kind, ==, QA_PSCI_EFFECT_NONE);
            assert_returned(&f);
            g_assert_cmpint(f.cpus[0].state, ==, QA_PSCI_POWER_ON);
        }
    }
}

static void test_system_reset2(void)
{
    static const struct {
        uint32_t id;
        uint64_t type, cookie;
        int64_t ret;
        uint64_t x1, x2; /* as passed on to the translator */
    } cases[] = {
        {QA_PSCI_FN32(18), 0, 0, -6, 0, 0},
        {QA_PSCI_FN64(18), 0, 0xdead, -6, 0, 0xdead},
        {QA_PSCI_FN32(18), 0x80000000, 0x1234, -6, 0x80000000, 0x1234},
        {QA_PSCI_FN64(18), 0xFFFFFFFF, 0xFFFFFFFFFFFFULL, -6, 0xFFFFFFFF,
         0xFFFFFFFFFFFFULL},
        {QA_PSCI_FN32(18), 0x80000001, 0x1FFFFFFFFULL, -6, 0x80000001,
         0xFFFFFFFF},
        /* KVM refuses reserved architectural types */
        {QA_PSCI_FN32(18), 1, 0, -2, 0, 0},
        {QA_PSCI_FN64(18), 0x7FFFFFFF, 0, -2, 0, 0},
        /* SMC32 narrows 0x1_00000000 to 0: a warm reset */
        {QA_PSCI_FN32(18), 0x100000000ULL, 0, -6, 0, 0},
        /* SMC64 takes the whole register, as KVM does: vendor range */
        {QA_PSCI_FN64(18), 0x100000000ULL, 0, -6, 0x100000000ULL, 0},
    };
    Fixture f;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        fixture_init(&f, QA_PSCI_VERSION_1_1);
        g_test_message("case %zu", i);
        g_assert_cmpint(
            call(&f, 0, cases[i].id, cases[i].type, cases[i].cookie, 0x77), ==,
            cases[i].ret);
        if (cases[i].ret != -6) {
            g_assert_cmpint(f.eff.kind, ==, QA_PSCI_EFFECT_NONE);
            assert_returned(&f);
            continue;
        }
        assert_event(&f, QA_SYSEVENT_RESET, 1,
                     QA_SYSEVENT_RESET_FLAG_PSCI_RESET2);
        g_assert_true(f.eff.regs.has_arm64_x1_x2);
        g_assert_cmpuint(f.eff.regs.x1, ==, cases[i].x1);
        g_assert_cmpuint(f.eff.regs.x2, ==, cases[i].x2);
        /* KVM leaves reset_type and cookie in x1/x2 */
        g_assert_cmpuint(f.regs[1], ==, cases[i].x1);
        g_assert_cmpuint(f.regs[2], ==, cases[i].x2);
        g_assert_false(f.eff.regs.has_riscv_a0);
        assert_all_off(&f);
    }
}

static void test_system_suspend(void)
{
    Fixture f;

    fixture_init(&f, QA_PSCI_VERSION_1_0);
    /* another vCPU on or pending: denied */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(3), 0x100, ENTRY, 0), ==, 0);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(14), ENTRY, 1, 0), ==,
                    QA_PSCI_RET_DENIED);
    g_assert_cmpint(f.eff.kind, ==, QA_PSCI_EFFECT_NONE);
    g_assert_cmpint(call(&f, 2, QA_PSCI_FN64(14), ENTRY, 1, 0), ==,
                    QA_PSCI_RET_DENIED);
    g_assert_cmpint(call(&f, 2, QA_PSCI_FN32(2), 0, 0, 0), ==, 0);

    /* entry point outside RAM */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(14), 0x10, 1, 0), ==,
                    QA_PSCI_RET_INVALID_ADDRESS);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(14), 0x100000000ULL | ENTRY, 1, 0),
                    ==, (int64_t)1);
    assert_event(&f, QA_SYSEVENT_SUSPEND, 0, 0);
    g_assert_cmpuint(f.eff.entry, ==, ENTRY);

    /* the caller wakes at entry with x0 = context_id */
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(14), ENTRY, 0x5555, 0), ==,
                    0x5555);
    assert_event(&f, QA_SYSEVENT_SUSPEND, 0, 0);
    g_assert_cmpint(f.eff.target, ==, 0);
    g_assert_cmpuint(f.eff.context, ==, 0x5555);
    g_assert_cmpint(f.cpus[0].state, ==, QA_PSCI_POWER_ON);

    /* the last vCPU on need not be cpu0 */
    fixture_init(&f, QA_PSCI_VERSION_1_3);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN64(3), 0x101, ENTRY, 0), ==, 0);
    g_assert_cmpint(call(&f, 0, QA_PSCI_FN32(2), 0, 0, 0), ==, 0);
    g_assert_cmpint(call(&f, 3, QA_PSCI_FN64(14), ENTRY, 9, 0), ==, 9);
    g_assert_cmpint(f.eff.target, ==, 3);
}

/* ---- the psci device on the virt-arm64 board ---------------------------- */

typedef struct Board {
    QaMachineConfig *cfg;
    QaMachine *m;
    GPtrArray *reqs; /* QaMachineRequest * posted */
} Board;

static void sink_post(void *opaque, const QaMachineRequest *req)
{
    g_ptr_array_add(opaque, g_memdup2(req, sizeof(*req)));
}

/* virt-arm64 with @cpus vCPUs, machine property pairs and -global triples */
static void board_new(Board *b, const char *cpus, const char *const *props,
                      const char *const *globals)
{
    const char *src = g_getenv("QACCEL_SOURCE_DIR");
    g_autofree char *path = g_strdup_printf(
        "%s/configs/machines/virt-arm64.conf", src ? src : QACCEL_SOURCE_DIR);
    g_autoptr(GError) err = NULL;

    b->cfg = qa_machine_config_load(path, &err);
    g_assert_no_error(err);
    b->m = qa_machine_new(b->cfg, &err);
    g_assert_no_error(err);
    g_assert_true(qa_object_set_str(QA_OBJECT(b->m), "cpus", cpus, &err));
    for (size_t i = 0; props && props[i]; i += 2) {
        g_assert_true(
            qa_object_set_str(QA_OBJECT(b->m), props[i], props[i + 1], &err));
    }
    for (size_t i = 0; globals && globals[i]; i += 3) {
        qa_machine_add_global(b->m, globals[i], globals[i + 1], globals[i + 2]);
    }
    g_assert_true(qa_machine_realize(b->m, &err));
    g_assert_no_error(err);
    b->reqs = g_ptr_array_new_with_free_func(g_free);
    b->m->sink.post = sink_post;
    b->m->sink.opaque = b->reqs;
    qa_machine_reset(b->m);
}

static void board_free(Board *b)
{
    qa_machine_destroy(b->m);
    qa_machine_config_free(b->cfg);
    g_ptr_array_unref(b->reqs);
}

static uint64_t hvc(Board *b, int cpu, uint64_t x0, uint64_t x1, uint64_t x2,
                    uint64_t x3, bool smc)
{
    g_autoptr(GError) err = NULL;
    uint64_t regs[18] = {x0, x1, x2, x3};

    g_assert_true(qa_machine_smccc_call(b->m, cpu, regs, smc, &err));
    g_assert_no_error(err);
    return regs[0];
}

static void assert_states(Board *b, const char *expect)
{
    g_autofree char *s = qa_object_get_str(
        qa_object_resolve_path("/machine/psci", NULL), "power-states", NULL);

    g_assert_cmpstr(s, ==, expect);
}

static const QaMachineRequest *last_req(Board *b)
{
    g_assert_cmpuint(b->reqs->len, >, 0);
    return g_ptr_array_index(b->reqs, b->reqs->len - 1);
}

static void test_device_routing(void)
{
    const uint64_t entry = 0x40001000;
    const QaMachineRequest *req;
    QaSysEventStats st;
    Board b;

    board_new(&b, "4", NULL, NULL);
    assert_states(&b, "on,off,off,off");
    g_assert_cmphex(hvc(&b, 0, QA_PSCI_FN64(3), 0x1, entry, 7, false), ==, 0);
    assert_states(&b, "on,on-pending,off,off");
    g_assert_cmphex(hvc(&b, 0, QA_PSCI_FN32(4), 0x1, 0, 0, false), ==, 2);
    g_assert_cmphex(hvc(&b, 1, QA_PSCI_FN32(0), 0, 0, 0, false), ==, 0x10003);
    assert_states(&b, "on,on,off,off");
    /* the entry point is checked against the board's RAM */
    g_assert_cmphex(hvc(&b, 0, QA_PSCI_FN64(3), 0x2, 0x1000, 0, false), ==,
                    (uint64_t)QA_PSCI_RET_INVALID_ADDRESS);
    g_assert_cmphex(hvc(&b, 0, QA_PSCI_FN64(3), 0x2, 0x48000000, 0, false), ==,
                    (uint64_t)QA_PSCI_RET_INVALID_ADDRESS);

    /* the conduit is hvc: an smc gets NOT_SUPPORTED and counts */
    st = qa_machine_stats(b.m);
    g_assert_cmphex(hvc(&b, 0, QA_PSCI_FN32(0), 0, 0, 0, true), ==,
                    (uint64_t)-1);
    g_assert_cmpuint(qa_machine_stats(b.m).guest_errors, ==,
                     st.guest_errors + 1);
    /* other owners are not PSCI's */
    g_assert_cmphex(hvc(&b, 0, 0x86000000, 0, 0, 0, false), ==, (uint64_t)-1);
    g_assert_cmpuint(b.reqs->len, ==, 0);

    /* a vendor SYSTEM_RESET2 from cpu1 */
    g_assert_cmphex(
        hvc(&b, 1, QA_PSCI_FN64(18), 0x80000001, 0xc00c1e, 0, false), ==,
        (uint64_t)QA_PSCI_RET_INTERNAL_FAILURE);
    req = last_req(&b);
    g_assert_cmpint(req->kind, ==, QA_REQ_RESET);
    g_assert_cmpint(req->cause, ==, QA_CAUSE_GUEST_RESET);
    g_assert_cmpint(req->cpu, ==, 1);
    g_assert_true(req->has_reset2);
    g_assert_cmpint(req->reset_kind, ==, QA_RESET_VENDOR);
    g_assert_cmphex(req->reset_type, ==, 0x80000001);
    g_assert_cmphex(req->cookie, ==, 0xc00c1e);
    st = qa_machine_stats(b.m);
    g_assert_cmpuint(st.by_type[QA_SYSEVENT_RESET][QA_SYSEVENT_SRC_FIRMWARE],
                     ==, 1);
    assert_states(&b, "off,off,off,off");

    /* the machine reset powers cpu0 on again */
    qa_machine_reset(b.m);
    assert_states(&b, "on,off,off,off");
    board_free(&b);
}

static void test_device_power_events(void)
{
    static const struct {
        uint64_t id, x1, x2;
        QaRequestKind kind;
        bool hibernate;
        QaResetKind reset_kind;
    } cases[] = {
        {QA_PSCI_FN32(8), 0, 0, QA_REQ_SHUTDOWN, false, 0},
        {QA_PSCI_FN64(21), 1, 0, QA_REQ_SHUTDOWN, true, 0},
        {QA_PSCI_FN32(9), 0, 0, QA_REQ_RESET, false, QA_RESET_COLD},
        {QA_PSCI_FN32(18), 0, 0, QA_REQ_RESET, false, QA_RESET_WARM},
        {QA_PSCI_FN64(14), 0x40000000, 0, QA_REQ_SUSPEND, false, 0},
    };
    Board b;

    board_new(&b, "1", NULL, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const QaMachineRequest *req;

        g_test_message("case %zu", i);
        hvc(&b, 0, cases[i].id, cases[i].x1, cases[i].x2, 0, false);
        g_assert_cmpuint(b.reqs->len, ==, i + 1);
        req = last_req(&b);
        g_assert_cmpint(req->kind, ==, cases[i].kind);
        g_assert_cmpint(req->cpu, ==, 0);
        if (req->kind == QA_REQ_SHUTDOWN) {
            g_assert_cmpint(req->cause, ==, QA_CAUSE_GUEST_SHUTDOWN);
            g_assert_cmpint(req->hibernate, ==, cases[i].hibernate);
        } else if (req->kind == QA_REQ_RESET) {
            g_assert_cmpint(req->reset_kind, ==, cases[i].reset_kind);
        }
        qa_machine_reset(b.m);
    }
    board_free(&b);
}

static void test_device_conduit_version(void)
{
    const char *const globals[] = {"psci",    "conduit", "smc", "psci",
                                   "version", "0.2",     NULL};
    const char *const props[] = {"cluster-size", "2", NULL};
    Board b;

    board_new(&b, "4", props, globals);
    g_assert_cmphex(hvc(&b, 0, QA_PSCI_FN32(0), 0, 0, 0, false), ==,
                    (uint64_t)-1);
    g_assert_cmphex(hvc(&b, 0, QA_PSCI_FN32(0), 0, 0, 0, true), ==, 2);
    g_assert_cmphex(hvc(&b, 0, QA_PSCI_FN32(10), 0, 0, 0, true), ==,
                    (uint64_t)-1);
    /* cluster-size 2: cpu2 is MPIDR 0x100 */
    g_assert_cmphex(hvc(&b, 0, QA_PSCI_FN64(3), 0x2, 0x40000000, 0, true), ==,
                    (uint64_t)QA_PSCI_RET_INVALID_PARAMETERS);
    g_assert_cmphex(hvc(&b, 0, QA_PSCI_FN64(3), 0x100, 0x40000000, 0, true), ==,
                    0);
    assert_states(&b, "on,off,on-pending,off");
    board_free(&b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/psci/version", test_version);
    g_test_add_func("/psci/smccc-arch", test_smccc_arch);
    g_test_add_func("/psci/unknown-ids", test_unknown_ids);
    g_test_add_func("/psci/version-gating", test_version_gating);
    g_test_add_func("/psci/features", test_features);
    g_test_add_func("/psci/cpu-on/state-machine", test_cpu_on_state_machine);
    g_test_add_func("/psci/cpu-on/errors", test_cpu_on_errors);
    g_test_add_func("/psci/smc32-narrowing", test_smc32_narrowing);
    g_test_add_func("/psci/affinity-info/levels", test_affinity_levels);
    g_test_add_func("/psci/cpu-suspend", test_cpu_suspend);
    g_test_add_func("/psci/migrate", test_migrate);
    g_test_add_func("/psci/system-off-reset", test_system_off_reset);
    g_test_add_func("/psci/system-off2", test_system_off2);
    g_test_add_func("/psci/system-reset2", test_system_reset2);
    g_test_add_func("/psci/system-suspend", test_system_suspend);
    qa_types_register_builtin();
    g_test_add_func("/psci/device/routing", test_device_routing);
    g_test_add_func("/psci/device/power-events", test_device_power_events);
    g_test_add_func("/psci/device/conduit-version",
                    test_device_conduit_version);
    return g_test_run();
}
