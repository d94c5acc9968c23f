/*
 * PSCI and SMCCC architecture calls, pure core (see psci-core.h).
 */
#include "hw/firmware/psci-core.h"

#include <string.h>

#define SMCCC_FAST_CALL (1u << 31)
#define SMCCC_64 (1u << 30)
#define SMCCC_OWNER(id) (((id) >> 24) & 0x3f)
#define SMCCC_OWNER_ARCH 0
#define SMCCC_OWNER_STANDARD 4
#define SMCCC_RESERVED_BITS 0x00ff0000u

/* CPU_SUSPEND power_state, original format (DEN0022 §5.4.2). */
#define POWER_STATE_TYPE_POWERDOWN (1u << 16)
#define POWER_STATE_RESERVED 0xfcfe0000u

/* One row per PSCI function qaccel implements. */
typedef struct PsciFn {
    uint8_t fn;
    QaPsciVersion since;
    bool has64;
} PsciFn;

static const PsciFn psci_fns[] = {
    {QA_PSCI_FN_PSCI_VERSION, QA_PSCI_VERSION_0_2, false},
    {QA_PSCI_FN_CPU_SUSPEND, QA_PSCI_VERSION_0_2, true},
    {QA_PSCI_FN_CPU_OFF, QA_PSCI_VERSION_0_2, false},
    {QA_PSCI_FN_CPU_ON, QA_PSCI_VERSION_0_2, true},
    {QA_PSCI_FN_AFFINITY_INFO, QA_PSCI_VERSION_0_2, true},
    {QA_PSCI_FN_MIGRATE_INFO_TYPE, QA_PSCI_VERSION_0_2, false},
    {QA_PSCI_FN_SYSTEM_OFF, QA_PSCI_VERSION_0_2, false},
    {QA_PSCI_FN_SYSTEM_RESET, QA_PSCI_VERSION_0_2, false},
    {QA_PSCI_FN_PSCI_FEATURES, QA_PSCI_VERSION_1_0, false},
    {QA_PSCI_FN_SYSTEM_SUSPEND, QA_PSCI_VERSION_1_0, true},
    {QA_PSCI_FN_SYSTEM_RESET2, QA_PSCI_VERSION_1_1, true},
    {QA_PSCI_FN_SYSTEM_OFF2, QA_PSCI_VERSION_1_3, true},
};

static const struct {
    const char *name;
    uint32_t value;
} psci_versions[QA_PSCI_VERSION__MAX] = {
    [QA_PSCI_VERSION_0_2] = {"0.2", 0x00000002},
    [QA_PSCI_VERSION_1_0] = {"1.0", 0x00010000},
    [QA_PSCI_VERSION_1_1] = {"1.1", 0x00010001},
    [QA_PSCI_VERSION_1_3] = {"1.3", 0x00010003},
};

uint32_t qa_psci_version_value(QaPsciVersion v)
{
    return v < QA_PSCI_VERSION__MAX ? psci_versions[v].value : 0;
}

const char *qa_psci_version_name(QaPsciVersion v)
{
    return v < QA_PSCI_VERSION__MAX ? psci_versions[v].name : NULL;
}

/* The implemented PSCI function that @id names under @v, or NULL. */
static const PsciFn *psci_lookup(QaPsciVersion v, uint32_t id)
{
    if (!(id & SMCCC_FAST_CALL) || SMCCC_OWNER(id) != SMCCC_OWNER_STANDARD ||
        (id & SMCCC_RESERVED_BITS)) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof(psci_fns) / sizeof(psci_fns[0]); i++) {
        const PsciFn *f = &psci_fns[i];
        if (f->fn != (id & 0xffff) || v < f->since) {
            continue;
        }
        if ((id & SMCCC_64) && !f->has64) {
            return NULL;
        }
        return f;
    }
    return NULL;
}

int32_t qa_psci_features(const QaPsciState *s, uint32_t fn)
{
    const PsciFn *f;

    if (s->version < QA_PSCI_VERSION_1_0) {
        return QA_PSCI_RET_NOT_SUPPORTED;
    }
    /* Linux discovers SMCCC >= 1.1 through this answer. */
    if (fn == QA_SMCCC_VERSION_FN) {
        return 0;
    }
    f = psci_lookup(s->version, fn);
    if (!f) {
        return QA_PSCI_RET_NOT_SUPPORTED;
    }
    if (f->fn == QA_PSCI_FN_SYSTEM_OFF2) {
        return QA_PSCI_OFF2_TYPE_HIBERNATE; /* supported-type mask */
    }
    /* CPU_SUSPEND: platform-coordinated only, original StateID format. */
    return 0;
}

void qa_psci_reset(QaPsciState *s)
{
    for (unsigned i = 0; i < s->ncpus; i++) {
        s->cpus[i].state = i == 0 ? QA_PSCI_POWER_ON : QA_PSCI_POWER_OFF;
        s->cpus[i].entry = 0;
        s->cpus[i].context = 0;
    }
}

void qa_psci_cpu_running(QaPsciState *s, unsigned index)
{
    if (index < s->ncpus && s->cpus[index].state == QA_PSCI_POWER_ON_PENDING) {
        s->cpus[index].state = QA_PSCI_POWER_ON;
    }
}

static bool in_ram(const QaPsciState *s, uint64_t addr)
{
    return addr >= s->ram_base && addr - s->ram_base < s->ram_size;
}

static int find_mpidr(const QaPsciState *s, uint64_t mpidr)
{
    for (unsigned i = 0; i < s->ncpus; i++) {
        if (s->cpus[i].mpidr == mpidr) {
            return (int)i;
        }
    }
    return -1;
}

static int64_t psci_cpu_on(QaPsciState *s, const uint64_t *regs,
                           QaPsciEffect *eff)
{
    uint64_t target = regs[1], entry = regs[2];
    int idx;

    /* MPIDR_EL1 read as-is has RES1 bit 31: not an affinity value. */
    if (target & ~QA_MPIDR_AFFINITY_MASK) {
        return QA_PSCI_RET_INVALID_PARAMETERS;
    }
    idx = find_mpidr(s, target);
    if (idx < 0) {
        return QA_PSCI_RET_INVALID_PARAMETERS;
    }
    /* TF-A's order: the address is checked before the target's state. */
    if (!in_ram(s, entry)) {
        return QA_PSCI_RET_INVALID_ADDRESS;
    }
    switch (s->cpus[idx].state) {
    case QA_PSCI_POWER_ON:
        return QA_PSCI_RET_ALREADY_ON;
    case QA_PSCI_POWER_ON_PENDING:
        return QA_PSCI_RET_ON_PENDING;
    case QA_PSCI_POWER_OFF:
        break;
    }
    s->cpus[idx].state = QA_PSCI_POWER_ON_PENDING;
    s->cpus[idx].entry = entry;
    s->cpus[idx].context = regs[3];
    eff->kind = QA_PSCI_EFFECT_CPU_ON;
    eff->target = idx;
    eff->entry = entry;
    eff->context = regs[3];
    return QA_PSCI_RET_SUCCESS;
}

static int64_t psci_affinity_info(const QaPsciState *s, const uint64_t *regs)
{
    uint64_t level = regs[2], mask, target;
    bool matched = false, pending = false;

    if (level > 3) {
        return QA_PSCI_RET_INVALID_PARAMETERS;
    }
    /* Level N ignores affinity fields below AffN; like KVM, bits outside
     * the affinity fields are ignored too. */
    mask = QA_MPIDR_AFFINITY_MASK & ~((1ULL << (level * 8)) - 1);
    target = regs[1] & mask;
    for (unsigned i = 0; i < s->ncpus; i++) {
        if ((s->cpus[i].mpidr & mask) != target) {
            continue;
        }
        matched = true;
        if (s->cpus[i].state == QA_PSCI_POWER_ON) {
            return QA_PSCI_AFFINITY_ON;
        }
        pending |= s->cpus[i].state == QA_PSCI_POWER_ON_PENDING;
    }
    if (!matched) {
        return QA_PSCI_RET_INVALID_PARAMETERS;
    }
    return pending ? QA_PSCI_AFFINITY_ON_PENDING : QA_PSCI_AFFINITY_OFF;
}

static int64_t psci_cpu_suspend(const QaPsciState *s, unsigned caller,
                                const uint64_t *regs, QaPsciEffect *eff)
{
    uint32_t power_state = (uint32_t)regs[1];

    if (power_state & POWER_STATE_RESERVED) {
        return QA_PSCI_RET_INVALID_PARAMETERS;
    }
    if ((power_state & POWER_STATE_TYPE_POWERDOWN) && !in_ram(s, regs[2])) {
        return QA_PSCI_RET_INVALID_ADDRESS;
    }
    /* As KVM: every state is entered as standby (WFI) and returns. */
    eff->kind = QA_PSCI_EFFECT_CPU_SUSPEND;
    eff->target = (int)caller;
    eff->entry = regs[2];
    eff->context = regs[3];
    return QA_PSCI_RET_SUCCESS;
}

/* Build the system event KVM raises for SYSTEM_OFF/RESET and friends. */
static void system_event(QaPsciEffect *eff, uint32_t type, uint32_t ndata,
                         uint64_t flags)
{
    eff->kind = QA_PSCI_EFFECT_SYSTEM_EVENT;
    eff->ev.type = type;
    eff->ev.ndata = ndata;
    eff->ev.raw_ndata = ndata;
    eff->ev.data[0] = ndata ? flags : 0;
    eff->ev.data_valid = true;
    eff->ev.source = QA_SYSEVENT_SRC_FIRMWARE;
}

/* KVM stops every vCPU before a SHUTDOWN/RESET exit: nothing runs on
 * until the machine is reset. */
static void stop_all(QaPsciState *s)
{
    for (unsigned i = 0; i < s->ncpus; i++) {
        s->cpus[i].state = QA_PSCI_POWER_OFF;
    }
}

static int64_t psci_reset2(QaPsciState *s, const uint64_t *regs,
                           QaPsciEffect *eff)
{
    /* KVM compares the whole (narrowed for SMC32) register. */
    if (regs[1] != QA_PSCI_RESET2_TYPE_WARM &&
        regs[1] < QA_PSCI_RESET2_TYPE_VENDOR_START) {
        return QA_PSCI_RET_INVALID_PARAMETERS;
    }
    system_event(eff, QA_SYSEVENT_RESET, 1, QA_SYSEVENT_RESET_FLAG_PSCI_RESET2);
    eff->regs.has_arm64_x1_x2 = true;
    eff->regs.x1 = regs[1];
    eff->regs.x2 = regs[2];
    stop_all(s);
    return QA_PSCI_RET_INTERNAL_FAILURE;
}

static int64_t psci_off2(QaPsciState *s, const uint64_t *regs,
                         QaPsciEffect *eff)
{
    /* Issue F.b: type 0 is an alias of HIBERNATE_OFF; cookie must be 0. */
    if ((regs[1] != 0 && regs[1] != QA_PSCI_OFF2_TYPE_HIBERNATE) ||
        regs[2] != 0) {
        return QA_PSCI_RET_INVALID_PARAMETERS;
    }
    system_event(eff, QA_SYSEVENT_SHUTDOWN, 1,
                 QA_SYSEVENT_SHUTDOWN_FLAG_PSCI_OFF2);
    eff->regs.has_arm64_x1_x2 = true;
    eff->regs.x1 = regs[1];
    eff->regs.x2 = regs[2];
    stop_all(s);
    return QA_PSCI_RET_INTERNAL_FAILURE;
}

static int64_t psci_system_suspend(QaPsciState *s, unsigned caller,
                                   const uint64_t *regs, QaPsciEffect *eff)
{
    for (unsigned i = 0; i < s->ncpus; i++) {
        if (i != caller && s->cpus[i].state != QA_PSCI_POWER_OFF) {
            return QA_PSCI_RET_DENIED;
        }
    }
    if (!in_ram(s, regs[1])) {
        return QA_PSCI_RET_INVALID_ADDRESS;
    }
    system_event(eff, QA_SYSEVENT_SUSPEND, 0, 0);
    eff->target = (int)caller;
    eff->entry = regs[1];
    eff->context = regs[2];
    return QA_PSCI_RET_SUCCESS;
}

/* Run an implemented PSCI function; returns x0. */
static int64_t psci_dispatch(QaPsciState *s, unsigned caller, const PsciFn *f,
                             const uint64_t *regs, QaPsciEffect *eff)
{
    switch (f->fn) {
    case QA_PSCI_FN_PSCI_VERSION:
        return qa_psci_version_value(s->version);
    case QA_PSCI_FN_CPU_SUSPEND:
        return psci_cpu_suspend(s, caller, regs, eff);
    case QA_PSCI_FN_CPU_OFF:
        s->cpus[caller].state = QA_PSCI_POWER_OFF;
        eff->kind = QA_PSCI_EFFECT_CPU_OFF;
        eff->target = (int)caller;
        return QA_PSCI_RET_SUCCESS;
    case QA_PSCI_FN_CPU_ON:
        return psci_cpu_on(s, regs, eff);
    case QA_PSCI_FN_AFFINITY_INFO:
        return psci_affinity_info(s, regs);
    case QA_PSCI_FN_MIGRATE_INFO_TYPE:
        return QA_PSCI_MIGRATE_INFO_TYPE_NO_TOS;
    case QA_PSCI_FN_SYSTEM_OFF:
        system_event(eff, QA_SYSEVENT_SHUTDOWN, 1, 0);
        stop_all(s);
        return QA_PSCI_RET_INTERNAL_FAILURE;
    case QA_PSCI_FN_SYSTEM_RESET:
        system_event(eff, QA_SYSEVENT_RESET, 1, 0);
        stop_all(s);
        return QA_PSCI_RET_INTERNAL_FAILURE;
    case QA_PSCI_FN_PSCI_FEATURES:
        return qa_psci_features(s, (uint32_t)regs[1]);
    case QA_PSCI_FN_SYSTEM_SUSPEND:
        return psci_system_suspend(s, caller, regs, eff);
    case QA_PSCI_FN_SYSTEM_RESET2:
        return psci_reset2(s, regs, eff);
    case QA_PSCI_FN_SYSTEM_OFF2:
        return psci_off2(s, regs, eff);
    }
    return QA_PSCI_RET_NOT_SUPPORTED;
}

static int64_t smccc_arch_call(uint32_t id, const uint64_t *regs)
{
    switch (id) {
    case QA_SMCCC_VERSION_FN:
        return QA_SMCCC_VERSION_1_1;
    case QA_SMCCC_ARCH_FEATURES_FN:
        /* No workaround or SoC-id call is implemented. */
        switch ((uint32_t)regs[1]) {
        case QA_SMCCC_VERSION_FN:
        case QA_SMCCC_ARCH_FEATURES_FN:
            return 0;
        default:
            return QA_PSCI_RET_NOT_SUPPORTED;
        }
    default:
        return QA_PSCI_RET_NOT_SUPPORTED;
    }
}

static void set_result(uint64_t regs[18], int64_t ret, bool keep_args)
{
    regs[0] = (uint64_t)ret;
    if (!keep_args) {
        regs[1] = regs[2] = regs[3] = 0;
    }
}

bool qa_psci_call(QaPsciState *s, unsigned caller, uint64_t regs[18],
                  QaPsciEffect *eff)
{
    uint32_t id = (uint32_t)regs[0]; /* SMCCC: the id is w0 */
    uint32_t owner = SMCCC_OWNER(id);
    const PsciFn *f;
    int64_t ret;

    memset(eff, 0, sizeof(*eff));
    eff->target = -1;
    if (!(id & SMCCC_FAST_CALL) ||
        (owner != SMCCC_OWNER_ARCH && owner != SMCCC_OWNER_STANDARD) ||
        caller >= s->ncpus) {
        return false;
    }
    /* A call proves the caller runs: a pending CPU_ON has completed. */
    qa_psci_cpu_running(s, caller);
    if (s->cpus[caller].state == QA_PSCI_POWER_OFF) {
        eff->kind = QA_PSCI_EFFECT_CALLER_OFF;
        eff->target = (int)caller;
        set_result(regs, QA_PSCI_RET_DENIED, false);
        return true;
    }
    /* SMC32/HVC32 ids use only the low 32 bits of each argument. */
    if (!(id & SMCCC_64)) {
        for (int i = 1; i < 4; i++) {
            regs[i] = (uint32_t)regs[i];
        }
    }
    if (owner == SMCCC_OWNER_ARCH) {
        set_result(regs, smccc_arch_call(id, regs), false);
        return true;
    }
    f = psci_lookup(s->version, id);
    ret =
        f ? psci_dispatch(s, caller, f, regs, eff) : QA_PSCI_RET_NOT_SUPPORTED;
    if (eff->kind == QA_PSCI_EFFECT_SYSTEM_EVENT &&
        eff->ev.type == QA_SYSEVENT_SUSPEND) {
        /* Registers as the caller finds them on wake-up (DEN0022
         * §5.19.1): x0 = context_id. */
        ret = (int64_t)eff->context;
        set_result(regs, ret, false);
    } else {
        set_result(regs, ret, eff->kind == QA_PSCI_EFFECT_SYSTEM_EVENT);
    }
    return true;
}
