/*
 * RISC-V SBI (Base, HSM, SRST, DBCN and the legacy console/shutdown
 * calls) as a pure function:
 * (state, calling hart, a7/a6/a0..a5) -> (a0/a1, effect).
 *
 * No locking, no memory access, no machine: the device wrapper
 * (hw/firmware/sbi.c) serialises calls, copies console bytes out of guest
 * RAM and turns the effect into a system event.  SRST and legacy shutdown
 * produce exactly the event Linux riscv KVM raises; where the SBI
 * specification and KVM differ on an error code the specification wins
 * (see docs/boards-arm-riscv.md).
 */
#ifndef HW_FIRMWARE_SBI_CORE_H
#define HW_FIRMWARE_SBI_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <qaccel/exit.h>

/* Extension ids. */
#define QA_SBI_EXT_LEGACY_PUTCHAR 0x01
#define QA_SBI_EXT_LEGACY_GETCHAR 0x02
#define QA_SBI_EXT_LEGACY_SHUTDOWN 0x08
#define QA_SBI_EXT_BASE 0x10
#define QA_SBI_EXT_HSM 0x48534D
#define QA_SBI_EXT_SRST 0x53525354
#define QA_SBI_EXT_DBCN 0x4442434E

/* Function ids. */
enum {
    QA_SBI_BASE_GET_SPEC_VERSION = 0,
    QA_SBI_BASE_GET_IMPL_ID = 1,
    QA_SBI_BASE_GET_IMPL_VERSION = 2,
    QA_SBI_BASE_PROBE_EXTENSION = 3,
    QA_SBI_BASE_GET_MVENDORID = 4,
    QA_SBI_BASE_GET_MARCHID = 5,
    QA_SBI_BASE_GET_MIMPID = 6,
};
enum {
    QA_SBI_HSM_HART_START = 0,
    QA_SBI_HSM_HART_STOP = 1,
    QA_SBI_HSM_HART_GET_STATUS = 2,
    QA_SBI_HSM_HART_SUSPEND = 3,
};
#define QA_SBI_SRST_RESET 0
enum {
    QA_SBI_DBCN_WRITE = 0,
    QA_SBI_DBCN_READ = 1,
    QA_SBI_DBCN_WRITE_BYTE = 2,
};

/* Error codes. */
enum {
    QA_SBI_SUCCESS = 0,
    QA_SBI_ERR_FAILED = -1,
    QA_SBI_ERR_NOT_SUPPORTED = -2,
    QA_SBI_ERR_INVALID_PARAM = -3,
    QA_SBI_ERR_DENIED = -4,
    QA_SBI_ERR_INVALID_ADDRESS = -5,
    QA_SBI_ERR_ALREADY_AVAILABLE = -6,
    QA_SBI_ERR_ALREADY_STARTED = -7,
    QA_SBI_ERR_ALREADY_STOPPED = -8,
};

/* HSM hart states, as hart_get_status reports them. */
typedef enum {
    QA_SBI_HART_STARTED = 0,
    QA_SBI_HART_STOPPED = 1,
    QA_SBI_HART_START_PENDING = 2,
    QA_SBI_HART_STOP_PENDING = 3,
    QA_SBI_HART_SUSPENDED = 4,
    QA_SBI_HART_SUSPEND_PENDING = 5,
    QA_SBI_HART_RESUME_PENDING = 6,
} QaSbiHartState;

/* SRST reset types. */
#define QA_SBI_SRST_SHUTDOWN 0u
#define QA_SBI_SRST_COLD_REBOOT 1u
#define QA_SBI_SRST_WARM_REBOOT 2u
/* SRST reset reasons. */
#define QA_SBI_SRST_REASON_NONE 0u
#define QA_SBI_SRST_REASON_SYSTEM_FAILURE 1u

/* HSM suspend types qaccel implements. */
#define QA_SBI_SUSPEND_RETENTIVE 0x00000000u
#define QA_SBI_SUSPEND_NON_RETENTIVE 0x80000000u

/* SBI 2.0: the first version with DBCN. */
#define QA_SBI_SPEC_VERSION 0x02000000u
/* Largest DBCN console_write accepted in one call; the rest is left for
 * the guest to retry, as the specification allows. */
#define QA_SBI_DBCN_MAX_WRITE 4096u

typedef struct QaSbiHart {
    uint64_t hartid;
    QaSbiHartState state;
    uint64_t start_addr; /* last hart_start / resume address */
    uint64_t opaque;
} QaSbiHart;

typedef struct QaSbiState {
    unsigned nharts;
    QaSbiHart *harts;  /* nharts entries, owned by the caller */
    uint64_t ram_base; /* start/resume addresses must be in RAM */
    uint64_t ram_size;
    uint64_t impl_id;
    uint64_t impl_version;
    uint64_t mvendorid, marchid, mimpid;
} QaSbiState;

typedef enum {
    QA_SBI_EFFECT_NONE,
    QA_SBI_EFFECT_HART_START,     /* target, addr, opaque */
    QA_SBI_EFFECT_HART_STOP,      /* target = the caller */
    QA_SBI_EFFECT_HART_SUSPEND,   /* target = caller; type, addr, opaque */
    QA_SBI_EFFECT_CONSOLE_WRITE,  /* len bytes of guest RAM at addr */
    QA_SBI_EFFECT_CONSOLE_BYTE,   /* byte */
    QA_SBI_EFFECT_SYSTEM_EVENT,   /* ev and regs: what KVM would report */
    QA_SBI_EFFECT_CALLER_STOPPED, /* a stopped hart called: guest error */
} QaSbiEffectKind;

typedef struct QaSbiEffect {
    QaSbiEffectKind kind;
    int target; /* hart index, -1 if none */
    uint64_t addr;
    uint64_t len;
    uint64_t opaque;
    uint32_t suspend_type;
    uint8_t byte;
    QaSysEvent ev;       /* QA_SBI_EFFECT_SYSTEM_EVENT */
    QaSysEventRegs regs; /* a0 = SRST reset type */
} QaSbiEffect;

/**
 * qa_sbi_reset: power-on state: hart 0 started, every other hart stopped.
 */
void qa_sbi_reset(QaSbiState *s);

/**
 * qa_sbi_call: handle the ecall (@eid = a7, @fid = a6, @args = a0..a5)
 * made by hart @caller (an index into s->harts).  Writes a0 to ret[0] and
 * a1 to ret[1]: (error, value) for SBI v0.2+ calls; for legacy calls a0
 * only, with a1 preserved; for calls that end in a system event both
 * registers are left as they were (KVM does not return from those).
 * Fills @eff.  Unknown extensions and functions answer NOT_SUPPORTED.
 */
void qa_sbi_call(QaSbiState *s, unsigned caller, uint64_t eid, uint64_t fid,
                 const uint64_t args[6], int64_t ret[2], QaSbiEffect *eff);

/**
 * qa_sbi_hart_running: note that hart @index executes guest code: a
 * pending start completes and a suspended hart has woken.
 */
void qa_sbi_hart_running(QaSbiState *s, unsigned index);

/**
 * qa_sbi_probe: probe_extension's answer for @eid (1 available, 0 not).
 */
int64_t qa_sbi_probe(uint64_t eid);

#endif
