/*
 * KVM on arm64: vCPU init with in-kernel PSCI 0.2+, registers the
 * system-event translator needs, SMCCC calls forwarded to user space, and
 * PSCI SYSTEM_SUSPEND / wakeup.
 *
 * GLib-free (see kvm-arch.h); compiled by CI with aarch64-linux-gnu-gcc.
 *
 * PSCI lives in the kernel: SYSTEM_OFF/RESET/RESET2 arrive as
 * KVM_EXIT_SYSTEM_EVENT with all vCPUs already stopped, and RESET2 leaves
 * reset_type/cookie in x1/x2.  SYSTEM_SUSPEND exits only once
 * KVM_CAP_ARM_SYSTEM_SUSPEND is enabled, and then user space must act: we
 * honour it the way api.rst describes -- the vCPU goes to
 * KVM_MP_STATE_SUSPENDED (the kernel emulates the wait), and on the
 * following WAKEUP exit it becomes RUNNABLE at the entry point with the
 * context id in x0 (PSCI DEN0022 5.19.1).
 */
#include "kvm-arch.h"

#define ARM64_CORE_REG(x)                                                      \
    (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |                     \
     KVM_REG_ARM_CORE_REG(x))
#define ARM64_XREG(n) ARM64_CORE_REG(regs.regs[n])
#define ARM64_PC ARM64_CORE_REG(regs.pc)

typedef struct Arm64Vm {
    struct kvm_vcpu_init init; /* KVM_ARM_PREFERRED_TARGET + features */
} Arm64Vm;

typedef struct Arm64Vcpu {
    bool suspended;          /* SYSTEM_SUSPEND honoured, waiting */
    uint64_t resume_entry;   /* x1 of SYSTEM_SUSPEND */
    uint64_t resume_context; /* x2 of SYSTEM_SUSPEND */
} Arm64Vcpu;

static const QaKvmCap arm64_required_caps[] = {
    QA_KVM_CAP(KVM_CAP_ONE_REG),
    QA_KVM_CAP(KVM_CAP_ARM_PSCI_0_2),
    {0, NULL},
};

static int arm64_vm_init(QaKvmVm *vm, QaKvmErr *err)
{
    Arm64Vm *av = qa_kvm_zalloc(sizeof(*av));
    int r;

    if (!av) {
        return qa_kvm_err_set(err, ENOMEM, "arm64 VM state");
    }
    vm->arch = av;
    r = qa_kvm_vm_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &av->init,
                        "KVM_ARM_PREFERRED_TARGET", err);
    if (r < 0) {
        return r;
    }
    av->init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
    if (qa_kvm_check_cap(vm, KVM_CAP_ARM_SYSTEM_SUSPEND) > 0) {
        r = qa_kvm_enable_cap(vm, KVM_CAP_ARM_SYSTEM_SUSPEND,
                              "KVM_CAP_ARM_SYSTEM_SUSPEND", 0, err);
        if (r < 0) {
            return r;
        }
        vm->system_suspend = true;
    }
    return 0;
}

static void arm64_vm_fini(QaKvmVm *vm)
{
    qa_kvm_free(vm->arch);
    vm->arch = NULL;
}

/*
 * (Re)initialise: KVM_ARM_VCPU_INIT puts the vCPU in its reset state;
 * the boot CPU starts at the entry point with x0 = device tree, the
 * others powered off until PSCI CPU_ON.
 */
static int arm64_vcpu_reset(QaKvmVcpu *vcpu, QaKvmErr *err)
{
    Arm64Vm *av = vcpu->vm->arch;
    Arm64Vcpu *ac = vcpu->arch;
    struct kvm_vcpu_init init = av->init;
    int r;

    if (vcpu->index > 0) {
        init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
    }
    r = qa_kvm_vcpu_ioctl(vcpu, KVM_ARM_VCPU_INIT, &init, "KVM_ARM_VCPU_INIT",
                          err);
    if (r < 0) {
        return r;
    }
    ac->suspended = false;
    if (vcpu->index > 0) {
        return 0;
    }
    r = qa_kvm_set_one_reg(vcpu, ARM64_PC, vcpu->vm->entry, err);
    return r < 0 ? r
                 : qa_kvm_set_one_reg(vcpu, ARM64_XREG(0), vcpu->vm->boot_arg,
                                      err);
}

static int arm64_vcpu_init(QaKvmVcpu *vcpu, QaKvmErr *err)
{
    vcpu->arch = qa_kvm_zalloc(sizeof(Arm64Vcpu));
    if (!vcpu->arch) {
        return qa_kvm_err_set(err, ENOMEM, "arm64 vCPU state");
    }
    return arm64_vcpu_reset(vcpu, err);
}

static void arm64_vcpu_fini(QaKvmVcpu *vcpu)
{
    qa_kvm_free(vcpu->arch);
    vcpu->arch = NULL;
}

/* An SMCCC call forwarded by a KVM_ARM_VM_SMCCC_FILTER FWD_TO_USER range. */
static bool arm64_decode_exit(QaKvmVcpu *vcpu, QaExit *exit)
{
    struct kvm_run *run = vcpu->run;

    if (run->exit_reason != KVM_EXIT_HYPERCALL) {
        return false;
    }
    __builtin_memset(&exit->u.hypercall, 0, sizeof(exit->u.hypercall));
    exit->kind = QA_EXIT_HYPERCALL;
    exit->u.hypercall.regs[0] = run->hypercall.nr;
    for (int i = 1; i < 18; i++) {
        if (qa_kvm_get_one_reg(vcpu, ARM64_XREG(i), &exit->u.hypercall.regs[i],
                               NULL) < 0) {
            exit->u.hypercall.regs[i] = 0;
        }
    }
#ifdef KVM_HYPERCALL_EXIT_SMC
    exit->u.hypercall.smc = run->hypercall.flags & KVM_HYPERCALL_EXIT_SMC;
#endif
    return true;
}

static int arm64_complete_exit(QaKvmVcpu *vcpu, const QaExit *exit,
                               QaKvmErr *err)
{
    if (exit->kind != QA_EXIT_HYPERCALL) {
        return 0;
    }
    /* SMCCC returns in x0..x3 */
    for (int i = 0; i < 4; i++) {
        int r = qa_kvm_set_one_reg(vcpu, ARM64_XREG(i),
                                   exit->u.hypercall.regs[i], err);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

/* PSCI SYSTEM_RESET2 / SYSTEM_OFF2 leave their arguments in x1/x2. */
static void arm64_sysevent_regs(QaKvmVcpu *vcpu, const QaSysEvent *ev,
                                QaSysEventRegs *regs)
{
    if (ev->type != QA_SYSEVENT_RESET && ev->type != QA_SYSEVENT_SHUTDOWN) {
        return;
    }
    if (qa_kvm_get_one_reg(vcpu, ARM64_XREG(1), &regs->x1, NULL) == 0 &&
        qa_kvm_get_one_reg(vcpu, ARM64_XREG(2), &regs->x2, NULL) == 0) {
        regs->has_arm64_x1_x2 = true;
    }
}

static int arm64_sysevent_act(QaKvmVcpu *vcpu, const QaSysEvent *ev,
                              QaKvmErr *err)
{
    Arm64Vcpu *ac = vcpu->arch;
    int r;

    switch (ev->type) {
    case QA_SYSEVENT_SUSPEND:
        /* SYSTEM_SUSPEND(entry_point = x1, context_id = x2) */
        r = qa_kvm_get_one_reg(vcpu, ARM64_XREG(1), &ac->resume_entry, err);
        if (r < 0) {
            return r;
        }
        r = qa_kvm_get_one_reg(vcpu, ARM64_XREG(2), &ac->resume_context, err);
        if (r < 0) {
            return r;
        }
        ac->suspended = true;
        return qa_kvm_set_mp_state(vcpu, KVM_MP_STATE_SUSPENDED, err);
    case QA_SYSEVENT_WAKEUP:
        if (!ac->suspended) {
            return 0;
        }
        ac->suspended = false;
        r = qa_kvm_set_mp_state(vcpu, KVM_MP_STATE_RUNNABLE, err);
        if (r < 0) {
            return r;
        }
        r = qa_kvm_set_one_reg(vcpu, ARM64_PC, ac->resume_entry, err);
        return r < 0 ? r
                     : qa_kvm_set_one_reg(vcpu, ARM64_XREG(0),
                                          ac->resume_context, err);
    }
    return 0;
}

const QaKvmArchOps qa_kvm_arm64_ops = {
    .arch = QA_ARCH_ARM64,
    .required_caps = arm64_required_caps,
    .vm_init = arm64_vm_init,
    .vm_fini = arm64_vm_fini,
    .vcpu_init = arm64_vcpu_init,
    .vcpu_fini = arm64_vcpu_fini,
    .vcpu_reset = arm64_vcpu_reset,
    .decode_exit = arm64_decode_exit,
    .complete_exit = arm64_complete_exit,
    .sysevent_regs = arm64_sysevent_regs,
    .sysevent_act = arm64_sysevent_act,
};
