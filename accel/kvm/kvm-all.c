/*
 * The KVM accelerator: /dev/kvm, the VM and its memory slots, vCPUs, the
 * kick, and the decoding of every exit into a QaExit (once, here).
 *
 * Per-architecture work (firmware layout, CPUID, reset state, arch exits,
 * registers for system events) is in x86.c / arm64.c / riscv64.c behind
 * the QaKvmArchOps table of kvm-arch.h; the vCPU threads are the shared
 * loop of accel/vcpu-loop.c.  See docs/kvm.md.
 *
 * Kick protocol (api.rst "immediate_exit"): the kicker stores
 * run->immediate_exit = 1 and then sends QA_KVM_KICK_SIGNAL to the vCPU
 * thread.  A vCPU about to enter KVM_RUN returns at once because of the
 * flag; one inside the guest is forced out by the signal (no SA_RESTART,
 * so the ioctl fails with EINTR).  The vCPU thread clears the flag after
 * KVM_RUN returns; the loop re-reads its own flags after that.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <qaccel/error.h>
#include <qaccel/sysevent.h>
#include "accel/vcpu-loop.h"
#include "kvm-arch.h"
#include "kvm-internal.h"

#define QA_KVM_KICK_SIGNAL SIGUSR1

#if defined(__x86_64__)
#define HOST_ARCH_OPS (&qa_kvm_x86_64_ops)
#elif defined(__aarch64__)
#define HOST_ARCH_OPS (&qa_kvm_arm64_ops)
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_ARCH_OPS (&qa_kvm_riscv64_ops)
#else
#error "the KVM accelerator supports x86_64, arm64 and riscv64 hosts"
#endif

/* Capabilities every architecture needs. */
static const QaKvmCap generic_caps[] = {
    QA_KVM_CAP(KVM_CAP_USER_MEMORY),
    QA_KVM_CAP(KVM_CAP_IMMEDIATE_EXIT),
    {0, NULL},
};

static void kick_handler(int sig)
{
    /* nothing to do: interrupting KVM_RUN is the point */
}

static void install_kick_handler(void)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = kick_handler;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; /* no SA_RESTART: KVM_RUN must fail with EINTR */
        sigaction(QA_KVM_KICK_SIGNAL, &sa, NULL);
        g_once_init_leave(&done, 1);
    }
}

bool qa_kvm_err_to_gerror(const QaKvmErr *e, GError **error)
{
    g_set_error(error, QA_ERROR, e->err ? QA_ERROR_IO : QA_ERROR_UNSUPPORTED,
                "%s", e->msg);
    return false;
}

static bool kvm_probe(GError **error)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    int version;

    if (fd < 0) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED, "/dev/kvm: %s",
                    g_strerror(errno));
        return false;
    }
    version = ioctl(fd, KVM_GET_API_VERSION, 0);
    close(fd);
    if (version != KVM_API_VERSION) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "/dev/kvm: KVM API version %d, need %d", version,
                    KVM_API_VERSION);
        return false;
    }
    return true;
}

/* Every missing capability, by name, in one message. */
static bool check_caps(QaKvmAccel *ka, GError **error)
{
    const QaKvmCap *lists[] = {generic_caps, ka->arch->required_caps};
    g_autoptr(GString) missing = g_string_new(NULL);

    for (gsize l = 0; l < G_N_ELEMENTS(lists); l++) {
        for (const QaKvmCap *c = lists[l]; c && c->name; c++) {
            if (qa_kvm_check_cap(&ka->vm, c->cap) <= 0) {
                g_string_append_printf(missing, "%s%s",
                                       missing->len ? ", " : "", c->name);
            }
        }
    }
    if (missing->len) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED, "this KVM lacks %s",
                    missing->str);
        return false;
    }
    if (qa_kvm_check_cap(&ka->vm, KVM_CAP_SYSTEM_EVENT_DATA) > 0) {
        ka->sysevent_caps |= QA_KVM_CAP_SYSTEM_EVENT_DATA_BIT;
    }
    return true;
}

static gpointer prefetch_fn(gpointer opaque)
{
    QaKvmAccel *ka = opaque;

    ka->prefetch_ret = ka->arch->vm_prefetch(&ka->vm, &ka->prefetch_err);
    return NULL;
}

static bool prefetch_join(QaKvmAccel *ka, GError **error)
{
    if (ka->prefetch) {
        g_thread_join(ka->prefetch);
        ka->prefetch = NULL;
    }
    if (ka->prefetch_ret < 0) {
        return qa_kvm_err_to_gerror(&ka->prefetch_err, error);
    }
    return true;
}

static bool open_vm(QaKvmAccel *ka, GError **error)
{
    int version;

    ka->vm.kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (ka->vm.kvm_fd < 0) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED, "/dev/kvm: %s",
                    g_strerror(errno));
        return false;
    }
    version = ioctl(ka->vm.kvm_fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "/dev/kvm: KVM API version %d, need %d", version,
                    KVM_API_VERSION);
        return false;
    }
    if (ka->arch->vm_prefetch) {
        ka->prefetch = g_thread_try_new("kvm-prefetch", prefetch_fn, ka, NULL);
        if (!ka->prefetch) {
            prefetch_fn(ka); /* no thread: just do it now */
        }
    }
    do {
        ka->vm.vm_fd = ioctl(ka->vm.kvm_fd, KVM_CREATE_VM, 0);
    } while (ka->vm.vm_fd < 0 && errno == EINTR);
    if (ka->vm.vm_fd < 0) {
        g_set_error(error, QA_ERROR, QA_ERROR_IO, "KVM_CREATE_VM: %s",
                    g_strerror(errno));
        return false;
    }
    ka->vm.run_size = ioctl(ka->vm.kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (ka->vm.run_size < (int)sizeof(struct kvm_run)) {
        g_set_error(error, QA_ERROR, QA_ERROR_IO, "KVM_GET_VCPU_MMAP_SIZE: %s",
                    g_strerror(errno));
        return false;
    }
    return true;
}

/* x86: collect the MSR ranges the machine's msr-handler devices own. */
static bool collect_msr_ranges(QaObject *obj, void *opaque)
{
    QaKvmAccel *ka = opaque;

    if (qa_object_is_a(obj, QA_TYPE_MSR_HANDLER)) {
        QaMsrHandlerClass *hc =
            QA_CLASS_OF(QaMsrHandlerClass, obj, QA_TYPE_MSR_HANDLER);
        uint32_t count = 0;
        uint32_t first = hc->range ? hc->range(obj, &count) : 0;

        if (count && ka->vm.nr_msr_ranges < QA_KVM_MAX_MSR_RANGES) {
            ka->vm.msr_ranges[ka->vm.nr_msr_ranges++] =
                (QaKvmMsrRange){first, count};
        } else if (count) {
            g_warning("kvm: more than %d MSR ranges; MSRs 0x%x+%u stay with "
                      "KVM",
                      QA_KVM_MAX_MSR_RANGES, first, count);
        }
    }
    return qa_object_foreach_child(obj, collect_msr_ranges, ka);
}

static bool create_vcpus(QaKvmAccel *ka, QaMachine *m, GError **error)
{
    ka->vcpus = g_new0(QaKvmVcpuState, m->cpus);
    for (uint32_t i = 0; i < m->cpus; i++) {
        QaKvmVcpuState *vs = &ka->vcpus[i];
        QaKvmErr e = {0};
        void *run;

        vs->kv.vm = &ka->vm;
        vs->kv.index = (int)i;
        vs->kv.arch_id = m->vcpus[i].arch_id;
        vs->kv.fd = -1;
        m->vcpus[i].accel_state = vs;
        do {
            vs->kv.fd = ioctl(ka->vm.vm_fd, KVM_CREATE_VCPU,
                              ka->arch->vcpu_id_is_arch_id
                                  ? (unsigned long)vs->kv.arch_id
                                  : (unsigned long)i);
        } while (vs->kv.fd < 0 && errno == EINTR);
        if (vs->kv.fd < 0) {
            g_set_error(error, QA_ERROR, QA_ERROR_IO, "KVM_CREATE_VCPU %u: %s",
                        i, g_strerror(errno));
            return false;
        }
        ka->nr_vcpus++;
        run = mmap(NULL, (size_t)ka->vm.run_size, PROT_READ | PROT_WRITE,
                   MAP_SHARED, vs->kv.fd, 0);
        if (run == MAP_FAILED) {
            g_set_error(error, QA_ERROR, QA_ERROR_IO,
                        "vCPU %u: mmap of kvm_run: %s", i, g_strerror(errno));
            return false;
        }
        vs->kv.run = run;
        if (ka->arch->vcpu_init && ka->arch->vcpu_init(&vs->kv, &e) < 0) {
            return qa_kvm_err_to_gerror(&e, error);
        }
    }
    return true;
}

static bool kvm_init_machine(QaAccel *accel, QaMachine *m, GError **error)
{
    QaKvmAccel *ka = QA_KVM_ACCEL(accel);
    QaKvmErr e = {0};

    ka->arch = HOST_ARCH_OPS;
    ka->clock_base = g_get_monotonic_time();
    if (m->arch != ka->arch->arch) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "KVM on this host runs %s guests; machine '%s' is %s",
                    qa_arch_name(ka->arch->arch), m->name ? m->name : "?",
                    qa_arch_name(m->arch));
        return false;
    }
    if (m->cpus == 0 || !m->vcpus) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "the machine has no vCPUs");
        return false;
    }
    if (!open_vm(ka, error) || !check_caps(ka, error)) {
        return false;
    }
    ka->vm.ncpus = m->cpus;
    /* no kernel loader yet: arm64/riscv64 start at the base of RAM */
    ka->vm.entry = m->ram_base;
    ka->vm.boot_arg = 0;
    if (m->arch == QA_ARCH_X86_64) {
        collect_msr_ranges(QA_OBJECT(m), ka);
    }
    /*
     * VM-wide setup before the memory slots: some of it waits for an SRCU
     * grace period of the VM (x86 KVM_X86_SET_MSR_FILTER), which ends at
     * once while the VM's SRCU has never been used but takes a normal,
     * jiffy-paced grace period (often ~10 ms) right after the slot
     * updates.  It runs while vm_prefetch may still be busy.
     */
    if (ka->arch->vm_init && ka->arch->vm_init(&ka->vm, &e) < 0) {
        return qa_kvm_err_to_gerror(&e, error);
    }
    if (!qa_kvm_map_memory(ka, m, error) || !prefetch_join(ka, error)) {
        return false;
    }
    if (!create_vcpus(ka, m, error)) {
        return false;
    }
    install_kick_handler();
    g_debug("kvm: VM with %u vCPUs ready (system-event data: %s, triple "
            "fault event: %s)",
            m->cpus,
            ka->sysevent_caps & QA_KVM_CAP_SYSTEM_EVENT_DATA_BIT ? "yes" : "no",
            ka->vm.triple_fault_event ? "yes" : "no");
    return true;
}

static bool kvm_start(QaAccel *accel, GError **error)
{
    if (accel->loop) {
        return true;
    }
    accel->loop = qa_vcpu_loop_new(accel, error);
    return accel->loop != NULL;
}

static void kvm_teardown(QaAccel *accel)
{
    QaKvmAccel *ka = QA_KVM_ACCEL(accel);

    if (ka->torn_down) {
        return;
    }
    ka->torn_down = true;
    prefetch_join(ka, NULL);
    if (accel->loop) {
        qa_vcpu_loop_free(accel->loop);
        accel->loop = NULL;
    }
    for (unsigned i = 0; i < ka->nr_vcpus; i++) {
        QaKvmVcpuState *vs = &ka->vcpus[i];
        if (ka->arch->vcpu_fini && vs->kv.arch) {
            ka->arch->vcpu_fini(&vs->kv);
        }
        if (vs->kv.run) {
            munmap(vs->kv.run, (size_t)ka->vm.run_size);
        }
        close(vs->kv.fd);
        if (accel->machine) {
            accel->machine->vcpus[i].accel_state = NULL;
        }
    }
    ka->nr_vcpus = 0;
    g_clear_pointer(&ka->vcpus, g_free);
    if (ka->arch && ka->arch->vm_fini) {
        ka->arch->vm_fini(&ka->vm);
    }
    qa_kvm_unmap_memory(ka, accel->machine);
    if (ka->vm.vm_fd >= 0) {
        close(ka->vm.vm_fd);
        ka->vm.vm_fd = -1;
    }
    if (ka->vm.kvm_fd >= 0) {
        close(ka->vm.kvm_fd);
        ka->vm.kvm_fd = -1;
    }
}

static int64_t kvm_get_clock(QaAccel *accel)
{
    return (g_get_monotonic_time() - QA_KVM_ACCEL(accel)->clock_base) * 1000;
}

static unsigned kvm_sysevent_caps(QaAccel *accel)
{
    return QA_KVM_ACCEL(accel)->sysevent_caps;
}

static bool kvm_inject_triple_fault(QaAccel *accel, int cpu, GError **error)
{
    QaKvmAccel *ka = QA_KVM_ACCEL(accel);

    if (cpu < 0 || (unsigned)cpu >= ka->nr_vcpus) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "vCPU %d does not exist (the machine has %u)", cpu,
                    ka->nr_vcpus);
        return false;
    }
    if (!ka->arch->inject_triple_fault) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "a triple fault exists only on x86");
        return false;
    }
    if (!ka->vm.triple_fault_event) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "this KVM lacks KVM_CAP_X86_TRIPLE_FAULT_EVENT: cannot "
                    "inject a triple fault");
        return false;
    }
    /* KVM_SET_VCPU_EVENTS must not race with KVM_RUN: the vCPU thread
     * applies it before its next entry (qa_kvm_vcpu_run). */
    __atomic_store_n(&ka->vcpus[cpu].pending_triple_fault, 1, __ATOMIC_SEQ_CST);
    qa_kvm_vcpu_kick(accel, &accel->machine->vcpus[cpu]);
    /* a halted vCPU waits in the loop, where a kick does not reach it */
    if (accel->loop) {
        qa_vcpu_loop_wake_cpu(accel->loop, cpu);
    }
    return true;
}

static void kvm_instance_init(QaObject *obj)
{
    QaKvmAccel *ka = (QaKvmAccel *)obj;

    ka->vm.kvm_fd = -1;
    ka->vm.vm_fd = -1;
}

static void kvm_instance_finalize(QaObject *obj)
{
    QaAccel *accel = QA_ACCEL(obj);

    kvm_teardown(accel);
}

static void kvm_accel_class_init(QaObjectClass *klass, const void *data)
{
    QaAccelClass *ac = (QaAccelClass *)klass;

    ac->name = "kvm";
    ac->probe = kvm_probe;
    ac->init_machine = kvm_init_machine;
    ac->start = kvm_start;
    ac->teardown = kvm_teardown;
    ac->get_clock = kvm_get_clock;
    ac->sysevent_caps = kvm_sysevent_caps;
    ac->ops = &qa_kvm_vcpu_ops;
    ac->inject_triple_fault = kvm_inject_triple_fault;
}

const QaTypeInfo qa_kvm_accel_type_info = {
    .name = QA_TYPE_KVM_ACCEL,
    .parent = QA_TYPE_ACCEL,
    .description = "Linux KVM: guest code runs on /dev/kvm",
    .instance_size = sizeof(QaKvmAccel),
    .class_init = kvm_accel_class_init,
    .instance_init = kvm_instance_init,
    .instance_finalize = kvm_instance_finalize,
};
