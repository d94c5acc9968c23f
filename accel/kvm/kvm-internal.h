/*
 * Private to the generic KVM backend (kvm-all.c, kvm-mem.c, kvm-vcpu.c).
 */
#ifndef QACCEL_KVM_INTERNAL_H
#define QACCEL_KVM_INTERNAL_H

#include <pthread.h>
#include <qaccel/accel.h>
#include "kvm-arch.h"

#define QA_TYPE_KVM_ACCEL "kvm-accel"

typedef struct QaKvmVcpuState {
    QaKvmVcpu kv;             /* what the arch files see */
    pthread_t thread;         /* the thread running it, once known */
    int thread_known;         /* __atomic */
    int pending_triple_fault; /* __atomic: inject before the next entry */
    bool needs_complete;      /* last exit completes on the next KVM_RUN */
    bool arch_exit;           /* ... and has arch results to write back */
    QaExit *last_exit;        /* the loop's QaExit of the last run */
} QaKvmVcpuState;

/* One firmware window as the machine's memory space sees it (ROM). */
typedef struct QaKvmRomView {
    const uint8_t *host;
    uint64_t size;
} QaKvmRomView;

typedef struct QaKvmAccel {
    QaAccel parent_obj;
    const QaKvmArchOps *arch;
    QaKvmVm vm;
    QaKvmVcpuState *vcpus;
    unsigned nr_vcpus;
    unsigned sysevent_caps; /* QA_KVM_CAP_* for the decoder */
    int64_t clock_base;     /* monotonic us at init */
    /* firmware (-bios) */
    GMappedFile *bios;
    QaKvmRomWindow rom[QA_KVM_MAX_ROM_WINDOWS];
    QaKvmRomView rom_view[QA_KVM_MAX_ROM_WINDOWS];
    int nr_rom;
    int nr_rom_regions; /* added to the machine's memory space */
    uint32_t nr_slots;
    bool torn_down;
    /* arch vm_prefetch running while the VM is created */
    GThread *prefetch;
    QaKvmErr prefetch_err;
    int prefetch_ret;
} QaKvmAccel;

#define QA_KVM_ACCEL(o) QA_CAST(QaKvmAccel, (o), QA_TYPE_KVM_ACCEL)

extern const QaAccelOps qa_kvm_vcpu_ops;

/**
 * qa_kvm_map_memory: load -bios (if any) into its firmware windows, add
 * them to the machine's memory space as ROM, and give KVM one memory slot
 * per RAM piece and per window.  Errors name the file or the ioctl.
 */
bool qa_kvm_map_memory(QaKvmAccel *ka, QaMachine *m, GError **error);

/** qa_kvm_unmap_memory: undo the machine side of qa_kvm_map_memory. */
void qa_kvm_unmap_memory(QaKvmAccel *ka, QaMachine *m);

/** qa_kvm_err_to_gerror: report @e as a GError; returns false. */
bool qa_kvm_err_to_gerror(const QaKvmErr *e, GError **error);

/** qa_kvm_vcpu_kick: the kick of qa_kvm_vcpu_ops (any thread). */
void qa_kvm_vcpu_kick(QaAccel *accel, QaVcpu *cpu);

#endif
