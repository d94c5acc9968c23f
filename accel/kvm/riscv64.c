/*
 * KVM on riscv64: vCPU (hart) init, SBI calls the kernel forwards to user
 * space (KVM_EXIT_RISCV_SBI) handed to the machine's SBI device, and the
 * register the translator needs for SRST.
 *
 * GLib-free (see kvm-arch.h); compiled by CI with riscv64-linux-gnu-gcc.
 *
 * The kernel implements SBI base, timer, IPI, RFENCE, HSM and SRST; SRST
 * arrives as KVM_EXIT_SYSTEM_EVENT with data[0] = reason, and the reset
 * type (0 shutdown, 1 cold, 2 warm) still in a0.  Extensions it does not
 * implement exit as KVM_EXIT_RISCV_SBI with ret[] preloaded with
 * SBI_ERR_NOT_SUPPORTED; whatever the handler writes to ret[0]/ret[1]
 * becomes a0/a1 when the vCPU re-enters (KVM advances sepc itself).
 */
#include "kvm-arch.h"

#define RISCV_CORE_REG(name)                                                   \
    (KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE |                   \
     KVM_REG_RISCV_CORE_REG(name))

static const QaKvmCap riscv64_required_caps[] = {
    QA_KVM_CAP(KVM_CAP_ONE_REG),
    QA_KVM_CAP(KVM_CAP_MP_STATE),
    {0, NULL},
};

/*
 * Boot state per the SBI/Linux boot convention: the boot hart runs at the
 * entry point with a0 = hart id and a1 = device tree; the others wait
 * STOPPED until SBI HSM HART_START.
 */
static int riscv64_vcpu_reset(QaKvmVcpu *vcpu, QaKvmErr *err)
{
    int r = qa_kvm_set_mp_state(
        vcpu, vcpu->index == 0 ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_STOPPED,
        err);

    if (r < 0 || vcpu->index > 0) {
        return r < 0 ? r : 0;
    }
    if ((r = qa_kvm_set_one_reg(vcpu, RISCV_CORE_REG(regs.pc), vcpu->vm->entry,
                                err)) < 0 ||
        (r = qa_kvm_set_one_reg(vcpu, RISCV_CORE_REG(regs.a0), vcpu->arch_id,
                                err)) < 0 ||
        (r = qa_kvm_set_one_reg(vcpu, RISCV_CORE_REG(regs.a1),
                                vcpu->vm->boot_arg, err)) < 0) {
        return r;
    }
    /* S-mode with interrupts off, as after the firmware hands over */
    return qa_kvm_set_one_reg(vcpu, RISCV_CORE_REG(mode), KVM_RISCV_MODE_S,
                              err);
}

static int riscv64_vcpu_init(QaKvmVcpu *vcpu, QaKvmErr *err)
{
    return riscv64_vcpu_reset(vcpu, err);
}

static bool riscv64_decode_exit(QaKvmVcpu *vcpu, QaExit *exit)
{
    struct kvm_run *run = vcpu->run;

    if (run->exit_reason != KVM_EXIT_RISCV_SBI) {
        return false;
    }
    exit->kind = QA_EXIT_SBI;
    exit->u.sbi.eid = run->riscv_sbi.extension_id;
    exit->u.sbi.fid = run->riscv_sbi.function_id;
    for (int i = 0; i < 6; i++) {
        exit->u.sbi.args[i] = run->riscv_sbi.args[i];
    }
    /* what KVM preloaded: SBI_ERR_NOT_SUPPORTED, 0 */
    exit->u.sbi.ret[0] = (int64_t)run->riscv_sbi.ret[0];
    exit->u.sbi.ret[1] = (int64_t)run->riscv_sbi.ret[1];
    return true;
}

static int riscv64_complete_exit(QaKvmVcpu *vcpu, const QaExit *exit,
                                 QaKvmErr *err)
{
    if (exit->kind == QA_EXIT_SBI) {
        vcpu->run->riscv_sbi.ret[0] = (unsigned long)exit->u.sbi.ret[0];
        vcpu->run->riscv_sbi.ret[1] = (unsigned long)exit->u.sbi.ret[1];
    }
    return 0;
}

/* SBI SRST: the reset type is still in a0 (0 off, 1 cold, 2 warm). */
static void riscv64_sysevent_regs(QaKvmVcpu *vcpu, const QaSysEvent *ev,
                                  QaSysEventRegs *regs)
{
    if (ev->type != QA_SYSEVENT_RESET && ev->type != QA_SYSEVENT_SHUTDOWN) {
        return;
    }
    if (qa_kvm_get_one_reg(vcpu, RISCV_CORE_REG(regs.a0), &regs->a0, NULL) ==
        0) {
        regs->has_riscv_a0 = true;
    }
}

const QaKvmArchOps qa_kvm_riscv64_ops = {
    .arch = QA_ARCH_RISCV64,
    .required_caps = riscv64_required_caps,
    .vcpu_init = riscv64_vcpu_init,
    .vcpu_reset = riscv64_vcpu_reset,
    .decode_exit = riscv64_decode_exit,
    .complete_exit = riscv64_complete_exit,
    .sysevent_regs = riscv64_sysevent_regs,
};
