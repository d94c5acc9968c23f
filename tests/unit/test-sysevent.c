/*
 * Unit tests of the system-event decoder and translator (system/sysevent.c)
 * and of the request names (system/request.c).
 *
 * Records are built through the freestanding layout structs of the abi
 * suite (tests/abi/sysevent-layout.h), whose offsets that suite proves
 * against every target's kernel header, so these tests check the decoder
 * against the kernel layout rather than against itself.
 *
 * The file is long because every detail decoding has its own case table;
 * the tables are the specification of the translator.
 */
#include <string.h>
#include <qaccel/error.h>
#include <qaccel/sysevent.h>
#include "../abi/sysevent-layout.h"

#define CAP_DATA QA_KVM_CAP_SYSTEM_EVENT_DATA_BIT

static const QaArch all_arches[] = {QA_ARCH_X86_64, QA_ARCH_ARM64,
                                    QA_ARCH_RISCV64};

/*
 * Table loops report every failing case with its description and go on,
 * rather than stopping at the first one.
 */
#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            g_test_fail_printf("%s: check failed: %s (line %d)", case_name,    \
                               #cond, __LINE__);                               \
        }                                                                      \
    } while (0)

/* A distinct value per slot, so a misplaced read shows. */
static uint64_t pattern(unsigned i)
{
    return 0x0101010101010101ULL * (i + 1) ^ 0xa500000000000000ULL;
}

/* A current-layout record: all 16 slots filled, whatever ndata says. */
static struct qa_abi_system_event make_record(uint32_t type, uint32_t ndata,
                                              const uint64_t *data)
{
    struct qa_abi_system_event r;

    memset(&r, 0, sizeof(r));
    r.type = type;
    r.ndata = ndata;
    for (unsigned i = 0; i < 16; i++) {
        r.data[i] = data ? data[i] : pattern(i);
    }
    return r;
}

static QaSysEvent decode_ok(const void *bytes, size_t len, QaSysEventAbi abi,
                            unsigned caps, QaArch arch)
{
    g_autoptr(GError) err = NULL;
    QaSysEvent ev;

    g_assert_true(qa_sysevent_decode(bytes, len, abi, caps, arch, &ev, &err));
    g_assert_no_error(err);
    return ev;
}

/* Decode a current-layout record and translate it. */
static QaMachineRequest translate(uint32_t type, uint32_t ndata,
                                  const uint64_t *data, unsigned caps,
                                  QaArch arch, const QaSysEventRegs *regs)
{
    struct qa_abi_system_event r = make_record(type, ndata, data);
    QaSysEvent ev = decode_ok(&r, sizeof(r), QA_SYSEVENT_ABI_64, caps, arch);
    QaMachineRequest req;

    qa_sysevent_to_request(&ev, arch, 0, regs, &req);
    return req;
}

static QaMachineRequest translate1(uint32_t type, uint64_t d0, QaArch arch,
                                   const QaSysEventRegs *regs)
{
    uint64_t data[16] = {d0};

    return translate(type, 1, data, CAP_DATA, arch, regs);
}

/* ------------------------------------------------------------------ */

static void expect_decoded(const char *case_name, const QaSysEvent *ev,
                           uint32_t type, uint32_t ndata, bool cap, QaArch arch)
{
    uint32_t want_n;

    CHECK(ev->type == type);
    CHECK(ev->source == QA_SYSEVENT_SRC_KERNEL);
    CHECK(ev->raw_ndata == ndata);
    if (cap) {
        want_n = MIN(ndata, 16u);
        CHECK(ev->data_valid);
        CHECK(!ev->legacy_flags);
        CHECK(ev->clamped == (ndata > 16));
    } else {
        want_n = arch == QA_ARCH_X86_64 ? 0 : 1;
        CHECK(ev->data_valid == (arch != QA_ARCH_X86_64));
        CHECK(ev->legacy_flags == (arch != QA_ARCH_X86_64));
        CHECK(!ev->clamped);
    }
    CHECK(ev->ndata == want_n);
    for (unsigned i = 0; i < 16; i++) {
        CHECK(ev->data[i] == (i < want_n ? pattern(i) : 0));
    }
}

static void expect_translated(const char *case_name, const QaSysEvent *ev,
                              const QaMachineRequest *req, QaArch arch)
{
    bool x86 = arch == QA_ARCH_X86_64;

    CHECK(req->cpu == 3);
    CHECK(g_strcmp0(req->source, "kvm") == 0);
    CHECK(req->event_type == ev->type);
    CHECK(req->event_ndata == ev->ndata);
    CHECK(memchr(req->detail, '\0', sizeof(req->detail)) != NULL);
    CHECK(req->detail[0] != '\0');
    switch (ev->type) {
    case QA_SYSEVENT_SHUTDOWN:
        CHECK(req->kind == QA_REQ_SHUTDOWN);
        CHECK(req->cause == QA_CAUSE_GUEST_SHUTDOWN);
        break;
    case QA_SYSEVENT_RESET:
        CHECK(req->kind == QA_REQ_RESET);
        CHECK(req->cause == QA_CAUSE_GUEST_RESET);
        break;
    case QA_SYSEVENT_CRASH:
        CHECK(req->kind == QA_REQ_PANIC);
        CHECK(req->cause == QA_CAUSE_GUEST_PANIC);
        break;
    case QA_SYSEVENT_WAKEUP:
        CHECK(req->kind == QA_REQ_WAKEUP);
        break;
    case QA_SYSEVENT_SUSPEND:
        CHECK(req->kind == QA_REQ_SUSPEND);
        break;
    case QA_SYSEVENT_SEV_TERM:
    case QA_SYSEVENT_TDX_FATAL:
        CHECK(req->kind == (x86 ? QA_REQ_PANIC : QA_REQ_ERROR));
        break;
    default: {
        g_autofree char *want =
            g_strdup_printf("unknown system event type %u", ev->type);

        CHECK(req->kind == QA_REQ_ERROR);
        CHECK(strcmp(req->detail, want) == 0);
        for (unsigned i = 0; i < req->event_ndata; i++) {
            CHECK(req->event_data[i] == ev->data[i]);
        }
        break;
    }
    }
}

/* Every type x arch x capability x ndata, decoded then translated. */
static void test_matrix(void)
{
    static const uint32_t types[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 0xffffffff};
    static const uint32_t ndatas[] = {0, 1, 16, 17, 0xffffffff};

    for (size_t t = 0; t < G_N_ELEMENTS(types); t++) {
        for (size_t a = 0; a < G_N_ELEMENTS(all_arches); a++) {
            for (unsigned cap = 0; cap < 2; cap++) {
                for (size_t n = 0; n < G_N_ELEMENTS(ndatas); n++) {
                    QaArch arch = all_arches[a];
                    struct qa_abi_system_event r =
                        make_record(types[t], ndatas[n], NULL);
                    /* exactly the member: any over-read is out of bounds */
                    g_autofree uint8_t *buf = g_memdup2(&r, sizeof(r));
                    g_autofree char *case_name = g_strdup_printf(
                        "type %u arch %s cap %u ndata %u", types[t],
                        qa_arch_name(arch), cap, ndatas[n]);
                    QaSysEvent ev =
                        decode_ok(buf, sizeof(r), QA_SYSEVENT_ABI_64,
                                  cap ? CAP_DATA : 0, arch);
                    QaMachineRequest req;

                    expect_decoded(case_name, &ev, types[t], ndatas[n], cap,
                                   arch);
                    qa_sysevent_to_request(&ev, arch, 3, NULL, &req);
                    expect_translated(case_name, &ev, &req, arch);
                }
            }
        }
    }
}

/* ------------------------------------------------------------------ */

static void test_short_and_invalid(void)
{
    uint8_t buf[QA_SYSEVENT_MEMBER_SIZE] = {0};
    static const struct {
        size_t len;
        QaSysEventAbi abi;
        QaArch arch;
        bool ok;
    } cases[] = {
        {0, QA_SYSEVENT_ABI_64, QA_ARCH_ARM64, false},
        {16, QA_SYSEVENT_ABI_64, QA_ARCH_ARM64, false},
        {135, QA_SYSEVENT_ABI_64, QA_ARCH_ARM64, false},
        {136, QA_SYSEVENT_ABI_64, QA_ARCH_ARM64, true},
        {11, QA_SYSEVENT_ABI_32_OLD, QA_ARCH_ARM64, false},
        {12, QA_SYSEVENT_ABI_32_OLD, QA_ARCH_ARM64, true},
        {136, QA_SYSEVENT_ABI_64, QA_ARCH__MAX, false},
        {136, QA_SYSEVENT_ABI_64, (QaArch)-1, false},
        {136, (QaSysEventAbi)7, QA_ARCH_X86_64, false},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        QaSysEvent ev;
        bool ok = qa_sysevent_decode(buf, cases[i].len, cases[i].abi, 0,
                                     cases[i].arch, &ev, &err);

        g_assert_cmpint(ok, ==, cases[i].ok);
        if (!cases[i].ok) {
            g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
        }
    }
    {
        g_autoptr(GError) err = NULL;
        QaSysEvent ev;

        g_assert_false(qa_sysevent_decode(NULL, 136, QA_SYSEVENT_ABI_64,
                                          CAP_DATA, QA_ARCH_X86_64, &ev, &err));
        g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    }
}

/* An odd address: the decoder must not assume alignment. */
static void test_unaligned(void)
{
    struct qa_abi_system_event r = make_record(2, 2, NULL);
    g_autofree uint8_t *buf = g_malloc(sizeof(r) + 1);
    QaSysEvent ev;

    memcpy(buf + 1, &r, sizeof(r));
    ev = decode_ok(buf + 1, sizeof(r), QA_SYSEVENT_ABI_64, CAP_DATA,
                   QA_ARCH_ARM64);
    g_assert_cmpuint(ev.type, ==, 2);
    g_assert_cmpuint(ev.ndata, ==, 2);
    g_assert_cmphex(ev.data[1], ==, pattern(1));
}

/*
 * The same flags value placed as the i386 pre-5.18 layout (offset 4) and as
 * the 64-bit one (offset 8): each decodes only under its own ABI.
 */
static void test_old_layouts(void)
{
    const uint64_t flags = 0x0000000100000001ULL;
    struct qa_abi_system_event_old_i386 old32 = {.type = 2, .flags = flags};
    struct qa_abi_system_event cur = make_record(2, 0xdeadbeef, NULL);
    uint8_t big[QA_SYSEVENT_MEMBER_SIZE] = {0};
    QaSysEvent ev;

    cur.flags = flags;
    g_assert_cmpuint(sizeof(old32), ==, QA_SYSEVENT_MEMBER_SIZE_32_OLD);

    ev = decode_ok(&old32, sizeof(old32), QA_SYSEVENT_ABI_32_OLD, 0,
                   QA_ARCH_ARM64);
    g_assert_cmpuint(ev.type, ==, 2);
    g_assert_true(ev.data_valid && ev.legacy_flags);
    g_assert_cmpuint(ev.ndata, ==, 1);
    g_assert_cmphex(ev.data[0], ==, flags);
    g_assert_cmpuint(ev.raw_ndata, ==, 0);

    ev = decode_ok(&cur, sizeof(cur), QA_SYSEVENT_ABI_64, 0, QA_ARCH_ARM64);
    g_assert_true(ev.data_valid && ev.legacy_flags);
    g_assert_cmphex(ev.data[0], ==, flags);
    g_assert_cmphex(ev.raw_ndata, ==, 0xdeadbeef); /* kept, not trusted */
    g_assert_false(ev.clamped);

    /* The i386 bytes read with the 64-bit layout: flags is not at 8. */
    memcpy(big, &old32, sizeof(old32));
    ev = decode_ok(big, sizeof(big), QA_SYSEVENT_ABI_64, 0, QA_ARCH_ARM64);
    g_assert_cmphex(ev.data[0], ==, flags >> 32);

    /* The 64-bit bytes read as i386: offset 4 is the hole/ndata. */
    ev = decode_ok(&cur, sizeof(cur), QA_SYSEVENT_ABI_32_OLD, 0, QA_ARCH_ARM64);
    g_assert_cmphex(ev.data[0], ==, 0x00000001deadbeefULL);

    /* riscv reads the legacy word too; x86 never wrote it. */
    ev = decode_ok(&old32, sizeof(old32), QA_SYSEVENT_ABI_32_OLD, 0,
                   QA_ARCH_RISCV64);
    g_assert_true(ev.legacy_flags);
    g_assert_cmphex(ev.data[0], ==, flags);
    ev = decode_ok(&old32, sizeof(old32), QA_SYSEVENT_ABI_32_OLD, 0,
                   QA_ARCH_X86_64);
    g_assert_false(ev.data_valid);
    g_assert_cmpuint(ev.ndata, ==, 0);
    g_assert_cmphex(ev.data[0], ==, 0);

    /* With the capability the kernel wrote the current layout: no flags. */
    ev = decode_ok(&old32, sizeof(old32), QA_SYSEVENT_ABI_32_OLD, CAP_DATA,
                   QA_ARCH_ARM64);
    g_assert_false(ev.data_valid);
    g_assert_false(ev.legacy_flags);
    g_assert_cmpuint(ev.ndata, ==, 0);
    g_assert_cmpuint(ev.type, ==, 2);
}

/* ------------------------------------------------------------------ */

static void test_encode(void)
{
    static const uint32_t ndatas[] = {0, 1, 2, 15, 16, 17, 0xffffffff};
    uint64_t data[16];
    uint8_t buf[QA_SYSEVENT_MEMBER_SIZE + 8];

    for (unsigned i = 0; i < 16; i++) {
        data[i] = pattern(i);
    }
    for (size_t n = 0; n < G_N_ELEMENTS(ndatas); n++) {
        uint32_t want_n = MIN(ndatas[n], 16u);
        struct qa_abi_system_event ref = make_record(5, ndatas[n], NULL);
        QaSysEvent ev;

        for (unsigned i = want_n; i < 16; i++) {
            ref.data[i] = 0;
        }
        memset(buf, 0xcc, sizeof(buf));
        g_assert_cmpuint(qa_sysevent_encode(5, ndatas[n], data,
                                            QA_SYSEVENT_ABI_64, buf,
                                            sizeof(buf)),
                         ==, QA_SYSEVENT_MEMBER_SIZE);
        g_assert_cmpmem(buf, sizeof(ref), &ref, sizeof(ref));
        g_assert_cmpuint(buf[QA_SYSEVENT_MEMBER_SIZE], ==, 0xcc);

        ev = decode_ok(buf, QA_SYSEVENT_MEMBER_SIZE, QA_SYSEVENT_ABI_64,
                       CAP_DATA, QA_ARCH_X86_64);
        g_assert_cmpuint(ev.type, ==, 5);
        g_assert_cmpuint(ev.raw_ndata, ==, ndatas[n]);
        g_assert_cmpuint(ev.ndata, ==, want_n);
        g_assert_cmpmem(ev.data, want_n * 8, data, want_n * 8);
    }

    /* NULL data with ndata 0; a buffer one byte short. */
    g_assert_cmpuint(qa_sysevent_encode(1, 0, NULL, QA_SYSEVENT_ABI_64, buf,
                                        QA_SYSEVENT_MEMBER_SIZE),
                     ==, QA_SYSEVENT_MEMBER_SIZE);
    g_assert_cmpuint(qa_sysevent_encode(1, 1, data, QA_SYSEVENT_ABI_64, buf,
                                        QA_SYSEVENT_MEMBER_SIZE - 1),
                     ==, 0);
    g_assert_cmpuint(
        qa_sysevent_encode(1, 1, data, QA_SYSEVENT_ABI_32_OLD, buf, 11), ==, 0);

    /* The old i386 layout: flags at 4, 12 bytes. */
    {
        struct qa_abi_system_event_old_i386 ref = {.type = 2, .flags = data[0]};
        QaSysEvent ev;

        memset(buf, 0xcc, sizeof(buf));
        g_assert_cmpuint(qa_sysevent_encode(2, 3, data, QA_SYSEVENT_ABI_32_OLD,
                                            buf, sizeof(buf)),
                         ==, QA_SYSEVENT_MEMBER_SIZE_32_OLD);
        g_assert_cmpmem(buf, sizeof(ref), &ref, sizeof(ref));
        g_assert_cmpuint(buf[QA_SYSEVENT_MEMBER_SIZE_32_OLD], ==, 0xcc);
        ev = decode_ok(buf, QA_SYSEVENT_MEMBER_SIZE_32_OLD,
                       QA_SYSEVENT_ABI_32_OLD, 0, QA_ARCH_ARM64);
        g_assert_cmphex(ev.data[0], ==, data[0]);
    }
}

/* ------------------------------------------------------------------ */
/* Details                                                            */
/* ------------------------------------------------------------------ */

static void test_arm64_reset2(void)
{
    static const struct {
        uint64_t x1, x2;
        QaResetKind kind;
        uint32_t type;
    } cases[] = {
        {0, 0, QA_RESET_WARM, 0},
        {0, 0xc00c1e, QA_RESET_WARM, 0},
        {0xffffffff00000000ULL, 7, QA_RESET_WARM, 0}, /* low 32 bits */
        {0x80000000, 1, QA_RESET_VENDOR, 0x80000000},
        {0xffffffff, 0xffffffffffffffffULL, QA_RESET_VENDOR, 0xffffffff},
        {5, 0, QA_RESET_COLD, 5}, /* reserved: KVM refuses it */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        QaSysEventRegs regs = {
            .has_arm64_x1_x2 = true, .x1 = cases[i].x1, .x2 = cases[i].x2};
        QaMachineRequest req =
            translate1(QA_SYSEVENT_RESET, QA_SYSEVENT_RESET_FLAG_PSCI_RESET2,
                       QA_ARCH_ARM64, &regs);

        g_assert_cmpint(req.kind, ==, QA_REQ_RESET);
        g_assert_cmpint(req.cause, ==, QA_CAUSE_GUEST_RESET);
        g_assert_true(req.has_reset2);
        g_assert_cmpint(req.reset_kind, ==, cases[i].kind);
        g_assert_cmphex(req.reset_type, ==, cases[i].type);
        g_assert_cmphex(req.cookie, ==, cases[i].x2);
        g_assert_nonnull(strstr(req.detail, "system-reset2"));
    }
}

static void test_arm64_reset_plain(void)
{
    QaSysEventRegs regs = {.has_arm64_x1_x2 = true, .x1 = 0, .x2 = 9};
    QaSysEventRegs noregs = {0};
    QaMachineRequest req;
    struct qa_abi_system_event old = make_record(2, 0, NULL);
    QaSysEvent ev;

    /* No RESET2 flag: registers are not looked at. */
    req = translate1(QA_SYSEVENT_RESET, 0, QA_ARCH_ARM64, &regs);
    g_assert_false(req.has_reset2);
    g_assert_cmpint(req.reset_kind, ==, QA_RESET_COLD);
    g_assert_cmphex(req.cookie, ==, 0);
    g_assert_cmpstr(req.detail, ==, "psci system-reset");

    /* RESET2 without the registers: a cold reset, said so. */
    req = translate1(QA_SYSEVENT_RESET, 1, QA_ARCH_ARM64, NULL);
    g_assert_true(req.has_reset2);
    g_assert_cmpint(req.reset_kind, ==, QA_RESET_COLD);
    g_assert_nonnull(strstr(req.detail, "unavailable"));
    req = translate1(QA_SYSEVENT_RESET, 1, QA_ARCH_ARM64, &noregs);
    g_assert_true(req.has_reset2);
    g_assert_cmpint(req.reset_kind, ==, QA_RESET_COLD);

    /* The flag bit in data[0] that ndata does not cover is not read. */
    req = translate(QA_SYSEVENT_RESET, 0, (uint64_t[16]){1}, CAP_DATA,
                    QA_ARCH_ARM64, &regs);
    g_assert_false(req.has_reset2);

    /* A pre-5.18 arm64 kernel's flags word carries RESET2 too. */
    old.flags = QA_SYSEVENT_RESET_FLAG_PSCI_RESET2;
    ev = decode_ok(&old, sizeof(old), QA_SYSEVENT_ABI_64, 0, QA_ARCH_ARM64);
    qa_sysevent_to_request(&ev, QA_ARCH_ARM64, 1, &regs, &req);
    g_assert_true(req.has_reset2);
    g_assert_cmpint(req.reset_kind, ==, QA_RESET_WARM);
    g_assert_cmphex(req.cookie, ==, 9);
    g_assert_cmpint(req.cpu, ==, 1);

    /* x86 RESET (Hyper-V reset MSR): cold, data ignored. */
    req = translate1(QA_SYSEVENT_RESET, 1, QA_ARCH_X86_64, &regs);
    g_assert_false(req.has_reset2);
    g_assert_false(req.has_srst);
    g_assert_cmpint(req.reset_kind, ==, QA_RESET_COLD);
}

static void test_arm64_off2(void)
{
    QaMachineRequest req;

    req = translate1(QA_SYSEVENT_SHUTDOWN, QA_SYSEVENT_SHUTDOWN_FLAG_PSCI_OFF2,
                     QA_ARCH_ARM64, NULL);
    g_assert_cmpint(req.kind, ==, QA_REQ_SHUTDOWN);
    g_assert_cmpint(req.cause, ==, QA_CAUSE_GUEST_SHUTDOWN);
    g_assert_true(req.hibernate);

    req = translate1(QA_SYSEVENT_SHUTDOWN, 0, QA_ARCH_ARM64, NULL);
    g_assert_false(req.hibernate);
    g_assert_cmpstr(req.detail, ==, "psci system-off");

    /* bit 0 set but ndata 0: not valid */
    req = translate(QA_SYSEVENT_SHUTDOWN, 0, (uint64_t[16]){1}, CAP_DATA,
                    QA_ARCH_ARM64, NULL);
    g_assert_false(req.hibernate);

    /* only arm64 gives bit 0 that meaning */
    req = translate1(QA_SYSEVENT_SHUTDOWN, 1, QA_ARCH_X86_64, NULL);
    g_assert_false(req.hibernate);
    req = translate1(QA_SYSEVENT_SHUTDOWN, 1, QA_ARCH_RISCV64, NULL);
    g_assert_false(req.hibernate);
    g_assert_true(req.has_srst);
    g_assert_cmpuint(req.srst_reason, ==, 1);
}

static void test_riscv_srst(void)
{
    static const struct {
        uint64_t d0;
        uint32_t reason;
        const char *name;
    } reasons[] = {
        {0, 0, "no reason"},
        {1, 1, "system failure"},
        {2, 2, "reserved"},
        {0xe0000001, 0xe0000001, "sbi implementation specific"},
        {0xf0000000, 0xf0000000, "vendor specific"},
        {0x100000001ULL, 1, "system failure"}, /* u32 in the kernel */
    };
    static const struct {
        bool has_a0;
        uint64_t a0;
        QaResetKind kind;
        const char *what;
    } types[] = {
        {false, 0, QA_RESET_COLD, "type unknown"},
        {true, 1, QA_RESET_COLD, "cold reboot"},
        {true, 2, QA_RESET_WARM, "warm reboot"},
        {true, 0xf0000000, QA_RESET_COLD, "reboot type 0xf0000000"},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(reasons); i++) {
        QaMachineRequest req = translate1(QA_SYSEVENT_SHUTDOWN, reasons[i].d0,
                                          QA_ARCH_RISCV64, NULL);

        g_assert_cmpint(req.kind, ==, QA_REQ_SHUTDOWN);
        g_assert_true(req.has_srst);
        g_assert_cmphex(req.srst_reason, ==, reasons[i].reason);
        g_assert_nonnull(strstr(req.detail, reasons[i].name));

        for (size_t t = 0; t < G_N_ELEMENTS(types); t++) {
            QaSysEventRegs regs = {.has_riscv_a0 = types[t].has_a0,
                                   .a0 = types[t].a0};

            req = translate1(QA_SYSEVENT_RESET, reasons[i].d0, QA_ARCH_RISCV64,
                             &regs);
            g_assert_cmpint(req.kind, ==, QA_REQ_RESET);
            g_assert_cmpint(req.cause, ==, QA_CAUSE_GUEST_RESET);
            g_assert_cmpint(req.reset_kind, ==, types[t].kind);
            g_assert_true(req.has_srst);
            g_assert_false(req.has_reset2);
            g_assert_cmphex(req.srst_reason, ==, reasons[i].reason);
            g_assert_nonnull(strstr(req.detail, types[t].what));
        }
    }
    /* No data: no SRST detail. */
    {
        QaMachineRequest req = translate(QA_SYSEVENT_RESET, 0, NULL, CAP_DATA,
                                         QA_ARCH_RISCV64, NULL);

        g_assert_cmpint(req.kind, ==, QA_REQ_RESET);
        g_assert_false(req.has_srst);
        g_assert_cmpint(req.reset_kind, ==, QA_RESET_COLD);
    }
}

static void test_hyperv_crash(void)
{
    QaSysEventRegs regs = {
        .has_hv_crash = true,
        .hv_crash = {0x1e, 0x8100000000050a00ULL, 0xffffffff81000000ULL, 3, 4}};
    QaSysEventRegs none = {0};
    QaMachineRequest req;

    req =
        translate(QA_SYSEVENT_CRASH, 0, NULL, CAP_DATA, QA_ARCH_X86_64, &regs);
    g_assert_cmpint(req.kind, ==, QA_REQ_PANIC);
    g_assert_cmpint(req.cause, ==, QA_CAUSE_GUEST_PANIC);
    g_assert_cmpint(req.panic.kind, ==, QA_PANIC_INFO_HYPERV);
    g_assert_cmpmem(req.panic.args, sizeof(req.panic.args), regs.hv_crash,
                    sizeof(regs.hv_crash));
    g_assert_nonnull(strstr(req.detail, "0x1e"));

    req =
        translate(QA_SYSEVENT_CRASH, 0, NULL, CAP_DATA, QA_ARCH_X86_64, &none);
    g_assert_cmpint(req.kind, ==, QA_REQ_PANIC);
    g_assert_cmpint(req.panic.kind, ==, QA_PANIC_INFO_NONE);
    req = translate(QA_SYSEVENT_CRASH, 0, NULL, 0, QA_ARCH_X86_64, NULL);
    g_assert_cmpint(req.panic.kind, ==, QA_PANIC_INFO_NONE);

    /* Hyper-V is x86 only; arm64 KVM never raises CRASH: flagged. */
    req = translate(QA_SYSEVENT_CRASH, 0, NULL, CAP_DATA, QA_ARCH_ARM64, &regs);
    g_assert_cmpint(req.kind, ==, QA_REQ_PANIC);
    g_assert_cmpint(req.panic.kind, ==, QA_PANIC_INFO_NONE);
    g_assert_nonnull(strstr(req.detail, "[not raised by arm64 kvm]"));
}

static void test_sev_term(void)
{
    static const struct {
        uint64_t ghcb;
        bool msr;
        unsigned set, code;
        const char *text;
    } cases[] = {
        {0x100, true, 0, 0, "general termination request"},
        {0x100 | (1 << 16), true, 0, 1, "version not supported"},
        {0x100 | (2 << 16), true, 0, 2, "snp features not supported"},
        {0x100 | (1 << 12), true, 1, 0, "registration failure"},
        {0x100 | (1 << 12) | (1 << 16), true, 1, 1, "page state change"},
        {0x100 | (1 << 12) | (2 << 16), true, 1, 2, "pvalidate failure"},
        {0x100 | (0xfULL << 12) | (0xffULL << 16), true, 15, 255,
         "unknown reason"},
        {0x12345000, false, 0, 0, "ghcb gpa 0x12345000"},
        {0x101, false, 0, 0, "ghcb gpa 0x101"},
        {0xfffff100ULL << 8, false, 0, 0, "ghcb gpa"},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        QaMachineRequest req = translate1(QA_SYSEVENT_SEV_TERM, cases[i].ghcb,
                                          QA_ARCH_X86_64, NULL);

        g_assert_cmpint(req.kind, ==, QA_REQ_PANIC);
        g_assert_cmpint(req.cause, ==, QA_CAUSE_GUEST_PANIC);
        g_assert_cmpint(req.panic.kind, ==, QA_PANIC_INFO_SEV);
        g_assert_cmphex(req.panic.ghcb, ==, cases[i].ghcb);
        g_assert_cmpint(req.panic.sev_msr_form, ==, cases[i].msr);
        g_assert_cmpuint(req.panic.sev_reason_set, ==, cases[i].set);
        g_assert_cmpuint(req.panic.sev_reason_code, ==, cases[i].code);
        g_assert_nonnull(strstr(req.detail, cases[i].text));
    }
    {
        QaMachineRequest req = translate(QA_SYSEVENT_SEV_TERM, 0, NULL,
                                         CAP_DATA, QA_ARCH_X86_64, NULL);

        g_assert_cmpint(req.kind, ==, QA_REQ_PANIC);
        g_assert_cmpint(req.panic.kind, ==, QA_PANIC_INFO_NONE);

        req = translate1(QA_SYSEVENT_SEV_TERM, 0x100, QA_ARCH_ARM64, NULL);
        g_assert_cmpint(req.kind, ==, QA_REQ_ERROR);
        g_assert_cmpuint(req.event_type, ==, QA_SYSEVENT_SEV_TERM);
        g_assert_cmphex(req.event_data[0], ==, 0x100);
        g_assert_nonnull(strstr(req.detail, "x86-only"));
    }
}

/* Put @s into the TDX message registers in GHCI order; returns the mask. */
static uint64_t tdx_fill_message(uint64_t *regs, const uint8_t *s, size_t len)
{
    static const unsigned order[] = {14, 15, 3, 7, 6, 8, 9, 2};
    uint64_t mask = 0;

    for (size_t i = 0; i < len && i < 64; i++) {
        unsigned r = order[i / 8];

        regs[r] |= (uint64_t)s[i] << (8 * (i % 8));
        mask |= 1ULL << r;
    }
    return mask;
}

static QaMachineRequest tdx(uint64_t *regs, uint32_t ndata)
{
    return translate(QA_SYSEVENT_TDX_FATAL, ndata, regs, CAP_DATA,
                     QA_ARCH_X86_64, NULL);
}

static void test_tdx_fatal(void)
{
    uint64_t regs[16] = {0};
    QaMachineRequest req;
    const char *text = "Panic: out of memory in the TD guest, sorry!";

    regs[1] = tdx_fill_message(regs, (const uint8_t *)text, strlen(text));
    regs[12] = 0x8000000000000000ULL;
    regs[13] = 0x7ff000;
    req = tdx(regs, 16);
    g_assert_cmpint(req.kind, ==, QA_REQ_PANIC);
    g_assert_cmpint(req.cause, ==, QA_CAUSE_GUEST_PANIC);
    g_assert_cmpint(req.panic.kind, ==, QA_PANIC_INFO_TDX);
    g_assert_cmphex(req.panic.error_code, ==, 0x8000000000000000ULL);
    g_assert_true(req.panic.gpa_valid);
    g_assert_cmphex(req.panic.gpa, ==, 0x7ff000);
    g_assert_cmpstr(req.panic.message, ==, text);
    g_assert_nonnull(strstr(req.detail, "gpa 0x7ff000"));

    /* bit 63 clear: R13 is not a GPA */
    regs[12] = 0x1234;
    req = tdx(regs, 16);
    g_assert_false(req.panic.gpa_valid);
    g_assert_cmphex(req.panic.gpa, ==, 0);
    g_assert_cmphex(req.panic.error_code, ==, 0x1234);

    /* A register missing from the RCX mask is left out. */
    regs[1] &= ~(1ULL << 15);
    req = tdx(regs, 16);
    g_assert_cmpstr(req.panic.message, ==,
                    "Panic: omory in the TD guest, sorry!");

    /* No mask: no message. */
    regs[1] = 0;
    req = tdx(regs, 16);
    g_assert_cmpstr(req.panic.message, ==, "");

    /* ndata too small for R12: panic without info; for R13: no GPA. */
    regs[12] = 0x8000000000000000ULL;
    req = tdx(regs, 12);
    g_assert_cmpint(req.kind, ==, QA_REQ_PANIC);
    g_assert_cmpint(req.panic.kind, ==, QA_PANIC_INFO_NONE);
    req = tdx(regs, 13);
    g_assert_cmpint(req.panic.kind, ==, QA_PANIC_INFO_TDX);
    g_assert_false(req.panic.gpa_valid);
    req = translate(QA_SYSEVENT_TDX_FATAL, 16, regs, 0, QA_ARCH_X86_64, NULL);
    g_assert_cmpint(req.panic.kind, ==, QA_PANIC_INFO_NONE);

    /* TDX on riscv: an x86 vendor ABI, not translated. */
    req = translate(QA_SYSEVENT_TDX_FATAL, 16, regs, CAP_DATA, QA_ARCH_RISCV64,
                    NULL);
    g_assert_cmpint(req.kind, ==, QA_REQ_ERROR);
    g_assert_cmpuint(req.event_ndata, ==, 16);
}

static void test_tdx_message_escaping(void)
{
    static const uint8_t odd[] = {'o', 'k', 0x01, 0xff, '\\', '\n',
                                  '"', 'z', '\t', 0x7f, 'x'};
    static const uint8_t nul[] = {'a', 'b', 'c', 0, 'd', 'e', 'f'};
    uint64_t regs[16] = {0};
    uint8_t full[64];
    g_autoptr(GString) want = g_string_new(NULL);
    QaMachineRequest req;

    regs[1] = tdx_fill_message(regs, odd, sizeof(odd));
    req = tdx(regs, 16);
    g_assert_cmpstr(req.panic.message, ==,
                    "ok\\x01\\xff\\\\\\x0a\"z\\x09\\x7fx");

    memset(regs, 0, sizeof(regs));
    regs[1] = tdx_fill_message(regs, nul, sizeof(nul));
    req = tdx(regs, 16);
    g_assert_cmpstr(req.panic.message, ==, "abc");

    /* 64 bytes all escaped: 256 characters, no overflow, no cut. */
    memset(regs, 0, sizeof(regs));
    memset(full, 0xff, sizeof(full));
    regs[1] = tdx_fill_message(regs, full, sizeof(full));
    req = tdx(regs, 16);
    for (unsigned i = 0; i < 64; i++) {
        g_string_append(want, "\\xff");
    }
    g_assert_cmpstr(req.panic.message, ==, want->str);

    /* The mask may name every register; only the 8 GHCI ones count. */
    regs[1] = ~0ULL;
    regs[0] = 0x4141414141414141ULL;
    req = tdx(regs, 16);
    g_assert_cmpstr(req.panic.message, ==, want->str);
}

static void test_suspend_wakeup(void)
{
    QaMachineRequest req;

    req =
        translate(QA_SYSEVENT_SUSPEND, 0, NULL, CAP_DATA, QA_ARCH_ARM64, NULL);
    g_assert_cmpint(req.kind, ==, QA_REQ_SUSPEND);
    g_assert_cmpstr(req.detail, ==, "system suspend");
    req = translate(QA_SYSEVENT_WAKEUP, 0, NULL, CAP_DATA, QA_ARCH_ARM64, NULL);
    g_assert_cmpint(req.kind, ==, QA_REQ_WAKEUP);
    g_assert_cmpstr(req.detail, ==, "wakeup while suspended");

    /* Translated on every arch, flagged where KVM never raises it. */
    req =
        translate(QA_SYSEVENT_SUSPEND, 0, NULL, CAP_DATA, QA_ARCH_X86_64, NULL);
    g_assert_cmpint(req.kind, ==, QA_REQ_SUSPEND);
    g_assert_cmpstr(req.detail, ==,
                    "system suspend [not raised by x86_64 kvm]");
}

static void test_unknown_types(void)
{
    static const uint32_t types[] = {0, 8, 9, 0x100, 0x7fffffff, 0xffffffff};

    for (size_t t = 0; t < G_N_ELEMENTS(types); t++) {
        for (size_t a = 0; a < G_N_ELEMENTS(all_arches); a++) {
            g_autofree char *want =
                g_strdup_printf("unknown system event type %u", types[t]);
            QaMachineRequest req =
                translate(types[t], 3, NULL, CAP_DATA, all_arches[a], NULL);

            g_assert_cmpint(req.kind, ==, QA_REQ_ERROR);
            g_assert_cmpint(req.kind, !=, QA_REQ_SHUTDOWN);
            g_assert_cmpint(req.cause, ==, QA_CAUSE_HOST_ERROR);
            g_assert_cmpuint(req.event_type, ==, types[t]);
            g_assert_cmpuint(req.event_ndata, ==, 3);
            for (unsigned i = 0; i < 3; i++) {
                g_assert_cmphex(req.event_data[i], ==, pattern(i));
            }
            g_assert_cmphex(req.event_data[3], ==, 0);
            g_assert_cmpstr(req.detail, ==, want);
            g_assert_cmpstr(qa_sysevent_type_name(types[t]), ==, "unknown");
        }
    }
}

static void test_source_and_cpu(void)
{
    static const struct {
        QaSysEventSource src;
        const char *name;
    } cases[] = {
        {QA_SYSEVENT_SRC_KERNEL, "kvm"},
        {QA_SYSEVENT_SRC_INJECTED, "injected"},
        {QA_SYSEVENT_SRC_FIRMWARE, "firmware"},
        {QA_SYSEVENT_SRC__MAX, "unknown"},
    };
    QaSysEvent ev = {.type = QA_SYSEVENT_SHUTDOWN};
    QaMachineRequest req;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        ev.source = cases[i].src;
        qa_sysevent_to_request(&ev, QA_ARCH_ARM64, 7, NULL, &req);
        g_assert_cmpstr(req.source, ==, cases[i].name);
        g_assert_cmpint(req.cpu, ==, 7);
    }
    /* An out-of-range arch is an error request, not a crash. */
    qa_sysevent_to_request(&ev, QA_ARCH__MAX, 0, NULL, &req);
    g_assert_cmpint(req.kind, ==, QA_REQ_ERROR);
}

/* ------------------------------------------------------------------ */

static void test_triple_fault(void)
{
    QaMachineRequest req;
    g_autofree char *s = NULL;

    memset(&req, 0xaa, sizeof(req));
    qa_request_triple_fault(2, &req);
    g_assert_cmpint(req.kind, ==, QA_REQ_RESET);
    g_assert_cmpint(req.cause, ==, QA_CAUSE_GUEST_RESET);
    g_assert_cmpint(req.reset_kind, ==, QA_RESET_TRIPLE_FAULT);
    g_assert_cmpint(req.cpu, ==, 2);
    g_assert_false(req.has_reset2);
    g_assert_cmpstr(req.detail, ==, "triple fault");
    s = qa_request_describe(&req);
    g_assert_cmpstr(s, ==,
                    "reset cause=guest-reset cpu=2 kind=triple-fault "
                    "source=kvm detail=\"triple fault\"");
}

static void test_describe(void)
{
    QaSysEventRegs regs = {.has_arm64_x1_x2 = true, .x1 = 0, .x2 = 0x42};
    QaMachineRequest req;
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    g_autofree char *c = NULL;
    g_autofree char *d = NULL;
    uint64_t regs_tdx[16] = {
        [1] = 1ULL << 14, [12] = 1ULL << 63, [13] = 0x1000, [14] = 0x6968};

    req = translate1(QA_SYSEVENT_RESET, 1, QA_ARCH_ARM64, &regs);
    a = qa_request_describe(&req);
    g_assert_cmpstr(a, ==,
                    "reset cause=guest-reset cpu=0 kind=warm reset_type=0x0 "
                    "cookie=0x42 source=kvm "
                    "detail=\"psci system-reset2 warm\"");

    req = translate(0x99, 2, NULL, CAP_DATA, QA_ARCH_X86_64, NULL);
    b = qa_request_describe(&req);
    g_assert_nonnull(strstr(b, "error cause=host-error"));
    g_assert_nonnull(strstr(b, "type=153 ndata=2 data=0xa401010101010101,"
                               "0xa702020202020202"));

    req = tdx(regs_tdx, 16);
    c = qa_request_describe(&req);
    g_assert_nonnull(strstr(c, "panic cause=guest-panic"));
    g_assert_nonnull(strstr(c, "info=tdx error_code=0x8000000000000000 "
                               "gpa=0x1000 message=\"hi\""));

    req = translate1(QA_SYSEVENT_SHUTDOWN, 1, QA_ARCH_ARM64, NULL);
    req.cpu = -1;
    d = qa_request_describe(&req);
    g_assert_cmpstr(d, ==,
                    "shutdown cause=guest-shutdown hibernate source=kvm "
                    "detail=\"psci system-off2 (hibernate)\"");
}

static void test_names(void)
{
    static const char *const types[] = {"unknown",  "shutdown",  "reset",
                                        "crash",    "wakeup",    "suspend",
                                        "sev-term", "tdx-fatal", "unknown"};
    QaArch arch;

    for (uint32_t i = 0; i < G_N_ELEMENTS(types); i++) {
        g_assert_cmpstr(qa_sysevent_type_name(i), ==, types[i]);
    }
    g_assert_cmpstr(qa_arch_name(QA_ARCH_X86_64), ==, "x86_64");
    g_assert_cmpstr(qa_arch_name(QA_ARCH_ARM64), ==, "arm64");
    g_assert_cmpstr(qa_arch_name(QA_ARCH_RISCV64), ==, "riscv64");
    g_assert_cmpstr(qa_arch_name(QA_ARCH__MAX), ==, "invalid");
    g_assert_true(qa_arch_from_name("x86_64", &arch));
    g_assert_cmpint(arch, ==, QA_ARCH_X86_64);
    g_assert_true(qa_arch_from_name("arm64", &arch));
    g_assert_cmpint(arch, ==, QA_ARCH_ARM64);
    g_assert_true(qa_arch_from_name("aarch64", &arch));
    g_assert_cmpint(arch, ==, QA_ARCH_ARM64);
    g_assert_true(qa_arch_from_name("riscv64", &arch));
    g_assert_cmpint(arch, ==, QA_ARCH_RISCV64);
    g_assert_false(qa_arch_from_name("riscv32", &arch));
    g_assert_false(qa_arch_from_name("", &arch));
    g_assert_false(qa_arch_from_name("X86_64", &arch));
    g_assert_false(qa_arch_from_name(NULL, &arch));

    g_assert_cmpstr(qa_request_kind_name(QA_REQ_NONE), ==, "none");
    g_assert_cmpstr(qa_request_kind_name(QA_REQ_RESET), ==, "reset");
    g_assert_cmpstr(qa_request_kind_name(QA_REQ_SHUTDOWN), ==, "shutdown");
    g_assert_cmpstr(qa_request_kind_name(QA_REQ_PANIC), ==, "panic");
    g_assert_cmpstr(qa_request_kind_name(QA_REQ_CRASHLOADED), ==,
                    "crashloaded");
    g_assert_cmpstr(qa_request_kind_name(QA_REQ_SUSPEND), ==, "suspend");
    g_assert_cmpstr(qa_request_kind_name(QA_REQ_WAKEUP), ==, "wakeup");
    g_assert_cmpstr(qa_request_kind_name(QA_REQ_ERROR), ==, "error");
    g_assert_cmpstr(qa_request_kind_name(QA_REQ__MAX), ==, "invalid");
    g_assert_cmpstr(qa_request_kind_name((QaRequestKind)-1), ==, "invalid");
}

static void test_cause_names(void)
{
    /* QEMU's ShutdownCause strings, in QEMU's order. */
    static const char *const names[] = {
        "none",           "host-error",
        "host-qmp-quit",  "host-qmp-system-reset",
        "host-signal",    "host-ui",
        "guest-shutdown", "guest-reset",
        "guest-panic",    "subsystem-reset",
        "snapshot-load",
    };

    g_assert_cmpuint(G_N_ELEMENTS(names), ==, QA_CAUSE__MAX);
    for (unsigned i = 0; i < QA_CAUSE__MAX; i++) {
        bool guest = i == QA_CAUSE_GUEST_SHUTDOWN ||
                     i == QA_CAUSE_GUEST_RESET || i == QA_CAUSE_GUEST_PANIC;

        g_assert_cmpstr(qa_shutdown_cause_name(i), ==, names[i]);
        g_assert_cmpint(qa_shutdown_cause_is_guest(i), ==, guest);
    }
    g_assert_cmpstr(qa_shutdown_cause_name(QA_CAUSE__MAX), ==, "invalid");
    g_assert_false(qa_shutdown_cause_is_guest(QA_CAUSE__MAX));
}

/*
 * Random records of random length under random ABI, capabilities and arch
 * (including invalid ones): the decoder either refuses or yields a
 * consistent event, and the translator and describe never misbehave.
 * Seeded by g_test (re-run a failure with --seed).
 */
static void test_random(void)
{
    for (unsigned iter = 0; iter < 20000; iter++) {
        size_t len = g_test_rand_int_range(0, 2 * QA_SYSEVENT_MEMBER_SIZE);
        g_autofree uint8_t *buf = g_malloc(len + 1);
        QaSysEventAbi abi = g_test_rand_int_range(0, 3);
        unsigned caps = g_test_rand_int();
        QaArch arch = g_test_rand_int_range(0, QA_ARCH__MAX + 1);
        QaSysEventRegs regs;
        QaSysEvent ev;
        QaMachineRequest req;
        g_autofree char *s = NULL;
        g_autoptr(GError) err = NULL;

        for (size_t i = 0; i < len; i++) {
            buf[i] = g_test_rand_int();
        }
        /* Bias toward known types so the translators get exercised. */
        if (len >= 4 && g_test_rand_bit()) {
            buf[0] = g_test_rand_int_range(0, 9);
            buf[1] = buf[2] = buf[3] = 0;
        }
        if (!qa_sysevent_decode(buf, len, abi, caps, arch, &ev, &err)) {
            g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
            continue;
        }
        g_assert_cmpuint(ev.ndata, <=, QA_SYSEVENT_NDATA_MAX);
        if (!ev.data_valid) {
            g_assert_cmpuint(ev.ndata, ==, 0);
        }
        for (unsigned i = ev.ndata; i < QA_SYSEVENT_NDATA_MAX; i++) {
            g_assert_cmphex(ev.data[i], ==, 0);
        }
        for (size_t i = 0; i < sizeof(regs); i++) {
            ((uint8_t *)&regs)[i] = g_test_rand_int();
        }
        regs.has_arm64_x1_x2 = g_test_rand_bit();
        regs.has_riscv_a0 = g_test_rand_bit();
        regs.has_hv_crash = g_test_rand_bit();
        qa_sysevent_to_request(&ev, arch, 0, g_test_rand_bit() ? &regs : NULL,
                               &req);
        g_assert_cmpint(req.kind, <, QA_REQ__MAX);
        g_assert_nonnull(memchr(req.detail, '\0', sizeof(req.detail)));
        g_assert_nonnull(
            memchr(req.panic.message, '\0', sizeof(req.panic.message)));
        if (ev.type == 0 || ev.type > QA_SYSEVENT_TDX_FATAL) {
            g_assert_cmpint(req.kind, ==, QA_REQ_ERROR);
        }
        s = qa_request_describe(&req);
        g_assert_nonnull(s);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/sysevent/decode/matrix", test_matrix);
    g_test_add_func("/sysevent/decode/short-and-invalid",
                    test_short_and_invalid);
    g_test_add_func("/sysevent/decode/unaligned", test_unaligned);
    g_test_add_func("/sysevent/decode/old-layouts", test_old_layouts);
    g_test_add_func("/sysevent/encode/round-trip", test_encode);
    g_test_add_func("/sysevent/arm64/reset2", test_arm64_reset2);
    g_test_add_func("/sysevent/arm64/reset-plain", test_arm64_reset_plain);
    g_test_add_func("/sysevent/arm64/off2", test_arm64_off2);
    g_test_add_func("/sysevent/riscv/srst", test_riscv_srst);
    g_test_add_func("/sysevent/x86/hyperv-crash", test_hyperv_crash);
    g_test_add_func("/sysevent/x86/sev-term", test_sev_term);
    g_test_add_func("/sysevent/x86/tdx-fatal", test_tdx_fatal);
    g_test_add_func("/sysevent/x86/tdx-message", test_tdx_message_escaping);
    g_test_add_func("/sysevent/suspend-wakeup", test_suspend_wakeup);
    g_test_add_func("/sysevent/unknown-types", test_unknown_types);
    g_test_add_func("/sysevent/source-and-cpu", test_source_and_cpu);
    g_test_add_func("/sysevent/triple-fault", test_triple_fault);
    g_test_add_func("/sysevent/describe", test_describe);
    g_test_add_func("/sysevent/names", test_names);
    g_test_add_func("/request/cause-names", test_cause_names);
    g_test_add_func("/sysevent/random", test_random);
    return g_test_run();
}
