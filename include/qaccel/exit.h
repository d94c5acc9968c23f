/*
 * Neutral vCPU exit and system-event forms.
 *
 * This header uses only <stdint.h>/<stdbool.h> so that the per-arch KVM
 * files (accel/kvm/<arch>.c), which are built without GLib for cross
 * targets, can fill these structs too.
 *
 * A backend decodes each exit once, at its edge, into a QaExit; everything
 * downstream (vCPU loop, devices, translator) sees only this form.
 */
#ifndef QACCEL_EXIT_H
#define QACCEL_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    QA_ARCH_X86_64,
    QA_ARCH_ARM64,
    QA_ARCH_RISCV64,
    QA_ARCH__MAX
} QaArch;

/* KVM_SYSTEM_EVENT_* type values (kernel ABI, see docs/system-events.md) */
enum {
    QA_SYSEVENT_SHUTDOWN = 1,
    QA_SYSEVENT_RESET = 2,
    QA_SYSEVENT_CRASH = 3,
    QA_SYSEVENT_WAKEUP = 4,
    QA_SYSEVENT_SUSPEND = 5,
    QA_SYSEVENT_SEV_TERM = 6,
    QA_SYSEVENT_TDX_FATAL = 7,
};

#define QA_SYSEVENT_NDATA_MAX 16

/* arm64 data[0] flags */
#define QA_SYSEVENT_RESET_FLAG_PSCI_RESET2 (1ULL << 0)
#define QA_SYSEVENT_SHUTDOWN_FLAG_PSCI_OFF2 (1ULL << 0)

/* Where a system event came from (for stats and logs). */
typedef enum {
    QA_SYSEVENT_SRC_KERNEL,   /* a kvm_run record from KVM_RUN */
    QA_SYSEVENT_SRC_INJECTED, /* qtest vcpu_exit: raw bytes built by a test */
    QA_SYSEVENT_SRC_FIRMWARE, /* user-space PSCI/SBI device */
    QA_SYSEVENT_SRC__MAX
} QaSysEventSource;

/* A decoded KVM_EXIT_SYSTEM_EVENT, trusted fields only. */
typedef struct QaSysEvent {
    uint32_t type;
    uint32_t ndata; /* entries of data[] that are valid */
    uint64_t data[QA_SYSEVENT_NDATA_MAX];
    bool data_valid;    /* ndata/data[] may be used */
    bool legacy_flags;  /* data[0] came from the pre-5.18 flags word */
    bool clamped;       /* the record's ndata was > 16 */
    uint32_t raw_ndata; /* ndata as found in the record */
    QaSysEventSource source;
} QaSysEvent;

/*
 * Register values the translator needs beyond the record, read by the
 * caller from the vCPU (the kernel leaves them in guest registers).
 */
typedef struct QaSysEventRegs {
    bool has_arm64_x1_x2; /* PSCI RESET2: x1 reset_type, x2 cookie */
    uint64_t x1, x2;
    bool has_riscv_a0; /* SBI SRST: a0 reset_type (0 off, 1 cold, 2 warm) */
    uint64_t a0;
    bool has_hv_crash; /* x86 CRASH: HV CRASH_P0..P4 */
    uint64_t hv_crash[5];
} QaSysEventRegs;

typedef enum {
    QA_EXIT_PIO,
    QA_EXIT_MMIO,
    QA_EXIT_HLT,
    QA_EXIT_SHUTDOWN, /* x86 triple fault */
    QA_EXIT_SYSTEM_EVENT,
    QA_EXIT_HYPERCALL,      /* arm64 SMCCC forwarded to user space */
    QA_EXIT_SBI,            /* riscv SBI forwarded to user space */
    QA_EXIT_MSR,            /* x86 user-space MSR (filter) */
    QA_EXIT_INTERRUPTED,    /* kick: EINTR / immediate_exit */
    QA_EXIT_INTERNAL_ERROR, /* KVM_EXIT_INTERNAL_ERROR (suberror, data) */
    QA_EXIT_FAIL_ENTRY,
    QA_EXIT_UNSUPPORTED, /* an exit reason the loop does not handle */
} QaExitKind;

typedef struct QaExit {
    QaExitKind kind;
    union {
        struct {
            uint16_t port;
            uint8_t size; /* 1, 2, 4 */
            bool is_write;
            uint32_t count; /* string I/O repeat count */
            uint8_t *data;  /* count * size bytes, in/out */
        } pio;
        struct {
            uint64_t addr;
            uint8_t *data; /* len bytes, in/out */
            uint32_t len;
            bool is_write;
        } mmio;
        struct {
            QaSysEvent ev; /* decoded by the backend */
            QaSysEventRegs regs;
        } sysevent;
        struct {
            uint64_t
                regs[18]; /* in: x0 = function id, x1..x17 args; out: x0..x3 */
            bool smc;
        } hypercall;
        struct {
            uint64_t eid, fid;
            uint64_t args[6];
            int64_t ret[2]; /* out: error, value */
        } sbi;
        struct {
            uint32_t index;
            bool is_write;
            uint64_t data; /* in for writes, out for reads */
            bool error;    /* out: inject #GP */
        } msr;
        struct {
            uint32_t suberror; /* INTERNAL_ERROR suberror / FAIL_ENTRY 0 */
            uint32_t ndata;
            uint64_t data[16]; /* FAIL_ENTRY: data[0] hw reason, data[1] cpu */
        } fail;
        struct {
            uint32_t reason; /* the raw exit reason */
        } unsupported;
    } u;
} QaExit;

#ifdef __cplusplus
}
#endif

#endif
