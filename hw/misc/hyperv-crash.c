/*
 * Hyper-V guest crash MSRs (spec/kvm-system-event.md §6.3) in user space.
 *
 * CRASH_P0..P4 (0x40000100-0x40000104) are plain storage; CRASH_CTL
 * (0x40000105) reads as the advertised capabilities (CRASH_NOTIFY) and a
 * guest write with CRASH_NOTIFY set reports a crash.  The report is the
 * record KVM itself would produce -- KVM_SYSTEM_EVENT_CRASH with ndata 0,
 * the parameters taken from the MSRs -- sent through the machine's
 * system-event path, so GUEST_PANICKED {type: "hyper-v", arg1..arg5}
 * comes out of the same translator for kernel and user-space crashes.
 *
 * Reached through the "msr-handler" interface: qtest rdmsr/wrmsr under
 * the qtest accelerator, a user-space MSR filter under kvm.
 */
#include <inttypes.h>
#include <string.h>
#include <qaccel/error.h>
#include <qaccel/machine.h>

#define QA_TYPE_HYPERV_CRASH "hyperv-crash"

#define HV_MSR_CRASH_P0 0x40000100u
#define HV_MSR_CRASH_CTL 0x40000105u
#define HV_MSR_COUNT 6u
#define HV_CRASH_CTL_NOTIFY (UINT64_C(1) << 63)

typedef struct QaHypervCrash {
    QaDevice parent_obj;
    uint64_t ctl_caps; /* property: what CRASH_CTL reads */
    GMutex lock;
    uint64_t params[5];
    uint64_t crashes; /* notifications seen */
} QaHypervCrash;

#define QA_HYPERV_CRASH(o) QA_CAST(QaHypervCrash, (o), QA_TYPE_HYPERV_CRASH)

static uint32_t hv_range(QaObject *dev, uint32_t *count)
{
    *count = HV_MSR_COUNT;
    return HV_MSR_CRASH_P0;
}

static bool hv_rdmsr(QaObject *dev, QaVcpu *cpu, uint32_t index, uint64_t *val)
{
    QaHypervCrash *hv = QA_HYPERV_CRASH(dev);

    if (index < HV_MSR_CRASH_P0 || index > HV_MSR_CRASH_CTL) {
        return false;
    }
    g_mutex_lock(&hv->lock);
    *val = index == HV_MSR_CRASH_CTL ? hv->ctl_caps
                                     : hv->params[index - HV_MSR_CRASH_P0];
    g_mutex_unlock(&hv->lock);
    return true;
}

static bool hv_wrmsr(QaObject *dev, QaVcpu *cpu, uint32_t index, uint64_t val)
{
    QaHypervCrash *hv = QA_HYPERV_CRASH(dev);
    QaSysEvent ev;
    QaSysEventRegs regs;

    if (index < HV_MSR_CRASH_P0 || index > HV_MSR_CRASH_CTL) {
        return false;
    }
    if (index != HV_MSR_CRASH_CTL) {
        g_mutex_lock(&hv->lock);
        hv->params[index - HV_MSR_CRASH_P0] = val;
        g_mutex_unlock(&hv->lock);
        return true;
    }
    /* KVM accepts any CTL value from the guest; only NOTIFY acts */
    if (!(val & HV_CRASH_CTL_NOTIFY) || !(hv->ctl_caps & HV_CRASH_CTL_NOTIFY)) {
        return true;
    }
    memset(&ev, 0, sizeof(ev));
    memset(&regs, 0, sizeof(regs));
    ev.type = QA_SYSEVENT_CRASH;
    ev.ndata = 0;
    ev.data_valid = true;
    ev.source = QA_SYSEVENT_SRC_FIRMWARE;
    regs.has_hv_crash = true;
    g_mutex_lock(&hv->lock);
    memcpy(regs.hv_crash, hv->params, sizeof(regs.hv_crash));
    hv->crashes++;
    g_mutex_unlock(&hv->lock);
    g_debug("hyperv-crash: guest crash P0=0x%" PRIx64, regs.hv_crash[0]);
    qa_machine_system_event(hv->parent_obj.machine, cpu ? cpu->index : -1, &ev,
                            &regs);
    return true;
}

static void hv_reset(QaDevice *dev)
{
    QaHypervCrash *hv = QA_HYPERV_CRASH(dev);

    g_mutex_lock(&hv->lock);
    memset(hv->params, 0, sizeof(hv->params));
    g_mutex_unlock(&hv->lock);
}

static bool hv_realize(QaDevice *dev, GError **error)
{
    if (!dev->machine || dev->machine->arch != QA_ARCH_X86_64) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "hyperv-crash needs an x86_64 machine");
        return false;
    }
    hv_reset(dev);
    return true;
}

static char *get_crashes(QaObject *obj, const QaProperty *prop)
{
    QaHypervCrash *hv = QA_HYPERV_CRASH(obj);
    uint64_t n;

    g_mutex_lock(&hv->lock);
    n = hv->crashes;
    g_mutex_unlock(&hv->lock);
    return g_strdup_printf("%" G_GUINT64_FORMAT, n);
}

static char *get_msr_base(QaObject *obj, const QaProperty *prop)
{
    return g_strdup_printf("%u", HV_MSR_CRASH_P0);
}

static const QaProperty hv_props[] = {
    {.name = "crash-ctl",
     .kind = QA_PROP_UINT64,
     .offset = offsetof(QaHypervCrash, ctl_caps),
     .def.u = HV_CRASH_CTL_NOTIFY,
     .doc = "value CRASH_CTL reads as (bit 63 CRASH_NOTIFY: supported)",
     .read_only = true},
    {.name = "msr-base",
     .kind = QA_PROP_UINT32,
     .get = get_msr_base,
     .doc = "first MSR of the range (CRASH_P0; 6 MSRs, read-only)"},
    {.name = "crashes",
     .kind = QA_PROP_UINT64,
     .get = get_crashes,
     .doc = "crash notifications received (read-only)"},
    QA_PROPERTY_END};

static void hv_class_init(QaObjectClass *klass, const void *data)
{
    QaDeviceClass *dc = (QaDeviceClass *)klass;
    QaMsrHandlerClass *mc =
        (QaMsrHandlerClass *)qa_class_cast(klass, QA_TYPE_MSR_HANDLER);

    dc->realize = hv_realize;
    dc->reset = hv_reset;
    dc->user_creatable = true;
    qa_class_add_properties(klass, hv_props);
    g_assert(mc);
    mc->range = hv_range;
    mc->rdmsr = hv_rdmsr;
    mc->wrmsr = hv_wrmsr;
}

static void hv_instance_init(QaObject *obj)
{
    g_mutex_init(&((QaHypervCrash *)obj)->lock);
}

static void hv_instance_finalize(QaObject *obj)
{
    g_mutex_clear(&((QaHypervCrash *)obj)->lock);
}

static const char *const hv_interfaces[] = {QA_TYPE_MSR_HANDLER, NULL};

const QaTypeInfo qa_hyperv_crash_type_info = {
    .name = QA_TYPE_HYPERV_CRASH,
    .parent = QA_TYPE_DEVICE,
    .description = "Hyper-V guest crash MSRs (CRASH_P0..P4, CRASH_CTL)",
    .instance_size = sizeof(QaHypervCrash),
    .interfaces = hv_interfaces,
    .class_init = hv_class_init,
    .instance_init = hv_instance_init,
    .instance_finalize = hv_instance_finalize,
};
