/*
 * PSCI firmware device ("psci"): the arm64 boards' SMCCC handler and the
 * owner of the device tree's /psci node.  The logic lives in psci-core.c;
 * this wrapper serialises calls, feeds the core the machine's vCPU
 * identities and RAM range, and sends power calls through the machine's
 * system-event path exactly as KVM would report them.
 */
#include <qaccel/error.h>
#include <qaccel/fdt.h>
#include <qaccel/machine.h>
#include <qaccel/sysevent.h>
#include "hw/firmware/psci-core.h"

#define QA_TYPE_PSCI "psci"

enum { CONDUIT_HVC, CONDUIT_SMC };

typedef struct QaPsci {
    QaDevice parent_obj;
    int conduit; /* properties */
    int version; /* QaPsciVersion */
    GMutex lock; /* guards core and cpus */
    QaPsciState core;
    QaPsciCpu *cpus; /* built from the machine's vCPUs */
} QaPsci;

#define QA_PSCI(o) QA_CAST(QaPsci, (o), QA_TYPE_PSCI)

static const char *const conduit_names[] = {"hvc", "smc", NULL};
static const char *const version_names[] = {"0.2", "1.0", "1.1", "1.3", NULL};

/*
 * (Re)build the per-vCPU table from the machine: the board assigns MPIDRs
 * in its init hook, after devices are realized, so this runs lazily on
 * the first call and again at every reset.  Caller holds the lock.
 */
static void psci_sync_locked(QaPsci *p)
{
    QaMachine *m = p->parent_obj.machine;

    g_free(p->cpus);
    p->cpus = g_new0(QaPsciCpu, m->cpus);
    for (uint32_t i = 0; i < m->cpus; i++) {
        p->cpus[i].mpidr = m->vcpus[i].arch_id & QA_MPIDR_AFFINITY_MASK;
    }
    p->core.version = (QaPsciVersion)p->version;
    p->core.ncpus = m->cpus;
    p->core.cpus = p->cpus;
    p->core.ram_base = m->ram_base;
    p->core.ram_size = m->ram_size;
    qa_psci_reset(&p->core);
}

static const char *fn_name(uint32_t id)
{
    switch (id & 0xffff) {
    case QA_PSCI_FN_SYSTEM_OFF:
        return "SYSTEM_OFF";
    case QA_PSCI_FN_SYSTEM_RESET:
        return "SYSTEM_RESET";
    case QA_PSCI_FN_SYSTEM_RESET2:
        return "SYSTEM_RESET2";
    case QA_PSCI_FN_SYSTEM_OFF2:
        return "SYSTEM_OFF2";
    case QA_PSCI_FN_SYSTEM_SUSPEND:
        return "SYSTEM_SUSPEND";
    default:
        return "call";
    }
}

static bool psci_call(QaObject *obj, QaVcpu *cpu, uint64_t regs[18], bool smc)
{
    QaPsci *p = QA_PSCI(obj);
    QaMachine *m = p->parent_obj.machine;
    uint32_t id = (uint32_t)regs[0];
    QaPsciEffect eff;
    bool handled;

    if (smc != (p->conduit == CONDUIT_SMC)) {
        /* The device tree names the other conduit: nothing answers here. */
        qa_machine_guest_error(m, "psci: %s call 0x%08x, but the conduit is %s",
                               smc ? "smc" : "hvc", id,
                               conduit_names[p->conduit]);
        return false;
    }
    g_mutex_lock(&p->lock);
    if (!p->cpus) {
        psci_sync_locked(p);
    }
    handled = qa_psci_call(&p->core, (unsigned)cpu->index, regs, &eff);
    g_mutex_unlock(&p->lock);
    if (!handled) {
        return false;
    }
    switch (eff.kind) {
    case QA_PSCI_EFFECT_SYSTEM_EVENT:
        g_debug("psci: cpu %d %s -> %s", cpu->index, fn_name(id),
                qa_sysevent_type_name(eff.ev.type));
        qa_machine_system_event(m, cpu->index, &eff.ev, &eff.regs);
        break;
    case QA_PSCI_EFFECT_CALLER_OFF:
        qa_machine_guest_error(m, "psci: call 0x%08x from powered-off cpu %d",
                               id, cpu->index);
        break;
    case QA_PSCI_EFFECT_CPU_ON:
        g_debug("psci: cpu %d: CPU_ON cpu %d at 0x%" G_GINT64_MODIFIER
                "x, context 0x%" G_GINT64_MODIFIER "x",
                cpu->index, eff.target, eff.entry, eff.context);
        break;
    case QA_PSCI_EFFECT_CPU_OFF:
        g_debug("psci: cpu %d: CPU_OFF", cpu->index);
        break;
    case QA_PSCI_EFFECT_CPU_SUSPEND:
    case QA_PSCI_EFFECT_NONE:
        break;
    }
    return true;
}

static bool psci_add_fdt(QaObject *obj, QaFdt *fdt, GError **error)
{
    static const char *const compat_1_0[] = {"arm,psci-1.0", "arm,psci-0.2",
                                             "arm,psci", NULL};
    static const char *const compat_0_2[] = {"arm,psci-0.2", "arm,psci", NULL};
    QaPsci *p = QA_PSCI(obj);
    const char *path = "/psci";

    /* QEMU's node, per-function ids included (redundant since 0.2). */
    return qa_fdt_add_node(fdt, path, error) &&
           qa_fdt_setprop_strings(
               fdt, path, "compatible",
               p->version == QA_PSCI_VERSION_0_2 ? compat_0_2 : compat_1_0,
               error) &&
           qa_fdt_setprop_string(fdt, path, "method", conduit_names[p->conduit],
                                 error) &&
           qa_fdt_setprop_u32(fdt, path, "cpu_suspend",
                              QA_PSCI_FN64(QA_PSCI_FN_CPU_SUSPEND), error) &&
           qa_fdt_setprop_u32(fdt, path, "cpu_off",
                              QA_PSCI_FN32(QA_PSCI_FN_CPU_OFF), error) &&
           qa_fdt_setprop_u32(fdt, path, "cpu_on",
                              QA_PSCI_FN64(QA_PSCI_FN_CPU_ON), error) &&
           qa_fdt_setprop_u32(fdt, path, "migrate",
                              QA_PSCI_FN64(QA_PSCI_FN_MIGRATE), error);
}

static bool psci_realize(QaDevice *dev, GError **error)
{
    if (!dev->machine || dev->machine->arch != QA_ARCH_ARM64) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "psci needs an arm64 machine");
        return false;
    }
    return true;
}

static void psci_reset(QaDevice *dev)
{
    QaPsci *p = QA_PSCI(dev);

    g_mutex_lock(&p->lock);
    psci_sync_locked(p);
    g_mutex_unlock(&p->lock);
}

static char *get_power_states(QaObject *obj, const QaProperty *prop)
{
    static const char *const names[] = {
        [QA_PSCI_POWER_ON] = "on",
        [QA_PSCI_POWER_OFF] = "off",
        [QA_PSCI_POWER_ON_PENDING] = "on-pending",
    };
    QaPsci *p = QA_PSCI(obj);
    GString *s = g_string_new(NULL);

    g_mutex_lock(&p->lock);
    if (!p->cpus && p->parent_obj.machine && p->parent_obj.machine->vcpus) {
        psci_sync_locked(p);
    }
    for (unsigned i = 0; p->cpus && i < p->core.ncpus; i++) {
        g_string_append_printf(s, "%s%s", i ? "," : "",
                               names[p->cpus[i].state]);
    }
    g_mutex_unlock(&p->lock);
    return g_string_free(s, false);
}

static const QaProperty psci_props[] = {
    {.name = "conduit",
     .kind = QA_PROP_ENUM,
     .offset = offsetof(QaPsci, conduit),
     .def.s = "hvc",
     .enum_names = conduit_names,
     .read_only = true,
     .doc = "SMCCC conduit the guest calls through (hvc, smc)"},
    {.name = "version",
     .kind = QA_PROP_ENUM,
     .offset = offsetof(QaPsci, version),
     .def.s = "1.3",
     .enum_names = version_names,
     .read_only = true,
     .doc = "PSCI version offered (0.2, 1.0, 1.1, 1.3)"},
    {.name = "power-states",
     .kind = QA_PROP_STRING,
     .get = get_power_states,
     .doc = "per-vCPU power state: on, off, on-pending (read-only)"},
    QA_PROPERTY_END};

static void psci_class_init(QaObjectClass *klass, const void *data)
{
    QaDeviceClass *dc = (QaDeviceClass *)klass;
    QaSmcccHandlerClass *sc =
        (QaSmcccHandlerClass *)qa_class_cast(klass, QA_TYPE_SMCCC_HANDLER);
    QaFdtNodeClass *fc =
        (QaFdtNodeClass *)qa_class_cast(klass, QA_TYPE_FDT_NODE);

    dc->realize = psci_realize;
    dc->reset = psci_reset;
    dc->user_creatable = true;
    qa_class_add_properties(klass, psci_props);
    g_assert(sc && fc);
    sc->call = psci_call;
    fc->add_fdt = psci_add_fdt;
}

static void psci_instance_init(QaObject *obj)
{
    g_mutex_init(&QA_PSCI(obj)->lock);
}

static void psci_instance_finalize(QaObject *obj)
{
    QaPsci *p = QA_PSCI(obj);

    g_free(p->cpus);
    g_mutex_clear(&p->lock);
}

static const char *const psci_interfaces[] = {QA_TYPE_SMCCC_HANDLER,
                                              QA_TYPE_FDT_NODE, NULL};

const QaTypeInfo qa_psci_type_info = {
    .name = QA_TYPE_PSCI,
    .parent = QA_TYPE_DEVICE,
    .description = "PSCI 0.2-1.3 and SMCCC 1.1 firmware (arm64, hvc or smc)",
    .instance_size = sizeof(QaPsci),
    .interfaces = psci_interfaces,
    .class_init = psci_class_init,
    .instance_init = psci_instance_init,
    .instance_finalize = psci_instance_finalize,
};
