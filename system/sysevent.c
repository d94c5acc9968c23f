/*
 * KVM_EXIT_SYSTEM_EVENT decoder and translator.
 *
 * The decoder is the one place where the ABI rules of the kvm_run
 * system_event member live (docs/system-events.md, "Decoder rules"): which
 * layout the bytes follow, when data[] may be trusted, how far, and what a
 * pre-5.18 kernel left in the legacy flags word.  The translator turns the
 * decoded event into a machine request, keeping what / why / detail apart.
 * Both are pure functions of their arguments.
 */
#include <string.h>
#include <qaccel/error.h>
#include <qaccel/sysevent.h>

/* Member offsets (proven per target by tests/abi/layout-check.c). */
#define SE_OFF_TYPE 0
#define SE_OFF_NDATA 4
#define SE_OFF_DATA 8
#define SE_OFF_FLAGS_32_OLD 4

/* Bit i set: the KVM of QaArch i raises this type (spec §3). */
#define ARCH_BIT(a) (1u << (a))
static const unsigned type_producers[] = {
    [QA_SYSEVENT_SHUTDOWN] =
        ARCH_BIT(QA_ARCH_ARM64) | ARCH_BIT(QA_ARCH_RISCV64),
    [QA_SYSEVENT_RESET] = ARCH_BIT(QA_ARCH_ARM64) | ARCH_BIT(QA_ARCH_RISCV64) |
                          ARCH_BIT(QA_ARCH_X86_64),
    [QA_SYSEVENT_CRASH] = ARCH_BIT(QA_ARCH_X86_64),
    [QA_SYSEVENT_WAKEUP] = ARCH_BIT(QA_ARCH_ARM64),
    [QA_SYSEVENT_SUSPEND] = ARCH_BIT(QA_ARCH_ARM64),
    [QA_SYSEVENT_SEV_TERM] = ARCH_BIT(QA_ARCH_X86_64),
    [QA_SYSEVENT_TDX_FATAL] = ARCH_BIT(QA_ARCH_X86_64),
};

static const char *const type_names[] = {
    [QA_SYSEVENT_SHUTDOWN] = "shutdown",   [QA_SYSEVENT_RESET] = "reset",
    [QA_SYSEVENT_CRASH] = "crash",         [QA_SYSEVENT_WAKEUP] = "wakeup",
    [QA_SYSEVENT_SUSPEND] = "suspend",     [QA_SYSEVENT_SEV_TERM] = "sev-term",
    [QA_SYSEVENT_TDX_FATAL] = "tdx-fatal",
};

static const char *const arch_names[QA_ARCH__MAX] = {
    [QA_ARCH_X86_64] = "x86_64",
    [QA_ARCH_ARM64] = "arm64",
    [QA_ARCH_RISCV64] = "riscv64",
};

static const char *const source_names[QA_SYSEVENT_SRC__MAX] = {
    [QA_SYSEVENT_SRC_KERNEL] = "kvm",
    [QA_SYSEVENT_SRC_INJECTED] = "injected",
    [QA_SYSEVENT_SRC_FIRMWARE] = "firmware",
};

/*
 * The record is little-endian: the kernel writes host order and every host
 * qaccel supports is little-endian; fixing the order also keeps injected
 * and recorded records portable.  memcpy: the bytes may be unaligned.
 */
static uint32_t get_le32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
    return GUINT32_FROM_LE(v);
}

static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return GUINT64_FROM_LE(v);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    v = GUINT32_TO_LE(v);
    memcpy(p, &v, sizeof(v));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    v = GUINT64_TO_LE(v);
    memcpy(p, &v, sizeof(v));
}

const char *qa_sysevent_type_name(uint32_t type)
{
    if (type >= G_N_ELEMENTS(type_names) || !type_names[type]) {
        return "unknown";
    }
    return type_names[type];
}

const char *qa_arch_name(QaArch arch)
{
    if ((unsigned)arch >= QA_ARCH__MAX) {
        return "invalid";
    }
    return arch_names[arch];
}

bool qa_arch_from_name(const char *name, QaArch *arch)
{
    if (!name) {
        return false;
    }
    if (strcmp(name, "aarch64") == 0) {
        *arch = QA_ARCH_ARM64;
        return true;
    }
    for (unsigned i = 0; i < QA_ARCH__MAX; i++) {
        if (strcmp(name, arch_names[i]) == 0) {
            *arch = (QaArch)i;
            return true;
        }
    }
    return false;
}

static size_t abi_member_size(QaSysEventAbi abi)
{
    switch (abi) {
    case QA_SYSEVENT_ABI_64:
        return QA_SYSEVENT_MEMBER_SIZE;
    case QA_SYSEVENT_ABI_32_OLD:
        return QA_SYSEVENT_MEMBER_SIZE_32_OLD;
    }
    return 0;
}

/* >= 5.18 kernel: ndata says how much of data[] is valid. */
static void decode_with_data(const uint8_t *p, QaSysEvent *ev)
{
    ev->raw_ndata = get_le32(p + SE_OFF_NDATA);
    ev->ndata = ev->raw_ndata;
    if (ev->ndata > QA_SYSEVENT_NDATA_MAX) {
        ev->ndata = QA_SYSEVENT_NDATA_MAX;
        ev->clamped = true;
    }
    for (uint32_t i = 0; i < ev->ndata; i++) {
        ev->data[i] = get_le64(p + SE_OFF_DATA + 8 * i);
    }
    ev->data_valid = true;
}

/*
 * Pre-5.18 kernel: no ndata.  Only arm64 (PSCI RESET2 flag) and riscv
 * (SRST reason) ever wrote the flags word; x86 left it unset, so there it
 * is not data at all.
 */
static void decode_legacy(const uint8_t *p, QaSysEventAbi abi, QaArch arch,
                          QaSysEvent *ev)
{
    size_t flags_off;

    if (abi == QA_SYSEVENT_ABI_32_OLD) {
        flags_off = SE_OFF_FLAGS_32_OLD;
        ev->raw_ndata = 0; /* the old layout has no such field */
    } else {
        flags_off = SE_OFF_DATA;
        ev->raw_ndata = get_le32(p + SE_OFF_NDATA); /* the hole: garbage */
    }
    if (arch == QA_ARCH_X86_64) {
        return;
    }
    ev->data[0] = get_le64(p + flags_off);
    ev->ndata = 1;
    ev->data_valid = true;
    ev->legacy_flags = true;
}

bool qa_sysevent_decode(const void *bytes, size_t len, QaSysEventAbi abi,
                        unsigned caps, QaArch arch, QaSysEvent *ev,
                        GError **error)
{
    const uint8_t *p = bytes;
    size_t need = abi_member_size(abi);
    bool have_data_cap = caps & QA_KVM_CAP_SYSTEM_EVENT_DATA_BIT;

    g_return_val_if_fail(ev != NULL, false);

    if (need == 0) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "unknown system event ABI %d", (int)abi);
        return false;
    }
    if ((unsigned)arch >= QA_ARCH__MAX) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "invalid architecture %d", (int)arch);
        return false;
    }
    if (!p || len < need) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "system event record too short: %zu bytes, "
                    "the %s layout needs %zu",
                    p ? len : 0,
                    abi == QA_SYSEVENT_ABI_64 ? "current" : "32-bit pre-5.18",
                    need);
        return false;
    }

    memset(ev, 0, sizeof(*ev));
    ev->type = get_le32(p + SE_OFF_TYPE);
    ev->source = QA_SYSEVENT_SRC_KERNEL;
    if (abi == QA_SYSEVENT_ABI_64 && have_data_cap) {
        decode_with_data(p, ev);
    } else if (abi == QA_SYSEVENT_ABI_32_OLD && have_data_cap) {
        /*
         * A kernel with SYSTEM_EVENT_DATA writes the current layout
         * whatever header its caller was built with, so offset 4 of this
         * record holds ndata, not flags: nothing here is data.
         */
        ev->raw_ndata = 0;
    } else {
        decode_legacy(p, abi, arch, ev);
    }
    return true;
}

size_t qa_sysevent_encode(uint32_t type, uint32_t ndata, const uint64_t *data,
                          QaSysEventAbi abi, void *buf, size_t buflen)
{
    uint8_t *p = buf;
    size_t size = abi_member_size(abi);
    uint32_t n = MIN(ndata, (uint32_t)QA_SYSEVENT_NDATA_MAX);

    if (size == 0 || !p || buflen < size) {
        return 0;
    }
    memset(p, 0, size);
    put_le32(p + SE_OFF_TYPE, type);
    if (abi == QA_SYSEVENT_ABI_32_OLD) {
        if (data && ndata > 0) {
            put_le64(p + SE_OFF_FLAGS_32_OLD, data[0]);
        }
        return size;
    }
    /* ndata is stored as given, so tests can build over-long records. */
    put_le32(p + SE_OFF_NDATA, ndata);
    for (uint32_t i = 0; data && i < n; i++) {
        put_le64(p + SE_OFF_DATA + 8 * i, data[i]);
    }
    return size;
}

/* ------------------------------------------------------------------ */
/* Translation                                                        */
/* ------------------------------------------------------------------ */

static bool has_data0(const QaSysEvent *ev)
{
    return ev->data_valid && ev->ndata >= 1;
}

static const char *srst_reason_name(uint32_t reason)
{
    if (reason == QA_SRST_REASON_NONE) {
        return "no reason";
    } else if (reason == QA_SRST_REASON_SYSTEM_FAILURE) {
        return "system failure";
    } else if (reason >= 0xE0000000u && reason <= 0xEFFFFFFFu) {
        return "sbi implementation specific";
    } else if (reason >= 0xF0000000u) {
        return "vendor specific";
    }
    return "reserved";
}

static void set_srst(const QaSysEvent *ev, QaMachineRequest *req)
{
    if (has_data0(ev)) {
        req->has_srst = true;
        req->srst_reason = (uint32_t)ev->data[0];
    }
}

static void translate_shutdown(const QaSysEvent *ev, QaArch arch,
                               QaMachineRequest *req)
{
    req->kind = QA_REQ_SHUTDOWN;
    req->cause = QA_CAUSE_GUEST_SHUTDOWN;
    if (arch == QA_ARCH_ARM64) {
        /* PSCI SYSTEM_OFF2 HIBERNATE_OFF: QEMU's SUSPEND_DISK, then off */
        req->hibernate = has_data0(ev) &&
                         (ev->data[0] & QA_SYSEVENT_SHUTDOWN_FLAG_PSCI_OFF2);
        g_snprintf(req->detail, sizeof(req->detail), "%s",
                   req->hibernate ? "psci system-off2 (hibernate)"
                                  : "psci system-off");
    } else if (arch == QA_ARCH_RISCV64 && has_data0(ev)) {
        set_srst(ev, req);
        g_snprintf(req->detail, sizeof(req->detail),
                   "sbi srst shutdown, reason %u (%s)", req->srst_reason,
                   srst_reason_name(req->srst_reason));
    } else {
        g_snprintf(req->detail, sizeof(req->detail), "shutdown");
    }
}

static void translate_reset2(const QaSysEventRegs *regs, QaMachineRequest *req)
{
    req->has_reset2 = true;
    if (!regs || !regs->has_arm64_x1_x2) {
        /* The type is unknown: ask for the plainest reset there is. */
        req->reset_kind = QA_RESET_COLD;
        g_snprintf(req->detail, sizeof(req->detail),
                   "psci system-reset2, x1/x2 unavailable");
        return;
    }
    req->reset_type = (uint32_t)regs->x1;
    req->cookie = regs->x2;
    if (req->reset_type & 0x80000000u) {
        req->reset_kind = QA_RESET_VENDOR;
        g_snprintf(req->detail, sizeof(req->detail),
                   "psci system-reset2 vendor type 0x%x", req->reset_type);
    } else if (req->reset_type == 0) {
        req->reset_kind = QA_RESET_WARM;
        g_snprintf(req->detail, sizeof(req->detail), "psci system-reset2 warm");
    } else {
        /* KVM refuses these; only an injected event can carry one. */
        req->reset_kind = QA_RESET_COLD;
        g_snprintf(req->detail, sizeof(req->detail),
                   "psci system-reset2 reserved type 0x%x", req->reset_type);
    }
}

static void translate_riscv_reset(const QaSysEvent *ev,
                                  const QaSysEventRegs *regs,
                                  QaMachineRequest *req)
{
    const char *what = "reboot (type unknown)";
    g_autofree char *typed = NULL;

    set_srst(ev, req);
    /* KVM does not pass cold vs warm; the caller may have read a0. */
    if (regs && regs->has_riscv_a0) {
        if (regs->a0 == 1) {
            what = "cold reboot";
        } else if (regs->a0 == 2) {
            req->reset_kind = QA_RESET_WARM;
            what = "warm reboot";
        } else {
            what = typed = g_strdup_printf(
                "reboot type 0x%" G_GINT64_MODIFIER "x", regs->a0);
        }
    }
    if (req->has_srst) {
        g_snprintf(req->detail, sizeof(req->detail),
                   "sbi srst %s, reason %u (%s)", what, req->srst_reason,
                   srst_reason_name(req->srst_reason));
    } else {
        g_snprintf(req->detail, sizeof(req->detail), "sbi srst %s", what);
    }
}

static void translate_reset(const QaSysEvent *ev, QaArch arch,
                            const QaSysEventRegs *regs, QaMachineRequest *req)
{
    req->kind = QA_REQ_RESET;
    req->cause = QA_CAUSE_GUEST_RESET;
    req->reset_kind = QA_RESET_COLD;
    switch (arch) {
    case QA_ARCH_ARM64:
        if (has_data0(ev) &&
            (ev->data[0] & QA_SYSEVENT_RESET_FLAG_PSCI_RESET2)) {
            translate_reset2(regs, req);
        } else {
            g_snprintf(req->detail, sizeof(req->detail), "psci system-reset");
        }
        break;
    case QA_ARCH_RISCV64:
        translate_riscv_reset(ev, regs, req);
        break;
    default:
        /* x86: a guest write to HV_X64_MSR_RESET */
        g_snprintf(req->detail, sizeof(req->detail), "hyper-v reset msr");
        break;
    }
}

static void translate_crash(QaArch arch, const QaSysEventRegs *regs,
                            QaMachineRequest *req)
{
    req->kind = QA_REQ_PANIC;
    req->cause = QA_CAUSE_GUEST_PANIC;
    /* Only x86 has the Hyper-V crash MSRs. */
    if (arch == QA_ARCH_X86_64 && regs && regs->has_hv_crash) {
        req->panic.kind = QA_PANIC_INFO_HYPERV;
        memcpy(req->panic.args, regs->hv_crash, sizeof(req->panic.args));
        g_snprintf(req->detail, sizeof(req->detail),
                   "hyper-v crash, p0 0x%" G_GINT64_MODIFIER "x",
                   regs->hv_crash[0]);
    } else {
        g_snprintf(req->detail, sizeof(req->detail), "guest crash");
    }
}

static const char *sev_reason_name(unsigned set, unsigned code)
{
    static const char *const gen[] = {
        "general termination request",
        "ghcb protocol version not supported",
        "snp features not supported",
    };
    static const char *const linux_set[] = {
        "ghcb gpa registration failure",
        "page state change failure",
        "pvalidate failure",
    };

    if (set == 0 && code < G_N_ELEMENTS(gen)) {
        return gen[code];
    } else if (set == 1 && code < G_N_ELEMENTS(linux_set)) {
        return linux_set[code];
    }
    return "unknown reason";
}

static void translate_sev_term(const QaSysEvent *ev, QaMachineRequest *req)
{
    QaPanicInfo *pi = &req->panic;

    req->kind = QA_REQ_PANIC;
    req->cause = QA_CAUSE_GUEST_PANIC;
    if (!has_data0(ev)) {
        g_snprintf(req->detail, sizeof(req->detail),
                   "sev termination, no ghcb value");
        return;
    }
    pi->kind = QA_PANIC_INFO_SEV;
    pi->ghcb = ev->data[0];
    pi->sev_msr_form = (pi->ghcb & 0xfff) == 0x100;
    if (pi->sev_msr_form) {
        pi->sev_reason_set = (pi->ghcb >> 12) & 0xf;
        pi->sev_reason_code = (pi->ghcb >> 16) & 0xff;
        g_snprintf(req->detail, sizeof(req->detail),
                   "sev termination, set %u code %u (%s)", pi->sev_reason_set,
                   pi->sev_reason_code,
                   sev_reason_name(pi->sev_reason_set, pi->sev_reason_code));
    } else {
        /* The reason is in the GHCB page itself (sw_exit_info_1). */
        g_snprintf(req->detail, sizeof(req->detail),
                   "sev termination, ghcb gpa 0x%" G_GINT64_MODIFIER "x",
                   pi->ghcb);
    }
}

/* x86 GPR numbers, the index of each register in the TDX_FATAL dump. */
enum {
    TDX_RCX = 1,
    TDX_RDX = 2,
    TDX_RBX = 3,
    TDX_RSI = 6,
    TDX_RDI = 7,
    TDX_R8 = 8,
    TDX_R9 = 9,
    TDX_R12 = 12,
    TDX_R13 = 13,
    TDX_R14 = 14,
    TDX_R15 = 15
};

#define TDX_GPA_VALID (1ULL << 63)

/*
 * The ReportFatalError message: up to 64 bytes, 8 per register, LSB first,
 * in the GHCI order R14, R15, RBX, RDI, RSI, R8, R9, RDX.  A register takes
 * part only if its bit is set in the mask the guest passed in RCX (as QEMU
 * reads it); stop at the first NUL.  Bytes outside printable ASCII, and the
 * backslash, are escaped so the text is safe for logs and JSON.
 */
static void tdx_render_message(const QaSysEvent *ev, char *out, size_t outlen)
{
    static const uint8_t order[] = {TDX_R14, TDX_R15, TDX_RBX, TDX_RDI,
                                    TDX_RSI, TDX_R8,  TDX_R9,  TDX_RDX};
    uint64_t mask = ev->ndata > TDX_RCX ? ev->data[TDX_RCX] : 0;
    size_t o = 0;

    out[0] = '\0';
    for (size_t r = 0; r < G_N_ELEMENTS(order); r++) {
        unsigned reg = order[r];

        if (reg >= ev->ndata || !(mask & (1ULL << reg))) {
            continue;
        }
        for (unsigned b = 0; b < 8; b++) {
            uint8_t c = (ev->data[reg] >> (8 * b)) & 0xff;

            if (c == '\0') {
                return;
            }
            /* Worst case 4 bytes plus the terminator must fit. */
            if (o + 5 > outlen) {
                return;
            }
            if (c == '\\') {
                out[o++] = '\\';
                out[o++] = '\\';
            } else if (c >= 0x20 && c < 0x7f) {
                out[o++] = (char)c;
            } else {
                g_snprintf(out + o, outlen - o, "\\x%02x", c);
                o += 4;
            }
            out[o] = '\0';
        }
    }
}

static void translate_tdx_fatal(const QaSysEvent *ev, QaMachineRequest *req)
{
    QaPanicInfo *pi = &req->panic;

    req->kind = QA_REQ_PANIC;
    req->cause = QA_CAUSE_GUEST_PANIC;
    if (!ev->data_valid || ev->ndata <= TDX_R12) {
        g_snprintf(req->detail, sizeof(req->detail),
                   "tdx fatal error, register dump missing");
        return;
    }
    pi->kind = QA_PANIC_INFO_TDX;
    pi->error_code = ev->data[TDX_R12];
    pi->gpa_valid = (pi->error_code & TDX_GPA_VALID) && ev->ndata > TDX_R13;
    if (pi->gpa_valid) {
        pi->gpa = ev->data[TDX_R13];
    }
    tdx_render_message(ev, pi->message, sizeof(pi->message));
    if (pi->gpa_valid) {
        g_snprintf(req->detail, sizeof(req->detail),
                   "tdx fatal error 0x%" G_GINT64_MODIFIER "x, "
                   "info at gpa 0x%" G_GINT64_MODIFIER "x",
                   pi->error_code, pi->gpa);
    } else {
        g_snprintf(req->detail, sizeof(req->detail),
                   "tdx fatal error 0x%" G_GINT64_MODIFIER "x", pi->error_code);
    }
}

static void translate_error(const QaSysEvent *ev, QaArch arch,
                            QaMachineRequest *req)
{
    req->kind = QA_REQ_ERROR;
    /* The host cannot handle the event: QEMU's "host-error" if it ends. */
    req->cause = QA_CAUSE_HOST_ERROR;
    if (ev->type < G_N_ELEMENTS(type_names) && type_names[ev->type]) {
        g_snprintf(req->detail, sizeof(req->detail),
                   "%s system event on %s (x86-only type)",
                   type_names[ev->type], qa_arch_name(arch));
    } else {
        g_snprintf(req->detail, sizeof(req->detail),
                   "unknown system event type %u", ev->type);
    }
}

/* Note, in the detail, an event this arch's KVM never raises. */
static void flag_foreign(uint32_t type, QaArch arch, QaMachineRequest *req)
{
    size_t used = strlen(req->detail);

    if (req->kind == QA_REQ_ERROR || type >= G_N_ELEMENTS(type_producers) ||
        (type_producers[type] & ARCH_BIT(arch))) {
        return;
    }
    g_snprintf(req->detail + used, sizeof(req->detail) - used,
               " [not raised by %s kvm]", qa_arch_name(arch));
}

void qa_sysevent_to_request(const QaSysEvent *ev, QaArch arch, int cpu,
                            const QaSysEventRegs *regs, QaMachineRequest *req)
{
    g_return_if_fail(ev != NULL && req != NULL);

    memset(req, 0, sizeof(*req));
    req->cpu = cpu;
    req->source = (unsigned)ev->source < QA_SYSEVENT_SRC__MAX
                      ? source_names[ev->source]
                      : "unknown";
    /* Keep the event itself with every request: logs and QA_REQ_ERROR. */
    req->event_type = ev->type;
    if (ev->data_valid) {
        req->event_ndata = MIN(ev->ndata, (uint32_t)QA_SYSEVENT_NDATA_MAX);
        memcpy(req->event_data, ev->data,
               req->event_ndata * sizeof(req->event_data[0]));
    }
    if ((unsigned)arch >= QA_ARCH__MAX) {
        req->kind = QA_REQ_ERROR;
        req->cause = QA_CAUSE_HOST_ERROR;
        g_snprintf(req->detail, sizeof(req->detail),
                   "%s system event on invalid arch %d",
                   qa_sysevent_type_name(ev->type), (int)arch);
        return;
    }

    switch (ev->type) {
    case QA_SYSEVENT_SHUTDOWN:
        translate_shutdown(ev, arch, req);
        break;
    case QA_SYSEVENT_RESET:
        translate_reset(ev, arch, regs, req);
        break;
    case QA_SYSEVENT_CRASH:
        translate_crash(arch, regs, req);
        break;
    case QA_SYSEVENT_SUSPEND:
        req->kind = QA_REQ_SUSPEND;
        g_snprintf(req->detail, sizeof(req->detail), "system suspend");
        break;
    case QA_SYSEVENT_WAKEUP:
        req->kind = QA_REQ_WAKEUP;
        g_snprintf(req->detail, sizeof(req->detail), "wakeup while suspended");
        break;
    case QA_SYSEVENT_SEV_TERM:
    case QA_SYSEVENT_TDX_FATAL:
        /* Their data follow x86 vendor ABIs (GHCB, GHCI). */
        if (arch != QA_ARCH_X86_64) {
            translate_error(ev, arch, req);
        } else if (ev->type == QA_SYSEVENT_SEV_TERM) {
            translate_sev_term(ev, req);
        } else {
            translate_tdx_fatal(ev, req);
        }
        break;
    default:
        translate_error(ev, arch, req);
        break;
    }
    flag_foreign(ev->type, arch, req);
}

void qa_request_triple_fault(int cpu, QaMachineRequest *req)
{
    g_return_if_fail(req != NULL);

    memset(req, 0, sizeof(*req));
    req->kind = QA_REQ_RESET;
    req->cause = QA_CAUSE_GUEST_RESET;
    req->cpu = cpu;
    req->reset_kind = QA_RESET_TRIPLE_FAULT;
    req->source = "kvm";
    g_snprintf(req->detail, sizeof(req->detail), "triple fault");
}
