/*
 * Accelerators and the vCPU loop.
 *
 * An accelerator is a QOM type derived from "accel".  Its class says
 * whether it is usable here (probe) and builds its VM for a machine
 * (init_machine); per-vCPU work goes through QaAccelOps.  Backends that are
 * configured out simply have no entry in the type table.
 *
 * The vCPU loop (accel/vcpu-loop.c) runs one thread per vCPU for backends
 * that execute guest code: vcpu_run() returns one decoded QaExit, the loop
 * dispatches it (PIO/MMIO to the machine's address spaces, system events
 * through the translator, firmware calls and MSRs to their devices) and
 * posts machine requests to the machine's sink.  A vCPU that posted a
 * request does not re-enter the guest until the main loop has consumed it.
 */
#ifndef QACCEL_ACCEL_H
#define QACCEL_ACCEL_H

#include <qaccel/machine.h>

G_BEGIN_DECLS

#define QA_TYPE_ACCEL "accel"

typedef struct QaVcpuLoop QaVcpuLoop;

typedef struct QaAccelOps {
    bool (*vcpu_create)(QaAccel *accel, QaVcpu *cpu, GError **error);
    void (*vcpu_destroy)(QaAccel *accel, QaVcpu *cpu);
    /* Enter the guest until the next exit; fill @exit.  false = fatal. */
    bool (*vcpu_run)(QaAccel *accel, QaVcpu *cpu, QaExit *exit, GError **error);
    /* Make a running or about-to-run vcpu_run return QA_EXIT_INTERRUPTED.
     * Any thread. */
    void (*vcpu_kick)(QaAccel *accel, QaVcpu *cpu);
    /* Put the vCPU in its architectural reset state. */
    bool (*vcpu_reset)(QaAccel *accel, QaVcpu *cpu, GError **error);
    /* Complete a pending exit without running guest code further (e.g.
     * re-enter with immediate_exit set) before pausing; optional. */
    void (*vcpu_complete)(QaAccel *accel, QaVcpu *cpu);
} QaAccelOps;

struct QaAccel {
    QaObject parent_obj;
    QaMachine *machine;
    QaVcpuLoop *loop; /* NULL for backends without guest execution */
};

typedef struct QaAccelClass {
    QaObjectClass parent_class;
    const char *name; /* -accel NAME */
    /* Is it usable on this host?  false + error says why not. */
    bool (*probe)(GError **error);
    /* Build the VM for @m (RAM, vCPUs, devices hooks). */
    bool (*init_machine)(QaAccel *accel, QaMachine *m, GError **error);
    /* Start executing (threads); NULL if the backend runs no guest code. */
    bool (*start)(QaAccel *accel, GError **error);
    /* Stop all vCPUs and release the VM. */
    void (*teardown)(QaAccel *accel);
    /* The machine clock in ns. */
    int64_t (*get_clock)(QaAccel *accel);
    /* Capabilities relevant to the system-event decoder (QA_KVM_CAP_*). */
    unsigned (*sysevent_caps)(QaAccel *accel);
    const QaAccelOps *ops; /* NULL if no guest execution */
    /*
     * Optional: make vCPU @cpu take a real x86 triple fault (kvm: a pending
     * triple fault set with KVM_SET_VCPU_EVENTS, reported by the next
     * KVM_RUN as KVM_EXIT_SHUTDOWN).  Any thread; returns once it is
     * queued.  NULL if the backend cannot (qtest injects a QaExit).
     */
    bool (*inject_triple_fault)(QaAccel *accel, int cpu, GError **error);
} QaAccelClass;

#define QA_ACCEL(o) QA_CAST(QaAccel, (o), QA_TYPE_ACCEL)
#define QA_ACCEL_GET_CLASS(o) QA_CLASS_OF(QaAccelClass, (o), QA_TYPE_ACCEL)

/**
 * qa_accel_find_class: the class of the accelerator called @name
 * ("kvm", "qtest"), or NULL.
 */
QaAccelClass *qa_accel_find_class(const char *name);

/**
 * qa_accel_list: newly allocated list of every registered accelerator
 * class (free with g_slist_free), sorted by name.
 */
GSList *qa_accel_list(void);

/**
 * qa_accel_select: try each name of the colon-separated @spec in order
 * ("kvm:qtest"); return a new accelerator object for the first whose
 * probe succeeds.  If none does, fails with QA_ERROR_UNSUPPORTED and a
 * message listing every candidate and why it failed; an unknown name is
 * QA_ERROR_NOT_FOUND.
 */
QaAccel *qa_accel_select(const char *spec, GError **error);

/** qa_accel_name: the -accel name of @accel's class. */
const char *qa_accel_name(QaAccel *accel);

/**
 * qa_accel_init_machine: bind @accel to @m (sets m->accel) and let the
 * backend build its VM.
 */
bool qa_accel_init_machine(QaAccel *accel, QaMachine *m, GError **error);

/** qa_accel_start: start guest execution (no-op for qtest). */
bool qa_accel_start(QaAccel *accel, GError **error);

/**
 * qa_accel_pause_all / qa_accel_resume_all: stop every vCPU outside the
 * guest and wait until all are stopped; let them run again.  Main thread.
 * No-ops for backends without guest execution.
 */
void qa_accel_pause_all(QaAccel *accel);
void qa_accel_resume_all(QaAccel *accel);

/**
 * qa_accel_reset_vcpus: put every vCPU in its reset state (vCPUs paused).
 */
void qa_accel_reset_vcpus(QaAccel *accel);

/**
 * qa_accel_requests_done: the main loop has consumed every pending machine
 * request; vCPUs holding after posting one may re-enter the guest.
 */
void qa_accel_requests_done(QaAccel *accel);

/**
 * qa_accel_clock_ns: the accelerator's machine clock (ns), or the host
 * monotonic clock if the backend has none.
 */
int64_t qa_accel_clock_ns(QaAccel *accel);

/** qa_accel_teardown: stop everything and release the VM. */
void qa_accel_teardown(QaAccel *accel);

/**
 * qa_vcpu_handle_exit: the common exit dispatcher, shared by the vCPU
 * loop and by qtest exit injection.  Returns false if the vCPU must stop
 * (a request was posted that stops the machine, or a fatal exit); in that
 * case an internal-error or other request has been posted.
 */
bool qa_vcpu_handle_exit(QaMachine *m, QaVcpu *cpu, QaExit *exit);

G_END_DECLS

#endif
