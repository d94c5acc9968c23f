/*
 * The libc side of the per-arch KVM files (kvm-arch.h): system calls,
 * allocation and error messages, so that those files need no libc
 * headers.  GLib-free as well.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

void *qa_kvm_zalloc(size_t size)
{
    return calloc(1, size);
}

void qa_kvm_free(void *p)
{
    free(p);
}

/* ioctl retried on EINTR; the result or -errno */
static int fd_ioctl(int fd, unsigned long req, void *arg)
{
    int r;

    do {
        r = ioctl(fd, req, arg);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -errno : r;
}

int qa_kvm_check_cap(QaKvmVm *vm, int cap)
{
    int r = fd_ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, (void *)(long)cap);

    if (r < 0) {
        /* very old kernels answer only on /dev/kvm */
        r = fd_ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, (void *)(long)cap);
    }
    return r < 0 ? 0 : r;
}

int qa_kvm_enable_cap(QaKvmVm *vm, int cap, const char *name, uint64_t arg0,
                      QaKvmErr *err)
{
    struct kvm_enable_cap ec = {.cap = (uint32_t)cap, .args = {arg0}};
    int r = fd_ioctl(vm->vm_fd, KVM_ENABLE_CAP, &ec);

    return r < 0 ? qa_kvm_err_set(err, -r, "KVM_ENABLE_CAP(%s)", name) : 0;
}

int qa_kvm_dev_ioctl(QaKvmVm *vm, unsigned long req, void *arg,
                     const char *what, QaKvmErr *err)
{
    int r = fd_ioctl(vm->kvm_fd, req, arg);

    return r < 0 ? qa_kvm_err_set(err, -r, "%s", what) : r;
}

int qa_kvm_vm_ioctl(QaKvmVm *vm, unsigned long req, void *arg, const char *what,
                    QaKvmErr *err)
{
    int r = fd_ioctl(vm->vm_fd, req, arg);

    return r < 0 ? qa_kvm_err_set(err, -r, "%s", what) : r;
}

int qa_kvm_vcpu_ioctl(QaKvmVcpu *vcpu, unsigned long req, void *arg,
                      const char *what, QaKvmErr *err)
{
    int r = fd_ioctl(vcpu->fd, req, arg);

    return r < 0 ? qa_kvm_err_set(err, -r, "vCPU %d: %s", vcpu->index, what)
                 : r;
}

int qa_kvm_get_one_reg(QaKvmVcpu *vcpu, uint64_t id, uint64_t *val,
                       QaKvmErr *err)
{
    struct kvm_one_reg r = {.id = id, .addr = (uintptr_t)val};
    int ret =
        qa_kvm_vcpu_ioctl(vcpu, KVM_GET_ONE_REG, &r, "KVM_GET_ONE_REG", err);
    return ret < 0 ? ret : 0;
}

int qa_kvm_set_one_reg(QaKvmVcpu *vcpu, uint64_t id, uint64_t val,
                       QaKvmErr *err)
{
    struct kvm_one_reg r = {.id = id, .addr = (uintptr_t)&val};
    int ret =
        qa_kvm_vcpu_ioctl(vcpu, KVM_SET_ONE_REG, &r, "KVM_SET_ONE_REG", err);
    return ret < 0 ? ret : 0;
}

int qa_kvm_set_mp_state(QaKvmVcpu *vcpu, uint32_t state, QaKvmErr *err)
{
    struct kvm_mp_state mp = {.mp_state = state};
    int ret =
        qa_kvm_vcpu_ioctl(vcpu, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE", err);
    return ret < 0 ? ret : 0;
}
