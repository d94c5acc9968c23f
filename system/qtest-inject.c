/*
 * qaccel's own qtest commands (docs/qtest.md): exit injection through the
 * real decoder and dispatcher, and the firmware/MSR conduits of a vCPU.
 *
 * vcpu_exit builds the raw bytes of a kvm_run system_event member the way
 * the kernel would lay them out for the chosen ABI, and pushes them through
 * qa_sysevent_decode() and qa_vcpu_handle_exit(), so an injected record
 * takes the same path as one read from KVM_RUN.
 */
#include <string.h>
#include <qaccel/accel.h>
#include <qaccel/sysevent.h>

#include "system/qtest-internal.h"

typedef struct InjectArgs {
    uint32_t type;
    uint32_t ndata; /* the record's ndata field, as given */
    uint64_t data[QA_SYSEVENT_NDATA_MAX];
    unsigned nwords; /* data words given on the line */
    QaSysEventAbi abi;
    unsigned caps;
    QaSysEventRegs regs;
} InjectArgs;

static bool parse_type(QaQtestServer *s, const char *word, uint32_t *type)
{
    uint64_t v;
    g_autofree char *name = g_strdelimit(g_strdup(word), "_", '-');

    for (uint32_t t = 1; t < 64; t++) {
        if (!strcmp(qa_sysevent_type_name(t), name)) {
            *type = t;
            return true;
        }
    }
    if (!qtest_arg_u64(s, word, "TYPE", &v)) {
        return false;
    }
    if (v > UINT32_MAX) {
        qtest_fail(s, "TYPE '%s' does not fit in 32 bits", word);
        return false;
    }
    *type = v;
    return true;
}

static bool parse_hv(QaQtestServer *s, const char *val, QaSysEventRegs *regs)
{
    g_auto(GStrv) parts = g_strsplit(val, ",", -1);
    guint n = g_strv_length(parts);

    if (n == 0 || n > 5) {
        qtest_fail(s, "hv= takes 1 to 5 comma-separated values (CRASH_P0..P4)");
        return false;
    }
    for (guint i = 0; i < n; i++) {
        if (!qtest_arg_u64(s, parts[i], "hv= value", &regs->hv_crash[i])) {
            return false;
        }
    }
    regs->has_hv_crash = true;
    return true;
}

static bool parse_keyword(QaQtestServer *s, char *word, InjectArgs *a)
{
    char *val = strchr(word, '=');
    uint64_t v;

    *val++ = '\0';
    if (!strcmp(word, "abi")) {
        if (!strcmp(val, "64")) {
            a->abi = QA_SYSEVENT_ABI_64;
        } else if (!strcmp(val, "32old")) {
            a->abi = QA_SYSEVENT_ABI_32_OLD;
        } else {
            qtest_fail(s, "abi= must be 64 or 32old, not '%s'", val);
            return false;
        }
        return true;
    }
    if (!strcmp(word, "hv")) {
        return parse_hv(s, val, &a->regs);
    }
    if (!qtest_arg_u64(s, val, word, &v)) {
        return false;
    }
    if (!strcmp(word, "cap")) {
        if (v > 1) {
            qtest_fail(s, "cap= must be 0 or 1");
            return false;
        }
        a->caps = v ? QA_KVM_CAP_SYSTEM_EVENT_DATA_BIT : 0;
    } else if (!strcmp(word, "x1")) {
        a->regs.has_arm64_x1_x2 = true;
        a->regs.x1 = v;
    } else if (!strcmp(word, "x2")) {
        a->regs.has_arm64_x1_x2 = true;
        a->regs.x2 = v;
    } else if (!strcmp(word, "a0")) {
        a->regs.has_riscv_a0 = true;
        a->regs.a0 = v;
    } else {
        qtest_fail(s,
                   "vcpu_exit: unknown keyword '%s=' (abi, cap, x1, x2, "
                   "a0, hv)",
                   word);
        return false;
    }
    return true;
}

/* vcpu_exit CPU system_event TYPE NDATA [D0 ...] [KEY=VALUE ...] */
static bool parse_system_event(QaQtestServer *s, int argc, char **argv,
                               InjectArgs *a)
{
    uint64_t v;
    int i = 5;

    a->abi = QA_SYSEVENT_ABI_64;
    a->caps = QA_KVM_CAP_SYSTEM_EVENT_DATA_BIT;
    if (argc < 5) {
        qtest_fail(s, "vcpu_exit: missing argument (usage: vcpu_exit CPU "
                      "system_event TYPE NDATA [D0 ...] [abi=64|32old] "
                      "[cap=0|1] [x1=] [x2=] [a0=] [hv=P0,...])");
        return false;
    }
    if (!parse_type(s, argv[3], &a->type) ||
        !qtest_arg_u64(s, argv[4], "NDATA", &v)) {
        return false;
    }
    if (v > UINT32_MAX) {
        qtest_fail(s, "NDATA '%s' does not fit in 32 bits", argv[4]);
        return false;
    }
    a->ndata = v;
    for (; i < argc && !strchr(argv[i], '='); i++) {
        if (a->nwords == QA_SYSEVENT_NDATA_MAX) {
            qtest_fail(s, "vcpu_exit: at most %d data words",
                       QA_SYSEVENT_NDATA_MAX);
            return false;
        }
        if (!qtest_arg_u64(s, argv[i], "data word", &a->data[a->nwords++])) {
            return false;
        }
    }
    for (; i < argc; i++) {
        if (!strchr(argv[i], '=')) {
            qtest_fail(s, "vcpu_exit: data word '%s' after a keyword", argv[i]);
            return false;
        }
        if (!parse_keyword(s, argv[i], a)) {
            return false;
        }
    }
    return true;
}

static bool inject_system_event(QaQtestServer *s, int cpu, InjectArgs *a,
                                QaExit *exit)
{
    g_autoptr(GError) err = NULL;
    uint8_t raw[QA_SYSEVENT_MEMBER_SIZE];
    uint32_t nenc = MAX(a->ndata, a->nwords);
    size_t len;

    /* Encode every given word (even past NDATA: a kernel may leave stale
     * data there), then store NDATA exactly as given. */
    len = qa_sysevent_encode(a->type, nenc, a->data, a->abi, raw, sizeof(raw));
    if (a->abi == QA_SYSEVENT_ABI_64) {
        raw[4] = a->ndata;
        raw[5] = a->ndata >> 8;
        raw[6] = a->ndata >> 16;
        raw[7] = a->ndata >> 24;
    }
    memset(exit, 0, sizeof(*exit));
    exit->kind = QA_EXIT_SYSTEM_EVENT;
    if (!len || !qa_sysevent_decode(raw, len, a->abi, a->caps, s->m->arch,
                                    &exit->u.sysevent.ev, &err)) {
        qtest_fail(s, "vcpu_exit: record rejected by the decoder: %s",
                   err ? err->message : "encoding failed");
        return false;
    }
    exit->u.sysevent.ev.source = QA_SYSEVENT_SRC_INJECTED;
    exit->u.sysevent.regs = a->regs;
    return true;
}

/*
 * Under an accelerator that runs the guest (kvm), make the vCPU take a
 * real triple fault, so the exit comes back through KVM_RUN; replies and
 * returns true if the backend has that hook.
 */
static bool inject_real_triple_fault(QaQtestServer *s, int cpu)
{
    g_autoptr(GError) err = NULL;
    QaAccelClass *ac = s->m->accel ? QA_ACCEL_GET_CLASS(s->m->accel) : NULL;

    if (!ac || !ac->inject_triple_fault) {
        return false;
    }
    if (!ac->inject_triple_fault(s->m->accel, cpu, &err)) {
        qtest_fail(s, "vcpu_exit shutdown: %s", err->message);
    } else {
        qtest_ok(s);
    }
    return true;
}

static void cmd_vcpu_exit(QaQtestServer *s, int argc, char **argv)
{
    InjectArgs a = {0};
    QaExit exit;
    int cpu;

    if (!qtest_arg_cpu(s, argv[1], &cpu)) {
        return;
    }
    if (!strcmp(argv[2], "shutdown")) {
        if (argc > 3) {
            qtest_fail(s, "vcpu_exit: too many arguments (usage: vcpu_exit "
                          "CPU shutdown)");
            return;
        }
        if (s->m->arch != QA_ARCH_X86_64) {
            qtest_fail(s,
                       "vcpu_exit shutdown: a triple fault exists only on "
                       "x86_64 machines (this one is %s)",
                       qa_arch_name(s->m->arch));
            return;
        }
        if (inject_real_triple_fault(s, cpu)) {
            return;
        }
        memset(&exit, 0, sizeof(exit));
        exit.kind = QA_EXIT_SHUTDOWN;
    } else if (!strcmp(argv[2], "system_event")) {
        if (!parse_system_event(s, argc, argv, &a) ||
            !inject_system_event(s, cpu, &a, &exit)) {
            return;
        }
    } else {
        qtest_fail(s,
                   "vcpu_exit: unknown exit '%s' (system_event or "
                   "shutdown)",
                   argv[2]);
        return;
    }
    qa_vcpu_handle_exit(s->m, &s->m->vcpus[cpu], &exit);
    qtest_ok(s);
}

/* ---- firmware conduits and MSRs -------------------------------------- */

static bool parse_words(QaQtestServer *s, char **argv, int n, uint64_t *out,
                        const char *what)
{
    for (int i = 0; i < n; i++) {
        if (!qtest_arg_u64(s, argv[i], what, &out[i])) {
            return false;
        }
    }
    return true;
}

/* hvc CPU X0 [X1 ... X17] / smc ... -> OK X0 */
static void cmd_smccc(QaQtestServer *s, int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    uint64_t regs[18] = {0};
    int cpu;

    if (!qtest_arg_cpu(s, argv[1], &cpu) ||
        !parse_words(s, argv + 2, argc - 2, regs, "register")) {
        return;
    }
    if (!qa_machine_smccc_call(s->m, cpu, regs, !strcmp(argv[0], "smc"),
                               &err)) {
        qtest_fail(s, "%s: %s", argv[0], err->message);
        return;
    }
    qtest_reply(s, "OK 0x%016" G_GINT64_MODIFIER "x", regs[0]);
}

/* ecall CPU EID FID [A0 ... A5] -> OK ERROR VALUE */
static void cmd_ecall(QaQtestServer *s, int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    uint64_t ids[2], args[6] = {0};
    int64_t ret[2] = {0};
    int cpu;

    if (!qtest_arg_cpu(s, argv[1], &cpu) ||
        !parse_words(s, argv + 2, 2, ids, "EID/FID") ||
        !parse_words(s, argv + 4, argc - 4, args, "argument")) {
        return;
    }
    if (!qa_machine_sbi_call(s->m, cpu, ids[0], ids[1], args, ret, &err)) {
        qtest_fail(s, "ecall: %s", err->message);
        return;
    }
    qtest_reply(s, "OK %" G_GINT64_FORMAT " 0x%016" G_GINT64_MODIFIER "x",
                ret[0], (uint64_t)ret[1]);
}

static bool arg_msr(QaQtestServer *s, const char *word, uint32_t *index)
{
    uint64_t v;

    if (!qtest_arg_u64(s, word, "MSR", &v)) {
        return false;
    }
    if (v > UINT32_MAX) {
        qtest_fail(s, "MSR index '%s' does not fit in 32 bits", word);
        return false;
    }
    *index = v;
    return true;
}

static void cmd_rdmsr(QaQtestServer *s, int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    uint32_t index;
    uint64_t val = 0;
    bool gp = false;
    int cpu;

    if (!qtest_arg_cpu(s, argv[1], &cpu) || !arg_msr(s, argv[2], &index)) {
        return;
    }
    if (!qa_machine_rdmsr(s->m, cpu, index, &val, &gp, &err)) {
        qtest_fail(s, "rdmsr: %s", err->message);
    } else if (gp) {
        qtest_reply(s, "ERR #GP");
    } else {
        qtest_reply(s, "OK 0x%016" G_GINT64_MODIFIER "x", val);
    }
}

static void cmd_wrmsr(QaQtestServer *s, int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    uint32_t index;
    uint64_t val;
    bool gp = false;
    int cpu;

    if (!qtest_arg_cpu(s, argv[1], &cpu) || !arg_msr(s, argv[2], &index) ||
        !qtest_arg_u64(s, argv[3], "VALUE", &val)) {
        return;
    }
    if (!qa_machine_wrmsr(s->m, cpu, index, val, &gp, &err)) {
        qtest_fail(s, "wrmsr: %s", err->message);
    } else if (gp) {
        qtest_reply(s, "ERR #GP");
    } else {
        qtest_ok(s);
    }
}

const QtestCommand qa_qtest_ext_commands[] = {
    {"vcpu_exit", 2, -1,
     "CPU system_event TYPE NDATA [D0 ...] [KEY=VALUE ...] | CPU shutdown",
     false, cmd_vcpu_exit},
    {"hvc", 2, 19, "CPU X0 [X1 ... X17]", false, cmd_smccc},
    {"smc", 2, 19, "CPU X0 [X1 ... X17]", false, cmd_smccc},
    {"ecall", 3, 9, "CPU EID FID [A0 ... A5]", false, cmd_ecall},
    {"rdmsr", 2, 2, "CPU MSR", false, cmd_rdmsr},
    {"wrmsr", 3, 3, "CPU MSR VALUE", false, cmd_wrmsr},
};
const size_t qa_qtest_ext_commands_len = G_N_ELEMENTS(qa_qtest_ext_commands);
