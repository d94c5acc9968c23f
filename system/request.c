/*
 * Machine request names: the vocabulary shared by the translator, the
 * platform devices, the runstate layer and QMP.
 *
 * The cause strings are QEMU's ShutdownCause names, which appear verbatim
 * in the "reason" member of the SHUTDOWN and RESET QMP events, so they must
 * not be reworded.
 */
#include <qaccel/request.h>
#include <qaccel/sysevent.h> /* qa_request_describe() */

static const char *const request_kind_names[QA_REQ__MAX] = {
    [QA_REQ_NONE] = "none",
    [QA_REQ_RESET] = "reset",
    [QA_REQ_SHUTDOWN] = "shutdown",
    [QA_REQ_PANIC] = "panic",
    [QA_REQ_CRASHLOADED] = "crashloaded",
    [QA_REQ_SUSPEND] = "suspend",
    [QA_REQ_WAKEUP] = "wakeup",
    [QA_REQ_ERROR] = "error",
};

static const char *const shutdown_cause_names[QA_CAUSE__MAX] = {
    [QA_CAUSE_NONE] = "none",
    [QA_CAUSE_HOST_ERROR] = "host-error",
    [QA_CAUSE_HOST_QMP_QUIT] = "host-qmp-quit",
    [QA_CAUSE_HOST_QMP_SYSTEM_RESET] = "host-qmp-system-reset",
    [QA_CAUSE_HOST_SIGNAL] = "host-signal",
    [QA_CAUSE_HOST_UI] = "host-ui",
    [QA_CAUSE_GUEST_SHUTDOWN] = "guest-shutdown",
    [QA_CAUSE_GUEST_RESET] = "guest-reset",
    [QA_CAUSE_GUEST_PANIC] = "guest-panic",
    [QA_CAUSE_SUBSYSTEM_RESET] = "subsystem-reset",
    [QA_CAUSE_SNAPSHOT_LOAD] = "snapshot-load",
};

const char *qa_request_kind_name(QaRequestKind kind)
{
    /* The enum may be compiled as unsigned: compare as unsigned. */
    if ((unsigned)kind >= QA_REQ__MAX) {
        return "invalid";
    }
    return request_kind_names[kind];
}

const char *qa_shutdown_cause_name(QaShutdownCause cause)
{
    if ((unsigned)cause >= QA_CAUSE__MAX) {
        return "invalid";
    }
    return shutdown_cause_names[cause];
}

bool qa_shutdown_cause_is_guest(QaShutdownCause cause)
{
    /*
     * QEMU's shutdown_caused_by_guest() is "cause >= GUEST_SHUTDOWN and not
     * SUBSYSTEM_RESET", which also counts snapshot-load as a guest cause.
     * qaccel has no snapshots, and a snapshot load is not something the
     * guest asked for, so only the three guest causes count here.
     */
    switch (cause) {
    case QA_CAUSE_GUEST_SHUTDOWN:
    case QA_CAUSE_GUEST_RESET:
    case QA_CAUSE_GUEST_PANIC:
        return true;
    default:
        return false;
    }
}

static const char *reset_kind_name(QaResetKind kind)
{
    switch (kind) {
    case QA_RESET_COLD:
        return "cold";
    case QA_RESET_WARM:
        return "warm";
    case QA_RESET_VENDOR:
        return "vendor";
    case QA_RESET_TRIPLE_FAULT:
        return "triple-fault";
    case QA_RESET_HOST:
        return "host";
    }
    return "invalid";
}

static void describe_panic(const QaPanicInfo *pi, GString *s)
{
    switch (pi->kind) {
    case QA_PANIC_INFO_HYPERV:
        g_string_append(s, " info=hyper-v");
        for (unsigned i = 0; i < G_N_ELEMENTS(pi->args); i++) {
            g_string_append_printf(s, " arg%u=0x%" G_GINT64_MODIFIER "x", i + 1,
                                   pi->args[i]);
        }
        break;
    case QA_PANIC_INFO_SEV:
        g_string_append_printf(s, " info=sev ghcb=0x%" G_GINT64_MODIFIER "x",
                               pi->ghcb);
        if (pi->sev_msr_form) {
            g_string_append_printf(s, " reason_set=%u reason_code=%u",
                                   pi->sev_reason_set, pi->sev_reason_code);
        }
        break;
    case QA_PANIC_INFO_TDX:
        g_string_append_printf(s,
                               " info=tdx error_code=0x%" G_GINT64_MODIFIER "x",
                               pi->error_code);
        if (pi->gpa_valid) {
            g_string_append_printf(s, " gpa=0x%" G_GINT64_MODIFIER "x",
                                   pi->gpa);
        }
        /* The translator left printable ASCII only. */
        g_string_append_printf(s, " message=\"%.*s\"", (int)sizeof(pi->message),
                               pi->message);
        break;
    default:
        break;
    }
}

char *qa_request_describe(const QaMachineRequest *req)
{
    GString *s;

    g_return_val_if_fail(req != NULL, NULL);

    s = g_string_new(qa_request_kind_name(req->kind));
    g_string_append_printf(s, " cause=%s", qa_shutdown_cause_name(req->cause));
    if (req->cpu >= 0) {
        g_string_append_printf(s, " cpu=%d", req->cpu);
    }
    switch (req->kind) {
    case QA_REQ_RESET:
        g_string_append_printf(s, " kind=%s", reset_kind_name(req->reset_kind));
        if (req->has_reset2) {
            g_string_append_printf(
                s, " reset_type=0x%x cookie=0x%" G_GINT64_MODIFIER "x",
                req->reset_type, req->cookie);
        }
        break;
    case QA_REQ_SHUTDOWN:
        if (req->hibernate) {
            g_string_append(s, " hibernate");
        }
        if (req->pvshutdown) {
            g_string_append(s, " pvshutdown");
        }
        break;
    case QA_REQ_PANIC:
        describe_panic(&req->panic, s);
        break;
    case QA_REQ_ERROR:
        g_string_append_printf(s, " type=%u ndata=%u", req->event_type,
                               req->event_ndata);
        for (uint32_t i = 0; i < req->event_ndata && i < 16; i++) {
            g_string_append_printf(s, "%s0x%" G_GINT64_MODIFIER "x",
                                   i ? "," : " data=", req->event_data[i]);
        }
        break;
    default:
        break;
    }
    if (req->has_srst) {
        g_string_append_printf(s, " srst_reason=%u", req->srst_reason);
    }
    if (req->source) {
        g_string_append_printf(s, " source=%s", req->source);
    }
    if (req->detail[0]) {
        g_string_append_printf(s, " detail=\"%.*s\"", (int)sizeof(req->detail),
                               req->detail);
    }
    return g_string_free(s, FALSE);
}
