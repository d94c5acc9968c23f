/*
 * Fuzz target: the system-event decoder and translator
 * (qa_sysevent_decode, qa_sysevent_to_request, qa_request_describe).
 *
 * Input layout (every field optional: missing bytes read as zero):
 *
 *   u8  selector: abi (bit 0, bit 6 for an invalid value), caps (bit 1,
 *       bits 4-5 stray capability bits), regs present (bit 2), regs
 *       NULL (bit 3), invalid arch (bit 7)
 *   u8  arch (mod 3 unless the invalid bit is set)
 *   u32 cpu
 *   ... QaSysEventRegs fields (bools as one byte each, then the values)
 *   ... the rest: the raw system_event member, any length
 *
 * Besides the decoded record, the bytes are also read directly as an
 * arbitrary QaSysEvent (any ndata, flags, type, source) to reach
 * translator states the decoder never produces, as an injected or
 * embedder-built event can.  Every request is described, and so is one
 * built from the bytes directly (any enum value, unterminated text).
 */
#include <qaccel/sysevent.h>
#include "fuzz.h"

static void read_regs(FuzzIn *in, QaSysEventRegs *regs)
{
    memset(regs, 0, sizeof(*regs));
    regs->has_arm64_x1_x2 = fuzz_bool(in);
    regs->has_riscv_a0 = fuzz_bool(in);
    regs->has_hv_crash = fuzz_bool(in);
    regs->x1 = fuzz_u64(in);
    regs->x2 = fuzz_u64(in);
    regs->a0 = fuzz_u64(in);
    for (int i = 0; i < 5; i++) {
        regs->hv_crash[i] = fuzz_u64(in);
    }
}

/* A described request: one line of printable ASCII, for logs and JSON. */
static void check_request(const QaMachineRequest *req, QaArch arch)
{
    g_autofree char *d = qa_request_describe(req);

    fuzz_check(d != NULL, "no description");
    for (const char *p = d; *p; p++) {
        fuzz_check(*p >= 0x20 && *p < 0x7f, "byte 0x%02x in '%s'",
                   (unsigned char)*p, d);
    }
    fuzz_check(req->kind < QA_REQ__MAX, "kind %d", req->kind);
    fuzz_check(req->cause < QA_CAUSE__MAX, "cause %d", req->cause);
    fuzz_check(req->event_ndata <= QA_SYSEVENT_NDATA_MAX, "event_ndata %u",
               req->event_ndata);
    fuzz_check(memchr(req->detail, '\0', sizeof(req->detail)) != NULL,
               "detail not terminated");
    fuzz_check(memchr(req->panic.message, '\0', sizeof(req->panic.message)),
               "panic message not terminated");
    if ((unsigned)arch >= QA_ARCH__MAX) {
        fuzz_check(req->kind == QA_REQ_ERROR, "invalid arch gave %s",
                   qa_request_kind_name(req->kind));
    }
}

/* What the decoder promises (docs/system-events.md, decoder rules). */
static void check_decoded(const QaSysEvent *ev, const uint8_t *rec, size_t len,
                          QaSysEventAbi abi, unsigned caps, QaArch arch)
{
    uint32_t type =
        rec[0] | rec[1] << 8 | rec[2] << 16 | (uint32_t)rec[3] << 24;
    bool cap = caps & QA_KVM_CAP_SYSTEM_EVENT_DATA_BIT;

    fuzz_check(ev->type == type, "type %u, record says %u", ev->type, type);
    fuzz_check(ev->ndata <= QA_SYSEVENT_NDATA_MAX, "ndata %u", ev->ndata);
    fuzz_check(ev->source == QA_SYSEVENT_SRC_KERNEL, "source %d", ev->source);
    for (uint32_t i = ev->ndata; i < QA_SYSEVENT_NDATA_MAX; i++) {
        fuzz_check(ev->data[i] == 0, "data[%u] set past ndata %u", i,
                   ev->ndata);
    }
    if (!ev->data_valid) {
        fuzz_check(ev->ndata == 0, "ndata %u without valid data", ev->ndata);
    }
    if (abi == QA_SYSEVENT_ABI_64 && cap) {
        fuzz_check(ev->data_valid && !ev->legacy_flags, "current layout");
        fuzz_check(ev->clamped == (ev->raw_ndata > QA_SYSEVENT_NDATA_MAX),
                   "clamped %d with raw ndata %u", ev->clamped, ev->raw_ndata);
    } else if (cap) {
        /* A 5.18+ kernel never wrote the old 32-bit layout. */
        fuzz_check(!ev->data_valid, "data from an old layout with the cap");
    } else if (arch == QA_ARCH_X86_64) {
        /* Pre-5.18 x86 left flags unset: not data. */
        fuzz_check(!ev->data_valid, "legacy flags on x86");
    } else {
        fuzz_check(ev->data_valid && ev->legacy_flags && ev->ndata == 1,
                   "legacy flags on %s", qa_arch_name(arch));
    }
    (void)len;
}

/*
 * qa_request_describe() also takes requests nobody translated (devices
 * and embedders fill them by hand): any enum value, any flags, detail and
 * message without a terminating NUL.
 */
static void describe_arbitrary(FuzzIn *in)
{
    static const char *const sources[] = {NULL, "kvm", "device", ""};
    QaMachineRequest req;
    g_autofree char *d = NULL;
    uint8_t flags = fuzz_u8(in);

    memset(&req, 0, sizeof(req));
    req.kind = (QaRequestKind)(fuzz_u8(in) % (QA_REQ__MAX + 2));
    req.cause = (QaShutdownCause)(fuzz_u8(in) % (QA_CAUSE__MAX + 2));
    req.cpu = (int)fuzz_u32(in);
    req.reset_kind = (QaResetKind)(fuzz_u8(in) % 7);
    req.has_reset2 = flags & 1;
    req.hibernate = flags & 2;
    req.pvshutdown = flags & 4;
    req.has_srst = flags & 8;
    req.panic.sev_msr_form = flags & 16;
    req.panic.gpa_valid = flags & 32;
    req.reset_type = fuzz_u32(in);
    req.cookie = fuzz_u64(in);
    req.srst_reason = fuzz_u32(in);
    req.panic.kind = (QaPanicInfoKind)(fuzz_u8(in) % 6);
    for (int i = 0; i < 5; i++) {
        req.panic.args[i] = fuzz_u64(in);
    }
    req.panic.ghcb = fuzz_u64(in);
    req.panic.error_code = fuzz_u64(in);
    req.panic.gpa = fuzz_u64(in);
    req.event_type = fuzz_u32(in);
    req.event_ndata = fuzz_u32(in);
    for (int i = 0; i < QA_SYSEVENT_NDATA_MAX; i++) {
        req.event_data[i] = fuzz_u64(in);
    }
    req.source = sources[fuzz_u8(in) % G_N_ELEMENTS(sources)];
    for (size_t i = 0; i < sizeof(req.detail); i++) {
        req.detail[i] = (char)(0x20 + fuzz_u8(in) % 95);
    }
    for (size_t i = 0; i < sizeof(req.panic.message); i++) {
        req.panic.message[i] = (char)(0x20 + fuzz_u8(in) % 95);
    }
    d = qa_request_describe(&req);
    fuzz_check(d && !strchr(d, '\n'), "description of an arbitrary request");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzIn in = {data, size};
    uint8_t sel = fuzz_u8(&in);
    uint8_t archb = fuzz_u8(&in);
    QaSysEventAbi abi = sel & 0x40 ? (QaSysEventAbi)(2 + (archb >> 4))
                                   : (QaSysEventAbi)(sel & 1);
    unsigned caps = (sel >> 1 & 1) | (sel & 0x30) << 4;
    QaArch arch = sel & 0x80 ? (QaArch)archb : (QaArch)(archb % QA_ARCH__MAX);
    int cpu = (int)fuzz_u32(&in);
    QaSysEventRegs regs, *rp = NULL;
    QaMachineRequest req;
    QaSysEvent ev, raw;
    g_autoptr(GError) err = NULL;
    FuzzIn rawin;

    fuzz_quiet_logs();
    if (sel & 4) {
        read_regs(&in, &regs);
        rp = sel & 8 ? NULL : &regs;
    }

    /* The record: whatever is left, as the kernel would hand it over. */
    if (qa_sysevent_decode(in.p, in.n, abi, caps, arch, &ev, &err)) {
        fuzz_check(err == NULL, "error set on success");
        check_decoded(&ev, in.p, in.n, abi, caps, arch);
        for (int a = 0; a <= QA_ARCH__MAX; a++) {
            qa_sysevent_to_request(&ev, (QaArch)a, cpu, rp, &req);
            check_request(&req, (QaArch)a);
        }
    } else {
        fuzz_check(err != NULL && err->message[0], "failure without error");
    }
    g_clear_error(&err);

    /* The same bytes read as a structure nobody validated. */
    rawin = (FuzzIn){in.p, in.n};
    memset(&raw, 0, sizeof(raw));
    raw.type = fuzz_u8(&rawin) & 0x80 ? fuzz_u32(&rawin) : fuzz_u8(&rawin) % 9;
    raw.ndata = fuzz_u32(&rawin);
    raw.data_valid = fuzz_bool(&rawin);
    raw.legacy_flags = fuzz_bool(&rawin);
    raw.clamped = fuzz_bool(&rawin);
    raw.raw_ndata = fuzz_u32(&rawin);
    raw.source = (QaSysEventSource)(fuzz_u8(&rawin) % 5);
    for (int i = 0; i < QA_SYSEVENT_NDATA_MAX; i++) {
        raw.data[i] = fuzz_u64(&rawin);
    }
    qa_sysevent_to_request(&raw, arch, cpu, rp, &req);
    check_request(&req, arch);

    /* Encoding what was decoded and decoding it again changes nothing. */
    if (qa_sysevent_decode(in.p, in.n, abi, caps, arch, &ev, NULL) &&
        ev.data_valid && !ev.legacy_flags) {
        uint8_t buf[QA_SYSEVENT_MEMBER_SIZE];
        QaSysEvent again;
        size_t n = qa_sysevent_encode(ev.type, ev.ndata, ev.data, abi, buf,
                                      sizeof(buf));

        fuzz_check(n > 0, "encode failed");
        fuzz_check(qa_sysevent_decode(buf, n, abi, caps, arch, &again, NULL),
                   "re-decode failed");
        fuzz_check(again.type == ev.type && again.ndata == ev.ndata &&
                       !memcmp(again.data, ev.data, sizeof(ev.data)),
                   "decode(encode(ev)) differs");
    }

    rawin = (FuzzIn){in.p, in.n};
    describe_arbitrary(&rawin);
    return 0;
}
