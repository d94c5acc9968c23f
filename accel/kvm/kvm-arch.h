/*
 * The seam between the generic KVM backend (kvm-all.c, GLib) and the
 * per-architecture files (x86.c, arm64.c, riscv64.c).
 *
 * The per-arch files see only this header, the kernel's uapi headers, the
 * compiler's <stdint.h>/<stddef.h>/<stdbool.h> and <qaccel/exit.h>: no
 * GLib and not even libc headers, so CI can compile them with a bare
 * cross compiler (gcc-aarch64-linux-gnu, gcc-riscv64-linux-gnu, with
 * -ffreestanding).  System calls and allocation go through the helpers
 * declared here and implemented in kvm-util.c.
 * Each arch exports one const QaKvmArchOps table; kvm-all.c picks the one
 * of the host by #ifdef -- explicit tables, no weak symbols.
 *
 * Errors: functions return 0 or a negative errno and fill a QaKvmErr with
 * the name of the failing step ("KVM_SET_SREGS", "KVM_CAP_IMMEDIATE_EXIT
 * missing"); kvm-all.c turns that into a GError once.
 */
#ifndef QACCEL_KVM_ARCH_H
#define QACCEL_KVM_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/errno.h>
#include <linux/kvm.h>
#include <qaccel/exit.h>

typedef struct QaKvmErr {
    int err; /* positive errno, 0 if none */
    char msg[160];
} QaKvmErr;

/* A capability and its uapi name, for "missing capability" messages. */
typedef struct QaKvmCap {
    int cap;
    const char *name;
} QaKvmCap;

#define QA_KVM_CAP(c)                                                          \
    {                                                                          \
        c, #c                                                                  \
    }

/* A range of guest MSRs user space owns (x86 MSR filter). */
typedef struct QaKvmMsrRange {
    uint32_t first;
    uint32_t count;
} QaKvmMsrRange;

#define QA_KVM_MAX_MSR_RANGES 8

/* A firmware window: image bytes [offset, offset+size) seen at gpa. */
typedef struct QaKvmRomWindow {
    uint64_t gpa;
    uint64_t offset;
    uint64_t size;
} QaKvmRomWindow;

#define QA_KVM_MAX_ROM_WINDOWS 4

typedef struct QaKvmVm {
    int kvm_fd; /* /dev/kvm */
    int vm_fd;
    unsigned ncpus;
    int run_size; /* KVM_GET_VCPU_MMAP_SIZE */
    /* arm64/riscv64 boot CPU: PC and first argument register (x0 / a1) */
    uint64_t entry;
    uint64_t boot_arg;
    /* x86: MSRs to route to user space (filled by kvm-all.c) */
    QaKvmMsrRange msr_ranges[QA_KVM_MAX_MSR_RANGES];
    unsigned nr_msr_ranges;
    /* optional features the arch enabled (for reports) */
    bool triple_fault_event; /* x86 KVM_CAP_X86_TRIPLE_FAULT_EVENT */
    bool system_suspend;     /* arm64 KVM_CAP_ARM_SYSTEM_SUSPEND */
    void *arch;              /* per-arch VM state */
} QaKvmVm;

typedef struct QaKvmVcpu {
    QaKvmVm *vm;
    int fd;
    int index;
    uint64_t arch_id; /* APIC id / MPIDR / hart id */
    struct kvm_run *run;
    void *arch; /* per-arch vCPU state */
} QaKvmVcpu;

typedef struct QaKvmArchOps {
    QaArch arch;
    /* KVM_CREATE_VCPU takes the arch id (x86 APIC id), else the index */
    bool vcpu_id_is_arch_id;
    /* capabilities without which the VM cannot work, 0-terminated */
    const QaKvmCap *required_caps;
    /* firmware windows for an image of @size (x86: PC layout); NULL if
     * the arch takes no -bios.  Returns the number of windows or -errno. */
    int (*rom_windows)(uint64_t size, QaKvmRomWindow *w, QaKvmErr *err);
    /* slow host queries that need only /dev/kvm (x86:
     * KVM_GET_SUPPORTED_CPUID): kvm-all.c runs this on a worker thread
     * while it creates the VM, sets it up and maps memory, and joins it
     * before the first vcpu_init; it alone sets vm->arch then; optional */
    int (*vm_prefetch)(QaKvmVm *vm, QaKvmErr *err);
    /* VM-wide setup right after KVM_CREATE_VM, before any memory slot or
     * vCPU exists; may run while vm_prefetch does, so it must not touch
     * vm->arch if the arch has a vm_prefetch */
    int (*vm_init)(QaKvmVm *vm, QaKvmErr *err);
    void (*vm_fini)(QaKvmVm *vm);
    /* after KVM_CREATE_VCPU and the kvm_run mmap */
    int (*vcpu_init)(QaKvmVcpu *vcpu, QaKvmErr *err);
    void (*vcpu_fini)(QaKvmVcpu *vcpu);
    /* architectural reset state at the reset vector; vCPU thread idle */
    int (*vcpu_reset)(QaKvmVcpu *vcpu, QaKvmErr *err);
    /* decode an arch-specific exit reason; false if not one of ours */
    bool (*decode_exit)(QaKvmVcpu *vcpu, QaExit *exit);
    /* hand the handler's results of @exit back before the next KVM_RUN */
    int (*complete_exit)(QaKvmVcpu *vcpu, const QaExit *exit, QaKvmErr *err);
    /* registers the translator needs for @ev (x1/x2, a0, HV crash MSRs) */
    void (*sysevent_regs)(QaKvmVcpu *vcpu, const QaSysEvent *ev,
                          QaSysEventRegs *regs);
    /* act on @ev where the arch must (arm64 SUSPEND/WAKEUP); optional */
    int (*sysevent_act)(QaKvmVcpu *vcpu, const QaSysEvent *ev, QaKvmErr *err);
    /* make the next KVM_RUN report a triple fault; NULL if impossible */
    int (*inject_triple_fault)(QaKvmVcpu *vcpu, QaKvmErr *err);
} QaKvmArchOps;

extern const QaKvmArchOps qa_kvm_x86_64_ops;
extern const QaKvmArchOps qa_kvm_arm64_ops;
extern const QaKvmArchOps qa_kvm_riscv64_ops;

/**
 * qa_kvm_err_set: record @err (positive errno, or 0) and a printf-style
 * message in @e (if not NULL); returns -@err, or -EINVAL when @err is 0.
 */
int qa_kvm_err_set(QaKvmErr *e, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * qa_kvm_check_cap: KVM_CHECK_EXTENSION on the VM fd (falling back to
 * /dev/kvm); the value, or 0 if absent.
 */
int qa_kvm_check_cap(QaKvmVm *vm, int cap);

/**
 * qa_kvm_enable_cap: KVM_ENABLE_CAP on the VM with args[0] = @arg0;
 * 0 or -errno with @name in the message.
 */
int qa_kvm_enable_cap(QaKvmVm *vm, int cap, const char *name, uint64_t arg0,
                      QaKvmErr *err);

/** qa_kvm_zalloc / qa_kvm_free: zeroed memory (NULL if out of memory). */
void *qa_kvm_zalloc(size_t size);
void qa_kvm_free(void *p);

/**
 * qa_kvm_dev_ioctl / qa_kvm_vm_ioctl: ioctl on /dev/kvm or the VM fd,
 * retried on EINTR; the result, or -errno with @what in the message.
 */
int qa_kvm_dev_ioctl(QaKvmVm *vm, unsigned long req, void *arg,
                     const char *what, QaKvmErr *err);
int qa_kvm_vm_ioctl(QaKvmVm *vm, unsigned long req, void *arg, const char *what,
                    QaKvmErr *err);

/**
 * qa_kvm_vcpu_ioctl: ioctl on the vCPU fd, retried on EINTR; 0/value or
 * -errno with @what in the message.
 */
int qa_kvm_vcpu_ioctl(QaKvmVcpu *vcpu, unsigned long req, void *arg,
                      const char *what, QaKvmErr *err);

/*
 * qa_kvm_get_one_reg / qa_kvm_set_one_reg: KVM_GET/SET_ONE_REG of a 64-bit
 * register @id; qa_kvm_set_mp_state: KVM_SET_MP_STATE.  0 or -errno.
 */
int qa_kvm_get_one_reg(QaKvmVcpu *vcpu, uint64_t id, uint64_t *val,
                       QaKvmErr *err);
int qa_kvm_set_one_reg(QaKvmVcpu *vcpu, uint64_t id, uint64_t val,
                       QaKvmErr *err);
int qa_kvm_set_mp_state(QaKvmVcpu *vcpu, uint32_t state, QaKvmErr *err);

#endif
