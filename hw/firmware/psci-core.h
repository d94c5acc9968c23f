/*
 * PSCI and SMCCC architecture calls as a pure function:
 * (state, calling vCPU, registers in) -> (registers out, effect).
 *
 * No locking, no I/O, no machine: the device wrapper (hw/firmware/psci.c)
 * serialises calls, feeds the machine's RAM range and vCPU identities in,
 * and turns the effect into a system event.  Behaviour follows Linux arm64
 * KVM (arch/arm64/kvm/psci.c) wherever qaccel has to choose, so that
 * user-space firmware and in-kernel firmware look the same downstream;
 * see docs/boards-arm-riscv.md for the points where it deliberately adds
 * checks KVM leaves out (entry-point validation, ON_PENDING).
 */
#ifndef HW_FIRMWARE_PSCI_CORE_H
#define HW_FIRMWARE_PSCI_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <qaccel/exit.h>

/* SMCCC architecture calls (owner 0). */
#define QA_SMCCC_VERSION_FN 0x80000000u
#define QA_SMCCC_ARCH_FEATURES_FN 0x80000001u
#define QA_SMCCC_VERSION_1_1 0x10001u

/* PSCI function ids: SMC32 = 0x84000000 + n, SMC64 = 0xC4000000 + n. */
#define QA_PSCI_FN32(n) (0x84000000u + (n))
#define QA_PSCI_FN64(n) (0xC4000000u + (n))

enum {
    QA_PSCI_FN_PSCI_VERSION = 0,
    QA_PSCI_FN_CPU_SUSPEND = 1,
    QA_PSCI_FN_CPU_OFF = 2,
    QA_PSCI_FN_CPU_ON = 3,
    QA_PSCI_FN_AFFINITY_INFO = 4,
    QA_PSCI_FN_MIGRATE = 5,
    QA_PSCI_FN_MIGRATE_INFO_TYPE = 6,
    QA_PSCI_FN_MIGRATE_INFO_UP_CPU = 7,
    QA_PSCI_FN_SYSTEM_OFF = 8,
    QA_PSCI_FN_SYSTEM_RESET = 9,
    QA_PSCI_FN_PSCI_FEATURES = 10,
    QA_PSCI_FN_SYSTEM_SUSPEND = 14,
    QA_PSCI_FN_SYSTEM_RESET2 = 18,
    QA_PSCI_FN_SYSTEM_OFF2 = 21,
};

/* PSCI return codes (DEN0022 §5.2.2). */
enum {
    QA_PSCI_RET_SUCCESS = 0,
    QA_PSCI_RET_NOT_SUPPORTED = -1,
    QA_PSCI_RET_INVALID_PARAMETERS = -2,
    QA_PSCI_RET_DENIED = -3,
    QA_PSCI_RET_ALREADY_ON = -4,
    QA_PSCI_RET_ON_PENDING = -5,
    QA_PSCI_RET_INTERNAL_FAILURE = -6,
    QA_PSCI_RET_NOT_PRESENT = -7,
    QA_PSCI_RET_DISABLED = -8,
    QA_PSCI_RET_INVALID_ADDRESS = -9,
};

/* AFFINITY_INFO results. */
enum {
    QA_PSCI_AFFINITY_ON = 0,
    QA_PSCI_AFFINITY_OFF = 1,
    QA_PSCI_AFFINITY_ON_PENDING = 2,
};

#define QA_PSCI_MIGRATE_INFO_TYPE_NO_TOS 2
#define QA_PSCI_RESET2_TYPE_WARM 0u
#define QA_PSCI_RESET2_TYPE_VENDOR_START 0x80000000u
#define QA_PSCI_OFF2_TYPE_HIBERNATE 1u
/* MPIDR_EL1 affinity fields: Aff3 in 39:32, Aff2..Aff0 in 23:0. */
#define QA_MPIDR_AFFINITY_MASK 0xff00ffffffULL

/* The PSCI versions a device can offer. */
typedef enum {
    QA_PSCI_VERSION_0_2,
    QA_PSCI_VERSION_1_0,
    QA_PSCI_VERSION_1_1,
    QA_PSCI_VERSION_1_3,
    QA_PSCI_VERSION__MAX
} QaPsciVersion;

typedef enum {
    QA_PSCI_POWER_ON,
    QA_PSCI_POWER_OFF,
    QA_PSCI_POWER_ON_PENDING, /* CPU_ON accepted, target not yet running */
} QaPsciPowerState;

typedef struct QaPsciCpu {
    uint64_t mpidr; /* affinity fields only */
    QaPsciPowerState state;
    uint64_t entry;   /* last CPU_ON entry point */
    uint64_t context; /* last CPU_ON context id */
} QaPsciCpu;

typedef struct QaPsciState {
    QaPsciVersion version;
    unsigned ncpus;
    QaPsciCpu *cpus;   /* ncpus entries, owned by the caller */
    uint64_t ram_base; /* entry points must lie in RAM */
    uint64_t ram_size;
} QaPsciState;

typedef enum {
    QA_PSCI_EFFECT_NONE,
    QA_PSCI_EFFECT_CPU_ON,      /* target, entry, context */
    QA_PSCI_EFFECT_CPU_OFF,     /* target = the caller */
    QA_PSCI_EFFECT_CPU_SUSPEND, /* caller waits for a wake-up; entry, context */
    QA_PSCI_EFFECT_SYSTEM_EVENT, /* ev and regs: what KVM would report */
    QA_PSCI_EFFECT_CALLER_OFF,   /* a powered-off vCPU called: guest error */
} QaPsciEffectKind;

typedef struct QaPsciEffect {
    QaPsciEffectKind kind;
    int target; /* vCPU index, -1 if none */
    uint64_t entry;
    uint64_t context;
    QaSysEvent ev;       /* QA_PSCI_EFFECT_SYSTEM_EVENT */
    QaSysEventRegs regs; /* x1/x2 for RESET2 and OFF2 */
} QaPsciEffect;

/**
 * qa_psci_reset: power-on state: vCPU 0 on, every other vCPU off.
 */
void qa_psci_reset(QaPsciState *s);

/**
 * qa_psci_call: handle the SMCCC call in @regs (regs[0] = function id in
 * its low 32 bits, regs[1..3] = arguments) made by vCPU @caller (an index
 * into s->cpus).  Writes the results to regs[0..3] as KVM would: x0 the
 * sign-extended return value and x1..x3 zero for calls that return; x0 =
 * INTERNAL_FAILURE with x1..x3 left as the arguments (narrowed for SMC32
 * ids) for calls that end in a system event.  Fills @eff.
 *
 * Returns false, leaving @regs and the state alone, if the function id
 * does not belong to PSCI or the SMCCC architecture service (the caller
 * then answers NOT_SUPPORTED or asks another handler).
 */
bool qa_psci_call(QaPsciState *s, unsigned caller, uint64_t regs[18],
                  QaPsciEffect *eff);

/**
 * qa_psci_cpu_running: note that vCPU @index executes guest code (a
 * pending CPU_ON completed).  Off or on vCPUs are left alone.
 */
void qa_psci_cpu_running(QaPsciState *s, unsigned index);

/**
 * qa_psci_version_value: PSCI_VERSION's answer for @v ((major << 16) |
 * minor).
 */
uint32_t qa_psci_version_value(QaPsciVersion v);

/**
 * qa_psci_version_name: "0.2", "1.0", "1.1" or "1.3"; NULL if invalid.
 */
const char *qa_psci_version_name(QaPsciVersion v);

/**
 * qa_psci_features: PSCI_FEATURES' answer for function id @fn under the
 * state's version: NOT_SUPPORTED, or the feature flags (>= 0).
 */
int32_t qa_psci_features(const QaPsciState *s, uint32_t fn);

#endif
