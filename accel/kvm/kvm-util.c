/*
 * Small GLib-free helpers shared by the per-arch KVM files (kvm-arch.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include "kvm-arch.h"

int qa_kvm_err_set(QaKvmErr *e, int err, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
        va_end(ap);
        if (err && n >= 0 && (size_t)n < sizeof(e->msg)) {
            snprintf(e->msg + n, sizeof(e->msg) - (size_t)n, ": %s",
                     strerror(err));
        }
        e->err = err;
    }
    return err ? -err : -EINVAL;
}

int qa_kvm_check_cap(QaKvmVm *vm, int cap)
{
    int r = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, cap);

    if (r < 0) {
        /* very old kernels answer only on /dev/kvm */
        r = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, cap);
    }
    return r < 0 ? 0 : r;
}

int qa_kvm_enable_cap(QaKvmVm *vm, int cap, const char *name, uint64_t arg0,
                      QaKvmErr *err)
{
    struct kvm_enable_cap ec = { .cap = (uint32_t)cap, .args = { arg0 } };

    if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &ec) < 0) {
        return qa_kvm_err_set(err, errno, "KVM_ENABLE_CAP(%s)", name);
    }
    return 0;
}

int qa_kvm_vcpu_ioctl(QaKvmVcpu *vcpu, unsigned long req, void *arg,
                      const char *what, QaKvmErr *err)
{
    int r;

    do {
        r = ioctl(vcpu->fd, req, arg);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        return qa_kvm_err_set(err, errno, "vCPU %d: %s", vcpu->index, what);
    }
    return r;
}
