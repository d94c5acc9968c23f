/*
 * The data of the QMP events the runstate layer emits (docs/runstate.md).
 *
 * QEMU's members come first and keep QEMU's names and types, so a QEMU
 * client parses qaccel's events unchanged.  Detail QEMU has no member for
 * goes into extra members named "qaccel-*", present only when they carry
 * something: a plain reset or shutdown has exactly QEMU's data.
 *
 * json-glib stores integers as gint64, so a u64 at or above 2^63 (a
 * Hyper-V crash parameter holding a kernel address, say) is serialized as
 * its two's-complement negative; a reader wanting the u64 back casts.
 */
#include <string.h>
#include <qaccel/event.h>
#include "runstate-internal.h"

static const char *reset_kind_member(QaResetKind kind)
{
    /* Cold and host resets are what QEMU's RESET already means. */
    switch (kind) {
    case QA_RESET_WARM:
        return "warm";
    case QA_RESET_VENDOR:
        return "vendor";
    case QA_RESET_TRIPLE_FAULT:
        return "triple-fault";
    default:
        return NULL;
    }
}

static void set_u64(JsonObject *o, const char *name, uint64_t v)
{
    qa_json_object_set_u64(o, name, v);
}

JsonObject *rs_cause_data(const QaMachineRequest *req)
{
    JsonObject *o = json_object_new();

    json_object_set_boolean_member(o, "guest",
                                   qa_shutdown_cause_is_guest(req->cause));
    json_object_set_string_member(o, "reason",
                                  qa_shutdown_cause_name(req->cause));
    if (req->kind == QA_REQ_RESET) {
        /* Also for a reset turned into SHUTDOWN by reboot=shutdown. */
        const char *kind = reset_kind_member(req->reset_kind);
        if (kind) {
            json_object_set_string_member(o, "qaccel-reset-kind", kind);
        }
        if (req->has_reset2) {
            set_u64(o, "qaccel-reset-type", req->reset_type);
            set_u64(o, "qaccel-cookie", req->cookie);
        }
    }
    if (req->kind == QA_REQ_SHUTDOWN && req->hibernate) {
        json_object_set_boolean_member(o, "qaccel-hibernate", true);
    }
    if (req->has_srst) {
        set_u64(o, "qaccel-srst-reason", req->srst_reason);
    }
    return o;
}

static JsonObject *hyperv_info(const QaPanicInfo *info)
{
    JsonObject *o = json_object_new();

    json_object_set_string_member(o, "type", "hyper-v");
    for (int i = 0; i < 5; i++) {
        char name[8];
        g_snprintf(name, sizeof(name), "arg%d", i + 1);
        set_u64(o, name, info->args[i]);
    }
    return o;
}

/*
 * QEMU has no SEV variant; this one is qaccel's.  "ghcb" is the value KVM
 * reported (the GHCB MSR for the MSR protocol, else the GHCB GPA); the
 * MSR protocol's termination request also carries a reason set and code.
 */
static JsonObject *sev_info(const QaPanicInfo *info)
{
    JsonObject *o = json_object_new();

    json_object_set_string_member(o, "type", "sev");
    set_u64(o, "ghcb", info->ghcb);
    if (info->sev_msr_form) {
        set_u64(o, "reason-set", info->sev_reason_set);
        set_u64(o, "reason-code", info->sev_reason_code);
    }
    return o;
}

/* QEMU's GuestPanicInformationTdx: error-code is bits 31:0 of R12. */
static JsonObject *tdx_info(const QaPanicInfo *info)
{
    JsonObject *o = json_object_new();
    char msg[sizeof(info->message)];

    /* The guest wrote it: never trust it to be terminated or UTF-8. */
    memcpy(msg, info->message, sizeof(msg));
    msg[sizeof(msg) - 1] = '\0';
    g_autofree char *valid = g_utf8_make_valid(msg, -1);

    json_object_set_string_member(o, "type", "tdx");
    set_u64(o, "error-code", (uint32_t)info->error_code);
    json_object_set_string_member(o, "message", valid);
    if (info->gpa_valid) {
        set_u64(o, "gpa", info->gpa);
    }
    return o;
}

JsonObject *rs_panic_info(const QaPanicInfo *info)
{
    switch (info->kind) {
    case QA_PANIC_INFO_HYPERV:
        return hyperv_info(info);
    case QA_PANIC_INFO_SEV:
        return sev_info(info);
    case QA_PANIC_INFO_TDX:
        return tdx_info(info);
    default:
        return NULL;
    }
}

JsonObject *rs_panic_data(const char *action, const QaPanicInfo *info)
{
    JsonObject *o = json_object_new();
    JsonObject *pi = info ? rs_panic_info(info) : NULL;

    json_object_set_string_member(o, "action", action);
    if (pi) {
        json_object_set_object_member(o, "info", pi);
    }
    return o;
}
