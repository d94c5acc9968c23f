/*
 * KVM on x86_64: the PC firmware layout, CPUID, the architectural reset
 * state, the user-space MSR filter and triple-fault injection.
 *
 * GLib-free (see kvm-arch.h).
 *
 * Reset state: a vCPU is in the architectural reset state right after
 * KVM_CREATE_VCPU (CS:IP = F000:FFF0 with CS base 0xFFFF0000), so the
 * state read back then -- registers, segments, FPU, debug registers, XCR0
 * -- is what every later reset writes back, together with cleared pending
 * events, RUNNABLE and the MSRs an OS changes.
 */
#include "kvm-arch.h"

#define X86_TSS_ADDR 0xfffbd000u /* below a 256 KiB firmware, as QEMU */
#define X86_IDENTITY_MAP_ADDR 0xfffbc000u
#define X86_ROM_MAX (16u << 20)
#define X86_ISA_BIOS_MAX (128u << 10)
#define X86_FOUR_GIB (1ull << 32)
#define X86_ONE_MIB (1ull << 20)
#define X86_CPUID_MAX_ENTRIES 4096

#define HV_X64_MSR_CRASH_P0 0x40000100u

typedef struct X86Vm {
    struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID */
    bool caps_known;          /* the two below have been queried */
    bool has_xcrs;
    bool has_debugregs;
} X86Vm;

typedef struct X86Vcpu {
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;
    struct kvm_debugregs debugregs;
    struct kvm_xcrs xcrs;
} X86Vcpu;

/* MSRs an OS reprograms, with their reset values. */
static const struct {
    uint32_t index;
    uint64_t value;
} reset_msrs[] = {
    {0x174, 0},                     /* SYSENTER_CS */
    {0x175, 0},                     /* SYSENTER_ESP */
    {0x176, 0},                     /* SYSENTER_EIP */
    {0x277, 0x0007040600070406ull}, /* PAT */
    {0xc0000081, 0},                /* STAR */
    {0xc0000082, 0},                /* LSTAR */
    {0xc0000083, 0},                /* CSTAR */
    {0xc0000084, 0},                /* SFMASK */
    {0xc0000102, 0},                /* KERNEL_GS_BASE */
};

static const QaKvmCap x86_required_caps[] = {
    QA_KVM_CAP(KVM_CAP_SET_TSS_ADDR),
    QA_KVM_CAP(KVM_CAP_EXT_CPUID),
    QA_KVM_CAP(KVM_CAP_READONLY_MEM),
    QA_KVM_CAP(KVM_CAP_VCPU_EVENTS),
    {0, NULL},
};

/*
 * A PC maps its firmware at the top of 4 GiB and the last 128 KiB (or the
 * whole image if smaller) at the top of the first MiB.  QEMU takes images
 * of a multiple of 64 KiB; so do we.
 */
static int x86_rom_windows(uint64_t size, QaKvmRomWindow *w, QaKvmErr *err)
{
    uint64_t alias = size < X86_ISA_BIOS_MAX ? size : X86_ISA_BIOS_MAX;

    if (size == 0 || size % 0x10000 || size > X86_ROM_MAX) {
        return qa_kvm_err_set(err, 0,
                              "firmware image of %llu bytes: the size must "
                              "be a multiple of 64 KiB, at most 16 MiB",
                              (unsigned long long)size);
    }
    w[0] = (QaKvmRomWindow){X86_FOUR_GIB - size, 0, size};
    w[1] = (QaKvmRomWindow){X86_ONE_MIB - alias, size - alias, alias};
    return 2;
}

/*
 * KVM_GET_SUPPORTED_CPUID runs the host's CPUID for every leaf; nested,
 * each one traps to the outer hypervisor and the query takes ~0.3 ms.  It
 * needs only /dev/kvm, so kvm-all.c runs it while it creates and sets up
 * the VM.  The X86Vm it allocates is vm->arch from then on.
 */
static int x86_vm_prefetch(QaKvmVm *vm, QaKvmErr *err)
{
    X86Vm *xv = qa_kvm_zalloc(sizeof(*xv));

    if (!xv) {
        return qa_kvm_err_set(err, ENOMEM, "x86 VM state");
    }
    vm->arch = xv;
    for (uint32_t n = 128; n <= X86_CPUID_MAX_ENTRIES; n *= 2) {
        struct kvm_cpuid2 *c =
            qa_kvm_zalloc(sizeof(*c) + (size_t)n * sizeof(c->entries[0]));
        int r;

        if (!c) {
            return qa_kvm_err_set(err, ENOMEM, "CPUID table");
        }
        c->nent = n;
        r = qa_kvm_dev_ioctl(vm, KVM_GET_SUPPORTED_CPUID, c,
                             "KVM_GET_SUPPORTED_CPUID", err);
        if (r >= 0) {
            xv->cpuid = c;
            return 0;
        }
        qa_kvm_free(c);
        if (r != -E2BIG) {
            return r;
        }
    }
    return qa_kvm_err_set(err, E2BIG, "KVM_GET_SUPPORTED_CPUID");
}

static int set_msr_filter(QaKvmVm *vm, QaKvmErr *err)
{
    static uint8_t deny_all[QA_KVM_MAX_MSR_RANGES][64]; /* all bits 0 */
    struct kvm_msr_filter f = {.flags = KVM_MSR_FILTER_DEFAULT_ALLOW};
    int r;

    if (!qa_kvm_check_cap(vm, KVM_CAP_X86_USER_SPACE_MSR) ||
        !qa_kvm_check_cap(vm, KVM_CAP_X86_MSR_FILTER)) {
        return qa_kvm_err_set(err, 0,
                              "KVM lacks KVM_CAP_X86_USER_SPACE_MSR or "
                              "KVM_CAP_X86_MSR_FILTER, needed for the MSRs "
                              "the machine's devices own (0x%x...)",
                              vm->msr_ranges[0].first);
    }
    r = qa_kvm_enable_cap(vm, KVM_CAP_X86_USER_SPACE_MSR,
                          "KVM_CAP_X86_USER_SPACE_MSR",
                          KVM_MSR_EXIT_REASON_FILTER, err);
    if (r < 0) {
        return r;
    }
    for (unsigned i = 0; i < vm->nr_msr_ranges; i++) {
        if (vm->msr_ranges[i].count > sizeof(deny_all[i]) * 8) {
            return qa_kvm_err_set(err, 0, "MSR range 0x%x+%u is too large",
                                  vm->msr_ranges[i].first,
                                  vm->msr_ranges[i].count);
        }
        /* a 0 bit denies KVM the access: it exits to us instead */
        f.ranges[i] = (struct kvm_msr_filter_range){
            .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
            .nmsrs = vm->msr_ranges[i].count,
            .base = vm->msr_ranges[i].first,
            .bitmap = deny_all[i],
        };
    }
    r = qa_kvm_vm_ioctl(vm, KVM_X86_SET_MSR_FILTER, &f,
                        "KVM_X86_SET_MSR_FILTER", err);
    return r < 0 ? r : 0;
}

/* Runs while x86_vm_prefetch may: VM-level ioctls only, no vm->arch. */
static int x86_vm_init(QaKvmVm *vm, QaKvmErr *err)
{
    uint64_t idmap = X86_IDENTITY_MAP_ADDR;
    int r;

    /* VMX without unrestricted guest runs real mode through a TSS */
    r = qa_kvm_vm_ioctl(vm, KVM_SET_TSS_ADDR, (void *)(long)X86_TSS_ADDR,
                        "KVM_SET_TSS_ADDR", err);
    if (r < 0) {
        return r;
    }
    if (qa_kvm_check_cap(vm, KVM_CAP_SET_IDENTITY_MAP_ADDR) &&
        (r = qa_kvm_vm_ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &idmap,
                             "KVM_SET_IDENTITY_MAP_ADDR", err)) < 0) {
        return r;
    }
    if (qa_kvm_check_cap(vm, KVM_CAP_X86_TRIPLE_FAULT_EVENT)) {
        r = qa_kvm_enable_cap(vm, KVM_CAP_X86_TRIPLE_FAULT_EVENT,
                              "KVM_CAP_X86_TRIPLE_FAULT_EVENT", 1, err);
        if (r < 0) {
            return r;
        }
        vm->triple_fault_event = true;
    }
    if (vm->nr_msr_ranges) {
        return set_msr_filter(vm, err);
    }
    return 0;
}

static void x86_vm_fini(QaKvmVm *vm)
{
    X86Vm *xv = vm->arch;

    if (xv) {
        qa_kvm_free(xv->cpuid);
        qa_kvm_free(xv);
        vm->arch = NULL;
    }
}

/* The supported table with this vCPU's topology: APIC id and CPU count. */
static int set_vcpu_cpuid(QaKvmVcpu *vcpu, QaKvmErr *err)
{
    X86Vm *xv = vcpu->vm->arch;
    size_t sz =
        sizeof(*xv->cpuid) + xv->cpuid->nent * sizeof(xv->cpuid->entries[0]);
    struct kvm_cpuid2 *c = qa_kvm_zalloc(sz);
    uint32_t apic = (uint32_t)vcpu->arch_id;
    int r;

    if (!c) {
        return qa_kvm_err_set(err, ENOMEM, "CPUID table");
    }
    __builtin_memcpy(c, xv->cpuid, sz);
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        switch (e->function) {
        case 1:
            e->ebx = (e->ebx & 0x0000ffffu) | (apic << 24) |
                     ((vcpu->vm->ncpus & 0xffu) << 16);
            if (vcpu->vm->ncpus > 1) {
                e->edx |= 1u << 28; /* HTT: the count above is valid */
            }
            break;
        case 0xb:
        case 0x1f:
            e->edx = apic; /* x2APIC id */
            break;
        }
    }
    r = qa_kvm_vcpu_ioctl(vcpu, KVM_SET_CPUID2, c, "KVM_SET_CPUID2", err);
    qa_kvm_free(c);
    return r < 0 ? r : 0;
}

static int x86_vcpu_init(QaKvmVcpu *vcpu, QaKvmErr *err)
{
    QaKvmVm *vm = vcpu->vm;
    X86Vm *xv;
    X86Vcpu *xc;
    int r;

    /* kvm-all.c prefetches; without that, the first vCPU does it */
    if (!vm->arch && (r = x86_vm_prefetch(vm, err)) < 0) {
        return r;
    }
    xv = vm->arch;
    if (!xv->caps_known) {
        xv->has_xcrs = qa_kvm_check_cap(vm, KVM_CAP_XCRS) > 0;
        xv->has_debugregs = qa_kvm_check_cap(vm, KVM_CAP_DEBUGREGS) > 0;
        xv->caps_known = true;
    }
    xc = qa_kvm_zalloc(sizeof(*xc));
    if (!xc) {
        return qa_kvm_err_set(err, ENOMEM, "x86 vCPU state");
    }
    vcpu->arch = xc;
    r = set_vcpu_cpuid(vcpu, err);
    if (r < 0) {
        return r;
    }
    /* the creation state is the reset state (file comment) */
    if ((r = qa_kvm_vcpu_ioctl(vcpu, KVM_GET_REGS, &xc->regs, "KVM_GET_REGS",
                               err)) < 0 ||
        (r = qa_kvm_vcpu_ioctl(vcpu, KVM_GET_SREGS, &xc->sregs, "KVM_GET_SREGS",
                               err)) < 0 ||
        (r = qa_kvm_vcpu_ioctl(vcpu, KVM_GET_FPU, &xc->fpu, "KVM_GET_FPU",
                               err)) < 0) {
        return r;
    }
    if (xv->has_debugregs &&
        (r = qa_kvm_vcpu_ioctl(vcpu, KVM_GET_DEBUGREGS, &xc->debugregs,
                               "KVM_GET_DEBUGREGS", err)) < 0) {
        return r;
    }
    if (xv->has_xcrs && (r = qa_kvm_vcpu_ioctl(vcpu, KVM_GET_XCRS, &xc->xcrs,
                                               "KVM_GET_XCRS", err)) < 0) {
        return r;
    }
    return 0;
}

static void x86_vcpu_fini(QaKvmVcpu *vcpu)
{
    qa_kvm_free(vcpu->arch);
    vcpu->arch = NULL;
}

/*
 * struct kvm_msrs followed by its entries, as KVM_{GET,SET}_MSRS take it
 * (kvm_msrs ends in a flexible array, so it cannot head a struct).
 */
#define MSR_BUF_MAX 16
typedef union MsrBuf {
    struct kvm_msrs hdr;
    uint8_t bytes[sizeof(struct kvm_msrs) +
                  MSR_BUF_MAX * sizeof(struct kvm_msr_entry)];
} MsrBuf;

static int reset_msrs_write(QaKvmVcpu *vcpu, QaKvmErr *err)
{
    size_t n = sizeof(reset_msrs) / sizeof(reset_msrs[0]);
    MsrBuf m;

    _Static_assert(sizeof(reset_msrs) / sizeof(reset_msrs[0]) <= MSR_BUF_MAX,
                   "MsrBuf too small for reset_msrs");
    __builtin_memset(&m, 0, sizeof(m));
    m.hdr.nmsrs = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        m.hdr.entries[i].index = reset_msrs[i].index;
        m.hdr.entries[i].data = reset_msrs[i].value;
    }
    /* KVM stops at the first MSR it does not know; the rest are optional */
    return qa_kvm_vcpu_ioctl(vcpu, KVM_SET_MSRS, &m, "KVM_SET_MSRS", err);
}

static int x86_vcpu_reset(QaKvmVcpu *vcpu, QaKvmErr *err)
{
    X86Vm *xv = vcpu->vm->arch;
    X86Vcpu *xc = vcpu->arch;
    struct kvm_vcpu_events ev;
    int r;

    __builtin_memset(&ev, 0, sizeof(ev));
    ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
    if (vcpu->vm->triple_fault_event) {
        /* drop a triple fault injected but never run */
        ev.flags |= KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
    }
    if ((r = qa_kvm_vcpu_ioctl(vcpu, KVM_SET_SREGS, &xc->sregs, "KVM_SET_SREGS",
                               err)) < 0 ||
        (r = qa_kvm_vcpu_ioctl(vcpu, KVM_SET_REGS, &xc->regs, "KVM_SET_REGS",
                               err)) < 0 ||
        (r = qa_kvm_vcpu_ioctl(vcpu, KVM_SET_FPU, &xc->fpu, "KVM_SET_FPU",
                               err)) < 0 ||
        (r = qa_kvm_vcpu_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &ev,
                               "KVM_SET_VCPU_EVENTS", err)) < 0 ||
        (r = qa_kvm_set_mp_state(vcpu, KVM_MP_STATE_RUNNABLE, err)) < 0) {
        return r;
    }
    if (xv->has_debugregs &&
        (r = qa_kvm_vcpu_ioctl(vcpu, KVM_SET_DEBUGREGS, &xc->debugregs,
                               "KVM_SET_DEBUGREGS", err)) < 0) {
        return r;
    }
    if (xv->has_xcrs && (r = qa_kvm_vcpu_ioctl(vcpu, KVM_SET_XCRS, &xc->xcrs,
                                               "KVM_SET_XCRS", err)) < 0) {
        return r;
    }
    r = reset_msrs_write(vcpu, err);
    return r < 0 ? r : 0;
}

static bool x86_decode_exit(QaKvmVcpu *vcpu, QaExit *exit)
{
    struct kvm_run *run = vcpu->run;

    switch (run->exit_reason) {
    case KVM_EXIT_X86_RDMSR:
    case KVM_EXIT_X86_WRMSR:
        exit->kind = QA_EXIT_MSR;
        exit->u.msr.index = run->msr.index;
        exit->u.msr.is_write = run->exit_reason == KVM_EXIT_X86_WRMSR;
        exit->u.msr.data = exit->u.msr.is_write ? run->msr.data : 0;
        exit->u.msr.error = false;
        return true;
    }
    return false;
}

static int x86_complete_exit(QaKvmVcpu *vcpu, const QaExit *exit, QaKvmErr *err)
{
    if (exit->kind == QA_EXIT_MSR) {
        /* error=1 makes KVM inject #GP when the instruction completes */
        vcpu->run->msr.error = exit->u.msr.error ? 1 : 0;
        if (!exit->u.msr.is_write) {
            vcpu->run->msr.data = exit->u.msr.data;
        }
    }
    return 0;
}

/* The kernel's own Hyper-V crash MSRs hold P0..P4 of a CRASH event. */
static void x86_sysevent_regs(QaKvmVcpu *vcpu, const QaSysEvent *ev,
                              QaSysEventRegs *regs)
{
    MsrBuf m;

    if (ev->type != QA_SYSEVENT_CRASH) {
        return;
    }
    __builtin_memset(&m, 0, sizeof(m));
    m.hdr.nmsrs = 5;
    for (uint32_t i = 0; i < 5; i++) {
        m.hdr.entries[i].index = HV_X64_MSR_CRASH_P0 + i;
    }
    if (qa_kvm_vcpu_ioctl(vcpu, KVM_GET_MSRS, &m, "KVM_GET_MSRS", NULL) == 5) {
        regs->has_hv_crash = true;
        for (int i = 0; i < 5; i++) {
            regs->hv_crash[i] = m.hdr.entries[i].data;
        }
    }
}

/* Called on the vCPU thread, just before KVM_RUN. */
static int x86_inject_triple_fault(QaKvmVcpu *vcpu, QaKvmErr *err)
{
    struct kvm_vcpu_events ev;
    int r;

    if (!vcpu->vm->triple_fault_event) {
        return qa_kvm_err_set(err, 0,
                              "KVM lacks KVM_CAP_X86_TRIPLE_FAULT_EVENT: "
                              "cannot inject a triple fault");
    }
    r = qa_kvm_vcpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &ev, "KVM_GET_VCPU_EVENTS",
                          err);
    if (r < 0) {
        return r;
    }
    /* only the triple fault: leave everything else as it is */
    ev.flags = KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
    ev.triple_fault.pending = 1;
    r = qa_kvm_vcpu_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &ev, "KVM_SET_VCPU_EVENTS",
                          err);
    return r < 0 ? r : 0;
}

const QaKvmArchOps qa_kvm_x86_64_ops = {
    .arch = QA_ARCH_X86_64,
    .vcpu_id_is_arch_id = true,
    .required_caps = x86_required_caps,
    .rom_windows = x86_rom_windows,
    .vm_prefetch = x86_vm_prefetch,
    .vm_init = x86_vm_init,
    .vm_fini = x86_vm_fini,
    .vcpu_init = x86_vcpu_init,
    .vcpu_fini = x86_vcpu_fini,
    .vcpu_reset = x86_vcpu_reset,
    .decode_exit = x86_decode_exit,
    .complete_exit = x86_complete_exit,
    .sysevent_regs = x86_sysevent_regs,
    .inject_triple_fault = x86_inject_triple_fault,
};
