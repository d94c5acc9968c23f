/*
 * The data of the QMP events the runstate layer emits (docs/runstate.md).
 *
 * QEMU's members come first and keep QEMU's names and types, so a QEMU
 * client parses qaccel's events unchanged.  Detail QEMU has no member for
 * goes into extra members named "qaccel-*", present only when they carry
 * something: a plain reset or shutdown has exactly QEMU's data.
 *
 * The data is an a{sv} dictionary (include/qaccel/event.h), built in
 * member order; u64 members are 't' and reach the QMP wire unsigned even
 * at or above 2^63 (a Hyper-V crash parameter holding a kernel address).
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

#define ADD(b, name, fmt, ...)                                                 \
    g_variant_builder_add((b), "{sv}", (name), g_variant_new(fmt, __VA_ARGS__))

GVariant *rs_cause_data(const QaMachineRequest *req)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    ADD(&b, "guest", "b", (gboolean)qa_shutdown_cause_is_guest(req->cause));
    ADD(&b, "reason", "s", qa_shutdown_cause_name(req->cause));
    if (req->kind == QA_REQ_RESET) {
        /* Also for a reset turned into SHUTDOWN by reboot=shutdown. */
        const char *kind = reset_kind_member(req->reset_kind);
        if (kind) {
            ADD(&b, "qaccel-reset-kind", "s", kind);
        }
        if (req->has_reset2) {
            ADD(&b, "qaccel-reset-type", "u", (guint32)req->reset_type);
            ADD(&b, "qaccel-cookie", "t", (guint64)req->cookie);
        }
    }
    if (req->kind == QA_REQ_SHUTDOWN && req->hibernate) {
        ADD(&b, "qaccel-hibernate", "b", TRUE);
    }
    if (req->has_srst) {
        ADD(&b, "qaccel-srst-reason", "u", (guint32)req->srst_reason);
    }
    return g_variant_builder_end(&b);
}

static GVariant *hyperv_info(const QaPanicInfo *info)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    ADD(&b, "type", "s", "hyper-v");
    for (int i = 0; i < 5; i++) {
        char name[8];
        g_snprintf(name, sizeof(name), "arg%d", i + 1);
        ADD(&b, name, "t", (guint64)info->args[i]);
    }
    return g_variant_builder_end(&b);
}

/*
 * QEMU has no SEV variant; this one is qaccel's.  "ghcb" is the value KVM
 * reported (the GHCB MSR for the MSR protocol, else the GHCB GPA); the
 * MSR protocol's termination request also carries a reason set and code.
 */
static GVariant *sev_info(const QaPanicInfo *info)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    ADD(&b, "type", "s", "sev");
    ADD(&b, "ghcb", "t", (guint64)info->ghcb);
    if (info->sev_msr_form) {
        ADD(&b, "reason-set", "y", (guchar)info->sev_reason_set);
        ADD(&b, "reason-code", "y", (guchar)info->sev_reason_code);
    }
    return g_variant_builder_end(&b);
}

/* QEMU's GuestPanicInformationTdx: error-code is bits 31:0 of R12. */
static GVariant *tdx_info(const QaPanicInfo *info)
{
    GVariantBuilder b;
    char msg[sizeof(info->message)];

    /* The guest wrote it: never trust it to be terminated or UTF-8. */
    memcpy(msg, info->message, sizeof(msg));
    msg[sizeof(msg) - 1] = '\0';
    g_autofree char *valid = g_utf8_make_valid(msg, -1);

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    ADD(&b, "type", "s", "tdx");
    ADD(&b, "error-code", "u", (guint32)info->error_code);
    ADD(&b, "message", "s", valid);
    if (info->gpa_valid) {
        ADD(&b, "gpa", "t", (guint64)info->gpa);
    }
    return g_variant_builder_end(&b);
}

GVariant *rs_panic_info(const QaPanicInfo *info)
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

GVariant *rs_panic_data(const char *action, const QaPanicInfo *info)
{
    GVariantBuilder b;
    GVariant *pi = info ? rs_panic_info(info) : NULL;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    ADD(&b, "action", "s", action);
    if (pi) {
        /* a{sv} inside a 'v': printed as a nested object */
        g_variant_builder_add(&b, "{sv}", "info", pi);
    }
    return g_variant_builder_end(&b);
}
