/*
 * System-event decoder and translator.
 *
 * qa_sysevent_decode() turns the raw bytes of a kvm_run system_event
 * member into a QaSysEvent, applying the ABI rules once (see
 * docs/system-events.md).  qa_sysevent_to_request() turns a QaSysEvent into
 * a machine request.  Both are pure: no I/O, no global state.
 */
#ifndef QACCEL_SYSEVENT_H
#define QACCEL_SYSEVENT_H

#include <stddef.h>
#include <glib.h>
#include <qaccel/exit.h>
#include <qaccel/request.h>

G_BEGIN_DECLS

/* Userspace ABI the record was produced for. */
typedef enum {
    QA_SYSEVENT_ABI_64,     /* any ABI with >= 5.18 headers, or 64-bit pre-5.18:
                               data[0]/flags at member offset 8, ndata at 4 */
    QA_SYSEVENT_ABI_32_OLD, /* i386 with pre-5.18 header: flags at offset 4 */
} QaSysEventAbi;

/* Member sizes in bytes (the record must be at least this long). */
#define QA_SYSEVENT_MEMBER_SIZE 136 /* u32 type, u32 ndata, u64 data[16] */
#define QA_SYSEVENT_MEMBER_SIZE_32_OLD 12

/* Kernel capability bits relevant to the decoder. */
#define QA_KVM_CAP_SYSTEM_EVENT_DATA_BIT (1u << 0)

/**
 * qa_sysevent_decode: decode @len bytes at @bytes (the system_event member,
 * i.e. kvm_run + 32) produced under @abi by a kernel with capability bits
 * @caps, for @arch.  On success fills @ev (source is left as
 * QA_SYSEVENT_SRC_KERNEL; callers overwrite it) and returns true; an
 * unknown type still decodes (type and data preserved).  Fails with
 * QA_ERROR_INVALID only if @len is too short for @abi or @arch is invalid.
 */
bool qa_sysevent_decode(const void *bytes, size_t len, QaSysEventAbi abi,
                        unsigned caps, QaArch arch, QaSysEvent *ev,
                        GError **error);

/**
 * qa_sysevent_encode: build the raw member bytes the kernel would write for
 * (type, ndata, data[]) in layout @abi into @buf (zeroed first).  For
 * QA_SYSEVENT_ABI_32_OLD only data[0] is stored (as flags).  Returns the
 * number of bytes written, or 0 if @buflen is too small.  Used by qtest
 * exit injection and by tests.
 */
size_t qa_sysevent_encode(uint32_t type, uint32_t ndata, const uint64_t *data,
                          QaSysEventAbi abi, void *buf, size_t buflen);

/** qa_sysevent_type_name: "shutdown", "reset", ..., or "unknown". */
const char *qa_sysevent_type_name(uint32_t type);

/** qa_arch_name: "x86_64", "arm64", "riscv64". */
const char *qa_arch_name(QaArch arch);

/** qa_arch_from_name: parse an arch name (also "aarch64"); false if unknown. */
bool qa_arch_from_name(const char *name, QaArch *arch);

/**
 * qa_sysevent_to_request: translate @ev raised by vCPU @cpu on @arch into
 * @req, using @regs (may be NULL) for details the kernel leaves in
 * registers.  Never fails: unknown or unhandled events yield QA_REQ_ERROR
 * with the event preserved; events that need no machine action yield
 * QA_REQ_NONE.
 */
void qa_sysevent_to_request(const QaSysEvent *ev, QaArch arch, int cpu,
                            const QaSysEventRegs *regs, QaMachineRequest *req);

/**
 * qa_request_triple_fault: the request for an x86 KVM_EXIT_SHUTDOWN
 * (reset, cause guest-reset, detail "triple fault").
 */
void qa_request_triple_fault(int cpu, QaMachineRequest *req);

/**
 * qa_request_describe: newly allocated one-line description of @req for
 * logs ("reset cause=guest-reset kind=warm reset_type=0x0 cookie=0x0").
 */
char *qa_request_describe(const QaMachineRequest *req);

G_END_DECLS

#endif
