/*
 * The machine: the root of a board's object tree (/machine), its address
 * spaces, RAM, vCPUs and clock, and the hooks that connect devices to the
 * accelerator and to the runstate layer without either including the other.
 */
#ifndef QACCEL_MACHINE_H
#define QACCEL_MACHINE_H

#include <qaccel/device.h>
#include <qaccel/exit.h>
#include <qaccel/memory.h>
#include <qaccel/request.h>

G_BEGIN_DECLS

#define QA_TYPE_MACHINE "machine"

typedef struct QaAccel QaAccel;
typedef struct QaMachineConfig QaMachineConfig;

/* Per-vCPU state visible to devices (firmware needs the caller's id). */
typedef struct QaVcpu {
    int index;
    uint64_t arch_id; /* arm64 MPIDR affinity, riscv hart id, x86 APIC id */
    QaMachine *machine;
    void *accel_state; /* owned by the accelerator */
} QaVcpu;

typedef struct QaConsoleSink {
    void (*write)(void *opaque, const char *buf, size_t len);
    void *opaque;
} QaConsoleSink;

/* Counters for query-sysevent-stats; updated atomically from any thread. */
typedef struct QaSysEventStats {
    uint64_t by_type[8][QA_SYSEVENT_SRC__MAX]; /* [0] = unknown types */
    uint64_t unknown;                          /* records of an unknown type */
    uint64_t clamped; /* records whose ndata was > 16 */
    uint64_t requests[QA_REQ__MAX];
    uint64_t guest_errors;
} QaSysEventStats;

struct QaMachine {
    QaObject parent_obj;
    /* properties */
    uint32_t cpus;
    uint64_t ram_size;
    char *dumpdtb; /* -machine dumpdtb=FILE */
    char *append;  /* kernel command line (-append) */
    char *bios;    /* -bios FILE */
    /* set by the config loader */
    char *name; /* user-visible machine type name ("q35-lite") */
    char *description;
    QaArch arch;
    /* built at init */
    QaAddressSpace *io;  /* x86 ports (size 0x10000); NULL elsewhere */
    QaAddressSpace *mem; /* guest physical */
    uint8_t *ram;        /* host mapping of RAM */
    uint64_t ram_base;
    QaVcpu *vcpus; /* cpus entries */
    QaAccel *accel;
    QaRequestSink sink;    /* where requests go (set by system/ or embedder) */
    QaConsoleSink console; /* guest console output (default: stdout) */
    GByteArray *fdt;       /* arm64/riscv device tree, built at init */
    QaSysEventStats stats; /* see qa_machine_stats() */
    /* private to hw/core/machine.c */
    const QaMachineConfig *config;
    GPtrArray *globals;      /* "type\0prop\0value" triples (char **) */
    QaObject *smccc_handler; /* cached interface implementers */
    QaObject *sbi_handler;
    GPtrArray *msr_handlers;
    unsigned anon_devices;
    GHashTable *logged_errors;
    GMutex lock; /* guards logged_errors */
    /* private to hw/core/reset-gen.c (atomics) */
    uint32_t reset_gen; /* bumped by every machine reset */
    uint32_t
        reset_gen_claimed; /* reset_gen + 1 once a guest reset was posted */
};

typedef struct QaMachineClass {
    QaObjectClass parent_class;
    QaArch arch;
    /* board construction after config devices exist (e.g. the FDT) */
    bool (*init)(QaMachine *m, GError **error);
    /* after devices were reset: put board state back (optional) */
    void (*reset)(QaMachine *m);
    /* ACPI power button / other host power-down request (QMP system_powerdown)
     */
    void (*powerdown)(QaMachine *m);
    /* the machine's wake-up hook (QMP system_wakeup); default: full reset */
    void (*wakeup)(QaMachine *m);
} QaMachineClass;

#define QA_MACHINE(o) QA_CAST(QaMachine, (o), QA_TYPE_MACHINE)
#define QA_MACHINE_GET_CLASS(o)                                                \
    QA_CLASS_OF(QaMachineClass, (o), QA_TYPE_MACHINE)

/* ---- interfaces devices implement so the board can find them --------- */

/* SMCCC conduit (arm64 hvc/smc): PSCI. */
#define QA_TYPE_SMCCC_HANDLER "smccc-handler"
typedef struct QaSmcccHandlerClass {
    QaInterfaceClass parent_class;
    /*
     * Handle a call from @cpu; regs[0] = function id, regs[1..17] args.
     * Write results to regs[0..3].  Returns false if the function is not
     * owned by this handler (the machine then answers NOT_SUPPORTED).
     */
    bool (*call)(QaObject *dev, QaVcpu *cpu, uint64_t regs[18], bool smc);
} QaSmcccHandlerClass;

/* RISC-V SBI (ecall). */
#define QA_TYPE_SBI_HANDLER "sbi-handler"
typedef struct QaSbiHandlerClass {
    QaInterfaceClass parent_class;
    /* Fill ret[0] (error) and ret[1] (value). */
    void (*ecall)(QaObject *dev, QaVcpu *cpu, uint64_t eid, uint64_t fid,
                  const uint64_t args[6], int64_t ret[2]);
} QaSbiHandlerClass;

/* x86 MSRs owned by user space (Hyper-V crash MSRs). */
#define QA_TYPE_MSR_HANDLER "msr-handler"
typedef struct QaMsrHandlerClass {
    QaInterfaceClass parent_class;
    /* MSR indices [first, first+count) are owned by this device. */
    uint32_t (*range)(QaObject *dev, uint32_t *count);
    /* Return false to inject #GP. */
    bool (*rdmsr)(QaObject *dev, QaVcpu *cpu, uint32_t index, uint64_t *val);
    bool (*wrmsr)(QaObject *dev, QaVcpu *cpu, uint32_t index, uint64_t val);
} QaMsrHandlerClass;

/* Devices with an FDT node (arm64/riscv boards). */
typedef struct QaFdt QaFdt;
#define QA_TYPE_FDT_NODE "fdt-node"
typedef struct QaFdtNodeClass {
    QaInterfaceClass parent_class;
    bool (*add_fdt)(QaObject *dev, QaFdt *fdt, GError **error);
} QaFdtNodeClass;

/* ---- machine API ----------------------------------------------------- */

/**
 * qa_machine_new: instantiate the board class of @config at /machine with
 * the config's defaults (cpus, memory, machine properties), not yet
 * realized, so the caller can still set properties (-machine, -smp, -m).
 * Returns a borrowed pointer (the tree owns it) or NULL with an error
 * naming the config file and key.  Fails with QA_ERROR_EXISTS if a machine
 * already exists.
 */
QaMachine *qa_machine_new(const QaMachineConfig *config, GError **error);

/**
 * qa_machine_add_global: record a -global default "TYPE.PROP=VALUE"
 * (as @type, @prop, @value) applied to every device of that type created
 * afterwards, before its own properties.
 */
void qa_machine_add_global(QaMachine *m, const char *type, const char *prop,
                           const char *value);

/**
 * qa_machine_realize: allocate RAM and address spaces, create the vCPU
 * array, create and realize the config's devices (at /machine/ID) and run
 * the board's init hook.  Errors name the config file, device and property.
 */
bool qa_machine_realize(QaMachine *m, GError **error);

/** qa_machine_create: qa_machine_new() then qa_machine_realize(). */
QaMachine *qa_machine_create(const QaMachineConfig *config, GError **error);

/**
 * qa_machine_destroy: unrealize every device and remove /machine from the
 * tree (frees it once the last reference goes).  For tests and embedders.
 */
void qa_machine_destroy(QaMachine *m);

/**
 * qa_machine_add_device: create a device of @type_name as a child of the
 * machine (/machine/peripheral/@id, or /machine/peripheral-anon/device[N]
 * when @id is NULL), set @props ("key" -> "value", may be NULL) and
 * realize it.  Errors name the device and property.
 */
QaDevice *qa_machine_add_device(QaMachine *m, const char *type_name,
                                const char *id, GHashTable *props,
                                GError **error);

/**
 * qa_machine_reset: reset every device and every vCPU's board state.  RAM
 * is kept.  Main thread, vCPUs paused.
 */
void qa_machine_reset(QaMachine *m);

/**
 * qa_machine_post: post @req to the machine's request sink (any thread).
 * Fills in req->source if NULL.
 */
void qa_machine_post(QaMachine *m, const QaMachineRequest *req);

/**
 * qa_machine_system_event: translate @ev from vCPU @cpu (with @regs, may
 * be NULL) and post the resulting request; the common path for kernel
 * records, injected records and user-space firmware.  Counts the event.
 */
void qa_machine_system_event(QaMachine *m, int cpu, const QaSysEvent *ev,
                             const QaSysEventRegs *regs);

/**
 * qa_machine_smccc_call / qa_machine_sbi_call / qa_machine_rdmsr /
 * qa_machine_wrmsr: dispatch a firmware call or MSR access from vCPU @cpu
 * to the device implementing the matching interface.  A machine without
 * one answers as the architecture requires (SMCCC -1, SBI NOT_SUPPORTED,
 * #GP = false).  Returns false with QA_ERROR_UNSUPPORTED if the machine's
 * arch does not have that conduit at all.
 */
bool qa_machine_smccc_call(QaMachine *m, int cpu, uint64_t regs[18], bool smc,
                           GError **error);
bool qa_machine_sbi_call(QaMachine *m, int cpu, uint64_t eid, uint64_t fid,
                         const uint64_t args[6], int64_t ret[2],
                         GError **error);
bool qa_machine_rdmsr(QaMachine *m, int cpu, uint32_t index, uint64_t *val,
                      bool *gp, GError **error);
bool qa_machine_wrmsr(QaMachine *m, int cpu, uint32_t index, uint64_t val,
                      bool *gp, GError **error);

/**
 * qa_machine_clock_ns: the machine clock in ns (virtual under qtest, host
 * monotonic since start under kvm).  Any thread.
 */
int64_t qa_machine_clock_ns(QaMachine *m);

/** qa_machine_console_write: send guest console bytes to the sink. */
void qa_machine_console_write(QaMachine *m, const char *buf, size_t len);

/** qa_machine_guest_error: count a guest mistake and log it once per site. */
void qa_machine_guest_error(QaMachine *m, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/** qa_machine_stats: a consistent-enough snapshot of the counters. */
QaSysEventStats qa_machine_stats(QaMachine *m);

/** qa_machine_get: the machine at /machine, or NULL. */
QaMachine *qa_machine_get(void);

/** qa_machine_powerdown / qa_machine_wakeup: call the class hooks. */
void qa_machine_powerdown(QaMachine *m);
void qa_machine_wakeup(QaMachine *m);

/* ---- guest reset de-duplication (hw/core/reset-gen.c) ---------------- */

/**
 * qa_machine_guest_reset_request: post a guest reset request (QA_REQ_RESET,
 * cause guest-reset, kind cold) from device @source (a static string) on
 * behalf of vCPU @cpu (-1 if unknown), unless a guest reset request was
 * already posted in the current reset generation: a guest that writes
 * 0xCF9 and then pulses the i8042 gets one reset.  @detail (may be NULL)
 * goes to the request's detail.  Returns whether a request was posted.
 * Any thread.
 */
bool qa_machine_guest_reset_request(QaMachine *m, int cpu, const char *source,
                                    const char *detail);

/**
 * qa_machine_reset_generation_bump: start a new reset generation, so the
 * next guest reset request is posted again.  Called on every machine
 * reset (by the x86 board's reset hook).  Main thread.
 */
void qa_machine_reset_generation_bump(QaMachine *m);

/** qa_machine_reset_generation: the current reset generation. Any thread. */
uint32_t qa_machine_reset_generation(QaMachine *m);

G_END_DECLS

#endif
