/*
 * RISC-V SBI, pure core (see sbi-core.h).
 */
#include "hw/firmware/sbi-core.h"

#include <string.h>

/* Reserved suspend types (SBI spec, HSM chapter). */
#define SUSPEND_PLATFORM_RETENTIVE 0x10000000u
#define SUSPEND_PLATFORM_NON_RETENTIVE 0x90000000u

int64_t qa_sbi_probe(uint64_t eid)
{
    switch (eid) {
    case QA_SBI_EXT_LEGACY_PUTCHAR:
    case QA_SBI_EXT_LEGACY_GETCHAR:
    case QA_SBI_EXT_LEGACY_SHUTDOWN:
    case QA_SBI_EXT_BASE:
    case QA_SBI_EXT_HSM:
    case QA_SBI_EXT_SRST:
    case QA_SBI_EXT_DBCN:
        return 1;
    default:
        return 0;
    }
}

void qa_sbi_reset(QaSbiState *s)
{
    for (unsigned i = 0; i < s->nharts; i++) {
        s->harts[i].state = i == 0 ? QA_SBI_HART_STARTED : QA_SBI_HART_STOPPED;
        s->harts[i].start_addr = 0;
        s->harts[i].opaque = 0;
    }
}

void qa_sbi_hart_running(QaSbiState *s, unsigned index)
{
    if (index >= s->nharts) {
        return;
    }
    switch (s->harts[index].state) {
    case QA_SBI_HART_START_PENDING:
    case QA_SBI_HART_SUSPENDED:
    case QA_SBI_HART_RESUME_PENDING:
        s->harts[index].state = QA_SBI_HART_STARTED;
        break;
    default:
        break;
    }
}

static bool in_ram(const QaSbiState *s, uint64_t addr)
{
    return addr >= s->ram_base && addr - s->ram_base < s->ram_size;
}

static int find_hart(const QaSbiState *s, uint64_t hartid)
{
    for (unsigned i = 0; i < s->nharts; i++) {
        if (s->harts[i].hartid == hartid) {
            return (int)i;
        }
    }
    return -1;
}

static void set_ret(int64_t ret[2], int64_t error, int64_t value)
{
    ret[0] = error;
    ret[1] = value;
}

static void sbi_base(const QaSbiState *s, uint64_t fid, const uint64_t *args,
                     int64_t ret[2])
{
    switch (fid) {
    case QA_SBI_BASE_GET_SPEC_VERSION:
        set_ret(ret, 0, QA_SBI_SPEC_VERSION);
        break;
    case QA_SBI_BASE_GET_IMPL_ID:
        set_ret(ret, 0, (int64_t)s->impl_id);
        break;
    case QA_SBI_BASE_GET_IMPL_VERSION:
        set_ret(ret, 0, (int64_t)s->impl_version);
        break;
    case QA_SBI_BASE_PROBE_EXTENSION:
        set_ret(ret, 0, qa_sbi_probe(args[0]));
        break;
    case QA_SBI_BASE_GET_MVENDORID:
        set_ret(ret, 0, (int64_t)s->mvendorid);
        break;
    case QA_SBI_BASE_GET_MARCHID:
        set_ret(ret, 0, (int64_t)s->marchid);
        break;
    case QA_SBI_BASE_GET_MIMPID:
        set_ret(ret, 0, (int64_t)s->mimpid);
        break;
    default:
        set_ret(ret, QA_SBI_ERR_NOT_SUPPORTED, 0);
        break;
    }
}

static int64_t hsm_start(QaSbiState *s, const uint64_t *args, QaSbiEffect *eff)
{
    int idx = find_hart(s, args[0]);

    /* OpenSBI's order: hart, address, then state. */
    if (idx < 0) {
        return QA_SBI_ERR_INVALID_PARAM;
    }
    if (!in_ram(s, args[1])) {
        return QA_SBI_ERR_INVALID_ADDRESS;
    }
    switch (s->harts[idx].state) {
    case QA_SBI_HART_STOPPED:
        break;
    case QA_SBI_HART_STARTED:
    case QA_SBI_HART_SUSPENDED:
        return QA_SBI_ERR_ALREADY_AVAILABLE;
    default:
        /* A hart in transition cannot be started again (OpenSBI). */
        return QA_SBI_ERR_INVALID_PARAM;
    }
    s->harts[idx].state = QA_SBI_HART_START_PENDING;
    s->harts[idx].start_addr = args[1];
    s->harts[idx].opaque = args[2];
    eff->kind = QA_SBI_EFFECT_HART_START;
    eff->target = idx;
    eff->addr = args[1];
    eff->opaque = args[2];
    return QA_SBI_SUCCESS;
}

static int64_t hsm_suspend(QaSbiState *s, unsigned caller, const uint64_t *args,
                           QaSbiEffect *eff)
{
    /* suspend_type is 32 bits wide: only the low half counts. */
    uint32_t type = (uint32_t)args[0];

    if (type != QA_SBI_SUSPEND_RETENTIVE &&
        type != QA_SBI_SUSPEND_NON_RETENTIVE) {
        /* reserved, or a platform type this platform does not have */
        return QA_SBI_ERR_INVALID_PARAM;
    }
    if (type == QA_SBI_SUSPEND_NON_RETENTIVE && !in_ram(s, args[1])) {
        return QA_SBI_ERR_INVALID_ADDRESS;
    }
    s->harts[caller].state = QA_SBI_HART_SUSPENDED;
    if (type == QA_SBI_SUSPEND_NON_RETENTIVE) {
        s->harts[caller].start_addr = args[1];
        s->harts[caller].opaque = args[2];
    }
    eff->kind = QA_SBI_EFFECT_HART_SUSPEND;
    eff->target = (int)caller;
    eff->suspend_type = type;
    eff->addr = args[1];
    eff->opaque = args[2];
    return QA_SBI_SUCCESS;
}

static void sbi_hsm(QaSbiState *s, unsigned caller, uint64_t fid,
                    const uint64_t *args, int64_t ret[2], QaSbiEffect *eff)
{
    int idx;

    switch (fid) {
    case QA_SBI_HSM_HART_START:
        set_ret(ret, hsm_start(s, args, eff), 0);
        break;
    case QA_SBI_HSM_HART_STOP:
        s->harts[caller].state = QA_SBI_HART_STOPPED;
        eff->kind = QA_SBI_EFFECT_HART_STOP;
        eff->target = (int)caller;
        set_ret(ret, QA_SBI_SUCCESS, 0);
        break;
    case QA_SBI_HSM_HART_GET_STATUS:
        idx = find_hart(s, args[0]);
        if (idx < 0) {
            set_ret(ret, QA_SBI_ERR_INVALID_PARAM, 0);
        } else {
            set_ret(ret, QA_SBI_SUCCESS, s->harts[idx].state);
        }
        break;
    case QA_SBI_HSM_HART_SUSPEND:
        set_ret(ret, hsm_suspend(s, caller, args, eff), 0);
        break;
    default:
        set_ret(ret, QA_SBI_ERR_NOT_SUPPORTED, 0);
        break;
    }
}

static void system_event(QaSbiState *s, QaSbiEffect *eff, uint32_t type,
                         uint64_t data0)
{
    eff->kind = QA_SBI_EFFECT_SYSTEM_EVENT;
    eff->ev.type = type;
    eff->ev.ndata = 1;
    eff->ev.raw_ndata = 1;
    eff->ev.data[0] = data0;
    eff->ev.data_valid = true;
    eff->ev.source = QA_SYSEVENT_SRC_FIRMWARE;
    /* KVM stops every vCPU before the exit; a reset restarts them. */
    for (unsigned i = 0; i < s->nharts; i++) {
        s->harts[i].state = QA_SBI_HART_STOPPED;
    }
}

static void sbi_srst(QaSbiState *s, uint64_t fid, const uint64_t *args,
                     int64_t ret[2], QaSbiEffect *eff)
{
    /* Both parameters are 32 bits wide: the upper halves are ignored. */
    uint32_t type = (uint32_t)args[0];
    uint32_t reason = (uint32_t)args[1];

    if (fid != QA_SBI_SRST_RESET) {
        set_ret(ret, QA_SBI_ERR_NOT_SUPPORTED, 0);
        return;
    }
    if (type > QA_SBI_SRST_WARM_REBOOT ||
        reason > QA_SBI_SRST_REASON_SYSTEM_FAILURE) {
        set_ret(ret, QA_SBI_ERR_INVALID_PARAM, 0);
        return;
    }
    system_event(s, eff,
                 type == QA_SBI_SRST_SHUTDOWN ? QA_SYSEVENT_SHUTDOWN
                                              : QA_SYSEVENT_RESET,
                 reason);
    /* riscv KVM does not tell cold from warm; a0 keeps it for qaccel. */
    eff->regs.has_riscv_a0 = true;
    eff->regs.a0 = type;
    /* the call does not return: a0/a1 stay as the guest set them */
    set_ret(ret, (int64_t)args[0], (int64_t)args[1]);
}

static void sbi_dbcn(const QaSbiState *s, uint64_t fid, const uint64_t *args,
                     int64_t ret[2], QaSbiEffect *eff)
{
    uint64_t len = args[0], addr = args[1];

    switch (fid) {
    case QA_SBI_DBCN_WRITE:
    case QA_SBI_DBCN_READ:
        /* RV64: the high half of the address must be zero. */
        if (args[2] != 0 || !in_ram(s, addr) ||
            (len && len - 1 > s->ram_base + s->ram_size - 1 - addr)) {
            set_ret(ret, QA_SBI_ERR_INVALID_PARAM, 0);
            return;
        }
        if (fid == QA_SBI_DBCN_READ) {
            /* no console input is modelled: nothing to read */
            set_ret(ret, QA_SBI_SUCCESS, 0);
            return;
        }
        if (len > QA_SBI_DBCN_MAX_WRITE) {
            len = QA_SBI_DBCN_MAX_WRITE;
        }
        eff->kind = QA_SBI_EFFECT_CONSOLE_WRITE;
        eff->addr = addr;
        eff->len = len;
        set_ret(ret, QA_SBI_SUCCESS, (int64_t)len);
        return;
    case QA_SBI_DBCN_WRITE_BYTE:
        eff->kind = QA_SBI_EFFECT_CONSOLE_BYTE;
        eff->byte = (uint8_t)args[0];
        eff->len = 1;
        set_ret(ret, QA_SBI_SUCCESS, 0);
        return;
    default:
        set_ret(ret, QA_SBI_ERR_NOT_SUPPORTED, 0);
        return;
    }
}

/* Legacy (v0.1) calls: result in a0 only, a1 preserved. */
static void sbi_legacy(QaSbiState *s, uint64_t eid, const uint64_t *args,
                       int64_t ret[2], QaSbiEffect *eff)
{
    switch (eid) {
    case QA_SBI_EXT_LEGACY_PUTCHAR:
        eff->kind = QA_SBI_EFFECT_CONSOLE_BYTE;
        eff->byte = (uint8_t)args[0];
        eff->len = 1;
        set_ret(ret, 0, (int64_t)args[1]);
        break;
    case QA_SBI_EXT_LEGACY_GETCHAR:
        set_ret(ret, -1, (int64_t)args[1]);
        break;
    case QA_SBI_EXT_LEGACY_SHUTDOWN:
        system_event(s, eff, QA_SYSEVENT_SHUTDOWN, 0);
        set_ret(ret, (int64_t)args[0], (int64_t)args[1]);
        break;
    }
}

void qa_sbi_call(QaSbiState *s, unsigned caller, uint64_t eid, uint64_t fid,
                 const uint64_t args[6], int64_t ret[2], QaSbiEffect *eff)
{
    memset(eff, 0, sizeof(*eff));
    eff->target = -1;
    set_ret(ret, QA_SBI_ERR_NOT_SUPPORTED, 0);
    if (caller >= s->nharts) {
        return;
    }
    /* An ecall proves the hart runs: it started or woke up. */
    qa_sbi_hart_running(s, caller);
    if (s->harts[caller].state == QA_SBI_HART_STOPPED) {
        eff->kind = QA_SBI_EFFECT_CALLER_STOPPED;
        eff->target = (int)caller;
        set_ret(ret, QA_SBI_ERR_DENIED, 0);
        return;
    }
    switch (eid) {
    case QA_SBI_EXT_LEGACY_PUTCHAR:
    case QA_SBI_EXT_LEGACY_GETCHAR:
    case QA_SBI_EXT_LEGACY_SHUTDOWN:
        sbi_legacy(s, eid, args, ret, eff);
        break;
    case QA_SBI_EXT_BASE:
        sbi_base(s, fid, args, ret);
        break;
    case QA_SBI_EXT_HSM:
        sbi_hsm(s, caller, fid, args, ret, eff);
        break;
    case QA_SBI_EXT_SRST:
        sbi_srst(s, fid, args, ret, eff);
        break;
    case QA_SBI_EXT_DBCN:
        sbi_dbcn(s, fid, args, ret, eff);
        break;
    default:
        /* legacy-range or not: an absent extension is NOT_SUPPORTED */
        break;
    }
}
