/*
 * Machine requests: what a guest (or the host) asks the machine to do.
 *
 * A request keeps three things apart: *what* (kind), *why* (cause, QEMU's
 * ShutdownCause) and *detail* (reset kind, PSCI RESET2 type/cookie, SRST
 * reason, panic information).  Requests are produced by the system-event
 * translator, by platform devices and by the control plane, and consumed by
 * the runstate layer (system/runstate.c) which applies the -action policy.
 */
#ifndef QACCEL_REQUEST_H
#define QACCEL_REQUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    QA_REQ_NONE,
    QA_REQ_RESET,       /* machine reset (or shutdown with reboot=shutdown) */
    QA_REQ_SHUTDOWN,    /* power off (hibernate flag: SUSPEND_DISK first) */
    QA_REQ_PANIC,       /* guest panicked; handled per panic= action */
    QA_REQ_CRASHLOADED, /* pvpanic CRASH_LOADED: GUEST_CRASHLOADED only */
    QA_REQ_SUSPEND,     /* suspend to RAM (S3, PSCI SYSTEM_SUSPEND) */
    QA_REQ_WAKEUP,      /* wake from suspend */
    QA_REQ_ERROR,       /* unknown / unhandled guest event: policy decides */
    QA_REQ__MAX
} QaRequestKind;

/* QEMU's ShutdownCause, same order and strings. */
typedef enum {
    QA_CAUSE_NONE,
    QA_CAUSE_HOST_ERROR,
    QA_CAUSE_HOST_QMP_QUIT,
    QA_CAUSE_HOST_QMP_SYSTEM_RESET,
    QA_CAUSE_HOST_SIGNAL,
    QA_CAUSE_HOST_UI,
    QA_CAUSE_GUEST_SHUTDOWN,
    QA_CAUSE_GUEST_RESET,
    QA_CAUSE_GUEST_PANIC,
    QA_CAUSE_SUBSYSTEM_RESET,
    QA_CAUSE_SNAPSHOT_LOAD,
    QA_CAUSE__MAX
} QaShutdownCause;

/* What kind of reset a reset request asks for (detail only). */
typedef enum {
    QA_RESET_COLD,   /* plain system reset (PSCI SYSTEM_RESET, 0xCF9, SRST cold)
                      */
    QA_RESET_WARM,   /* PSCI RESET2 type 0, SRST warm reboot */
    QA_RESET_VENDOR, /* PSCI RESET2 type >= 0x80000000 */
    QA_RESET_TRIPLE_FAULT, /* x86 KVM_EXIT_SHUTDOWN */
    QA_RESET_HOST,         /* requested by the host (QMP system_reset) */
} QaResetKind;

typedef enum {
    QA_PANIC_INFO_NONE,
    QA_PANIC_INFO_HYPERV, /* args[0..4] = HV CRASH_P0..P4 */
    QA_PANIC_INFO_SEV,    /* ghcb = raw GHCB MSR value or GHCB GPA */
    QA_PANIC_INFO_TDX,    /* error_code, message, gpa (if gpa_valid) */
} QaPanicInfoKind;

typedef struct QaPanicInfo {
    QaPanicInfoKind kind;
    uint64_t args[5];  /* hyper-v */
    uint64_t ghcb;     /* sev: data[0] as the kernel gave it */
    bool sev_msr_form; /* sev: (ghcb & 0xfff) == 0x100 */
    uint8_t sev_reason_set, sev_reason_code;
    uint64_t error_code; /* tdx: R12 */
    uint64_t gpa;        /* tdx: R13, valid if gpa_valid */
    bool gpa_valid;
    char message[8 * 16 * 4 + 1]; /* tdx: printable rendering (escaped) */
} QaPanicInfo;

/* SBI SRST reset reasons (detail only). */
#define QA_SRST_REASON_NONE 0u
#define QA_SRST_REASON_SYSTEM_FAILURE 1u

typedef struct QaMachineRequest {
    QaRequestKind kind;
    QaShutdownCause cause;
    int cpu; /* requesting vCPU index, -1 for host/device */
    /* detail */
    QaResetKind reset_kind; /* QA_REQ_RESET */
    bool has_reset2;        /* arm64 PSCI SYSTEM_RESET2 */
    uint32_t reset_type;    /* PSCI RESET2 reset_type */
    uint64_t cookie;        /* PSCI RESET2 cookie */
    bool hibernate;         /* QA_REQ_SHUTDOWN: PSCI OFF2 / ACPI S4 */
    bool pvshutdown;        /* QA_REQ_SHUTDOWN: via pvpanic SHUTDOWN bit */
    bool has_srst;          /* riscv SBI SRST */
    uint32_t srst_reason;   /* riscv SRST reason (data[0]) */
    QaPanicInfo panic;      /* QA_REQ_PANIC */
    /* QA_REQ_ERROR: the unhandled event, preserved */
    uint32_t event_type;
    uint32_t event_ndata;
    uint64_t event_data[16];
    const char *source; /* static string naming the producer, for stats */
    char detail[96];    /* short human-readable detail ("triple fault") */
} QaMachineRequest;

/**
 * qa_request_kind_name: the lower-case name of @kind ("reset", ...).
 * Returns a static string; "invalid" for out-of-range values.
 */
const char *qa_request_kind_name(QaRequestKind kind);

/**
 * qa_shutdown_cause_name: QEMU's ShutdownCause string for @cause
 * ("guest-shutdown", "host-qmp-quit", ...). Returns a static string.
 */
const char *qa_shutdown_cause_name(QaShutdownCause cause);

/**
 * qa_shutdown_cause_is_guest: whether @cause counts as guest-initiated
 * (guest-shutdown, guest-reset, guest-panic), i.e. QMP "guest": true.
 */
bool qa_shutdown_cause_is_guest(QaShutdownCause cause);

/**
 * QaRequestSink: where producers (accelerators, devices) post requests.
 * Installed by the system layer or by an embedding emulator.  post() must
 * be safe to call from any thread and must not block on the main loop.
 */
typedef struct QaRequestSink {
    void (*post)(void *opaque, const QaMachineRequest *req);
    void *opaque;
} QaRequestSink;

G_END_DECLS

#endif
