/*
 * KVM vCPU operations for the shared vCPU loop: KVM_RUN, the decoding of
 * each exit into the neutral QaExit, the kick, completion and reset.
 *
 * Decoding happens once, here.  PIO and MMIO data are not copied: the
 * QaExit points into the kvm_run page, where the handler's results for
 * reads are exactly what KVM consumes on the next entry.  Arch exits
 * (x86 MSRs, arm64 SMCCC, riscv SBI) carry values that the arch file
 * writes back before that entry.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <qaccel/error.h>
#include <qaccel/sysevent.h>
#include "kvm-internal.h"

#if defined(__i386__) && !defined(KVM_CAP_SYSTEM_EVENT_DATA)
#define SYSEVENT_ABI QA_SYSEVENT_ABI_32_OLD
#else
#define SYSEVENT_ABI QA_SYSEVENT_ABI_64
#endif

/* No checked cast on the exit path: it compares type names. */
static QaKvmAccel *kvm_of(QaAccel *accel)
{
    return (QaKvmAccel *)accel;
}

static QaKvmVcpuState *state_of(QaVcpu *cpu)
{
    return cpu->accel_state;
}

/* First run on this thread: make it kickable. */
static void adopt_thread(QaKvmVcpuState *vs)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    vs->thread = pthread_self();
    __atomic_store_n(&vs->thread_known, 1, __ATOMIC_SEQ_CST);
}

void qa_kvm_vcpu_kick(QaAccel *accel, QaVcpu *cpu)
{
    QaKvmVcpuState *vs = state_of(cpu);

    if (!vs || !vs->kv.run) {
        return;
    }
    /* flag first, then the signal: see kvm-all.c */
    __atomic_store_n(&vs->kv.run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&vs->thread_known, __ATOMIC_SEQ_CST)) {
        pthread_kill(vs->thread, SIGUSR1);
    }
}

static void decode_system_event(QaKvmAccel *ka, QaKvmVcpuState *vs,
                                QaExit *exit)
{
    const uint8_t *member = (const uint8_t *)&vs->kv.run->system_event;
    g_autoptr(GError) err = NULL;

    memset(&exit->u.sysevent, 0, sizeof(exit->u.sysevent));
    /* the union is 256 bytes, so the 136-byte member is always there */
    if (!qa_sysevent_decode(member, QA_SYSEVENT_MEMBER_SIZE, SYSEVENT_ABI,
                            ka->sysevent_caps, ka->arch->arch,
                            &exit->u.sysevent.ev, &err)) {
        exit->kind = QA_EXIT_UNSUPPORTED;
        exit->u.unsupported.reason = KVM_EXIT_SYSTEM_EVENT;
        g_warning("kvm: undecodable system event: %s", err->message);
        return;
    }
    exit->kind = QA_EXIT_SYSTEM_EVENT;
    exit->u.sysevent.ev.source = QA_SYSEVENT_SRC_KERNEL;
    if (ka->arch->sysevent_regs) {
        ka->arch->sysevent_regs(&vs->kv, &exit->u.sysevent.ev,
                                &exit->u.sysevent.regs);
    }
    if (ka->arch->sysevent_act) {
        QaKvmErr e = {0};
        if (ka->arch->sysevent_act(&vs->kv, &exit->u.sysevent.ev, &e) < 0) {
            g_warning("kvm: %s", e.msg);
        }
    }
}

static void decode_fail(struct kvm_run *run, QaExit *exit)
{
    memset(&exit->u.fail, 0, sizeof(exit->u.fail));
    if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
        exit->kind = QA_EXIT_INTERNAL_ERROR;
        exit->u.fail.suberror = run->internal.suberror;
        exit->u.fail.ndata = MIN(run->internal.ndata, 16u);
        memcpy(exit->u.fail.data, run->internal.data,
               exit->u.fail.ndata * sizeof(uint64_t));
    } else {
        exit->kind = QA_EXIT_FAIL_ENTRY;
        exit->u.fail.ndata = 2;
        exit->u.fail.data[0] = run->fail_entry.hardware_entry_failure_reason;
        exit->u.fail.data[1] = run->fail_entry.cpu;
    }
}

static void decode_exit(QaKvmAccel *ka, QaKvmVcpuState *vs, QaExit *exit)
{
    struct kvm_run *run = vs->kv.run;

    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        exit->kind = QA_EXIT_PIO;
        exit->u.pio.port = run->io.port;
        exit->u.pio.size = run->io.size;
        exit->u.pio.is_write = run->io.direction == KVM_EXIT_IO_OUT;
        exit->u.pio.count = run->io.count;
        exit->u.pio.data = (uint8_t *)run + run->io.data_offset;
        vs->needs_complete = true;
        return;
    case KVM_EXIT_MMIO:
        exit->kind = QA_EXIT_MMIO;
        exit->u.mmio.addr = run->mmio.phys_addr;
        exit->u.mmio.data = run->mmio.data;
        exit->u.mmio.len = run->mmio.len;
        exit->u.mmio.is_write = run->mmio.is_write;
        vs->needs_complete = true;
        return;
    case KVM_EXIT_HLT:
        exit->kind = QA_EXIT_HLT;
        return;
    case KVM_EXIT_SHUTDOWN:
        exit->kind = QA_EXIT_SHUTDOWN;
        return;
    case KVM_EXIT_SYSTEM_EVENT:
        decode_system_event(ka, vs, exit);
        return;
    case KVM_EXIT_INTERNAL_ERROR:
    case KVM_EXIT_FAIL_ENTRY:
        decode_fail(run, exit);
        return;
    case KVM_EXIT_INTR:
        exit->kind = QA_EXIT_INTERRUPTED;
        return;
    }
    if (ka->arch->decode_exit && ka->arch->decode_exit(&vs->kv, exit)) {
        vs->needs_complete = true;
        vs->arch_exit = true;
        return;
    }
    exit->kind = QA_EXIT_UNSUPPORTED;
    exit->u.unsupported.reason = run->exit_reason;
}

/* Write back what the handler decided for the last arch exit. */
static bool finish_arch_exit(QaKvmAccel *ka, QaKvmVcpuState *vs,
                             const QaExit *exit, GError **error)
{
    QaKvmErr e = {0};

    vs->arch_exit = false;
    if (ka->arch->complete_exit &&
        ka->arch->complete_exit(&vs->kv, exit, &e) < 0) {
        g_set_error(error, QA_ERROR, QA_ERROR_IO, "%s", e.msg);
        return false;
    }
    return true;
}

static bool kvm_vcpu_run(QaAccel *accel, QaVcpu *cpu, QaExit *exit,
                         GError **error)
{
    QaKvmAccel *ka = kvm_of(accel);
    QaKvmVcpuState *vs = state_of(cpu);
    struct kvm_run *run = vs->kv.run;
    int r;

    if (G_UNLIKELY(!vs->thread_known)) {
        adopt_thread(vs);
    }
    vs->last_exit = exit;
    if (vs->arch_exit && !finish_arch_exit(ka, vs, exit, error)) {
        return false;
    }
    /* a plain load first: no locked instruction on the exit fast path */
    if (G_UNLIKELY(
            __atomic_load_n(&vs->pending_triple_fault, __ATOMIC_RELAXED)) &&
        __atomic_exchange_n(&vs->pending_triple_fault, 0, __ATOMIC_SEQ_CST)) {
        QaKvmErr e = {0};
        if (ka->arch->inject_triple_fault(&vs->kv, &e) < 0) {
            g_set_error(error, QA_ERROR, QA_ERROR_IO, "%s", e.msg);
            return false;
        }
    }

    r = ioctl(vs->kv.fd, KVM_RUN, 0);
    /* any return completes a pending PIO/MMIO/MSR (api.rst) */
    vs->needs_complete = false;
    if (r < 0) {
        int e = errno;
        if (e == EINTR || e == EAGAIN) {
            __atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
            exit->kind = QA_EXIT_INTERRUPTED;
            return true;
        }
        g_set_error(error, QA_ERROR, QA_ERROR_IO, "KVM_RUN: %s", g_strerror(e));
        return false;
    }
    decode_exit(ka, vs, exit);
    return true;
}

/*
 * Re-enter with immediate_exit set: KVM completes the pending operation,
 * then returns EINTR without running guest code.  Completing a string
 * PIO can produce the next chunk's exit instead; that one is handled
 * right here, as the loop would.
 */
static void kvm_vcpu_complete(QaAccel *accel, QaVcpu *cpu)
{
    QaKvmAccel *ka = kvm_of(accel);
    QaKvmVcpuState *vs = state_of(cpu);

    for (int i = 0; vs->needs_complete && i < 1024; i++) {
        g_autoptr(GError) err = NULL;

        if (vs->arch_exit && !finish_arch_exit(ka, vs, vs->last_exit, &err)) {
            g_warning("kvm: vCPU %d: %s", cpu->index, err->message);
        }
        __atomic_store_n(&vs->kv.run->immediate_exit, 1, __ATOMIC_SEQ_CST);
        vs->needs_complete = false;
        if (ioctl(vs->kv.fd, KVM_RUN, 0) < 0) {
            break;
        }
        decode_exit(ka, vs, vs->last_exit);
        qa_vcpu_handle_exit(accel->machine, cpu, vs->last_exit);
    }
    __atomic_store_n(&vs->kv.run->immediate_exit, 0, __ATOMIC_SEQ_CST);
}

static bool kvm_vcpu_reset(QaAccel *accel, QaVcpu *cpu, GError **error)
{
    QaKvmAccel *ka = kvm_of(accel);
    QaKvmVcpuState *vs = state_of(cpu);
    QaKvmErr e = {0};

    if (!vs) {
        return true;
    }
    __atomic_store_n(&vs->pending_triple_fault, 0, __ATOMIC_SEQ_CST);
    vs->needs_complete = false;
    vs->arch_exit = false;
    if (ka->arch->vcpu_reset && ka->arch->vcpu_reset(&vs->kv, &e) < 0) {
        return qa_kvm_err_to_gerror(&e, error);
    }
    return true;
}

const QaAccelOps qa_kvm_vcpu_ops = {
    .vcpu_run = kvm_vcpu_run,
    .vcpu_kick = qa_kvm_vcpu_kick,
    .vcpu_reset = kvm_vcpu_reset,
    .vcpu_complete = kvm_vcpu_complete,
};
