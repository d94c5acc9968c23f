/*
 * The arm64 board class ("arm-virt-machine", used by virt-arm64): QEMU
 * virt's memory map and device tree for vCPUs that call PSCI through
 * SMCCC.  Which devices the board has (PSCI, GICv3, PL011, pvpanic-mmio)
 * comes from its config (configs/machines/virt-arm64.conf); the board
 * numbers the vCPUs' MPIDRs and builds the device tree from RAM, the
 * vCPUs and every device that has a node.
 */
#include <inttypes.h>

#include <qaccel/error.h>
#include <qaccel/fdt.h>
#include <qaccel/machine.h>

#define QA_TYPE_ARM_VIRT_MACHINE "arm-virt-machine"
#define GIC_TARGET_LIST_MAX 16 /* GICv3 SGIs reach Aff0 0..15 */

typedef struct QaArmVirt {
    QaMachine parent_obj;
    uint32_t cluster_size; /* property */
} QaArmVirt;

#define QA_ARM_VIRT(o) QA_CAST(QaArmVirt, (o), QA_TYPE_ARM_VIRT_MACHINE)

/* vCPU @index's MPIDR affinity: Aff1 = cluster, Aff0 = core (QEMU virt). */
static uint64_t virt_mpidr(const QaArmVirt *v, uint32_t index)
{
    return (uint64_t)(index / v->cluster_size) << 8 | index % v->cluster_size;
}

static bool virt_add_cpus(QaMachine *m, QaFdt *fdt, GError **error)
{
    if (!(qa_fdt_add_node(fdt, "/cpus", error) &&
          qa_fdt_setprop_u32(fdt, "/cpus", "#address-cells", 1, error) &&
          qa_fdt_setprop_u32(fdt, "/cpus", "#size-cells", 0, error))) {
        return false;
    }
    /* libfdt puts a new node first: add in reverse to list in order */
    for (uint32_t i = m->cpus; i-- > 0;) {
        uint64_t mpidr = m->vcpus[i].arch_id;
        g_autofree char *path = g_strdup_printf("/cpus/cpu@%" PRIx64, mpidr);

        if (!(qa_fdt_add_node(fdt, path, error) &&
              qa_fdt_setprop_string(fdt, path, "device_type", "cpu", error) &&
              qa_fdt_setprop_string(fdt, path, "compatible", "arm,arm-v8",
                                    error) &&
              qa_fdt_setprop_u32(fdt, path, "reg", (uint32_t)mpidr, error))) {
            return false;
        }
    }
    return true;
}

/* Secondary vCPUs start through PSCI CPU_ON when the board has PSCI. */
static bool virt_set_enable_method(QaMachine *m, QaFdt *fdt, GError **error)
{
    if (!qa_fdt_node_exists(fdt, "/psci")) {
        return true;
    }
    for (uint32_t i = 0; i < m->cpus; i++) {
        g_autofree char *path =
            g_strdup_printf("/cpus/cpu@%" PRIx64, m->vcpus[i].arch_id);
        if (!qa_fdt_setprop_string(fdt, path, "enable-method", "psci", error)) {
            return false;
        }
    }
    return true;
}

/* The architected timer's PPIs (secure, non-secure, virtual, hyp). */
static bool virt_add_timer(QaFdt *fdt, GError **error)
{
    static const uint32_t ppis[] = {13, 14, 11, 10};
    uint32_t irqs[12];

    for (size_t i = 0; i < G_N_ELEMENTS(ppis); i++) {
        irqs[3 * i] = 1; /* PPI */
        irqs[3 * i + 1] = ppis[i];
        irqs[3 * i + 2] = 4; /* level high */
    }
    return qa_fdt_add_node(fdt, "/timer", error) &&
           qa_fdt_setprop_strings(
               fdt, "/timer", "compatible",
               (const char *const[]){"arm,armv8-timer", NULL}, error) &&
           qa_fdt_setprop_cells(fdt, "/timer", "interrupts", irqs, 12, error) &&
           qa_fdt_setprop_empty(fdt, "/timer", "always-on", error);
}

static bool virt_build_fdt(QaMachine *m, QaFdt *fdt, GError **error)
{
    uint32_t intc;

    if (!(qa_fdt_setprop_string(fdt, "/", "compatible", "linux,dummy-virt",
                                error) &&
          qa_fdt_setprop_string(fdt, "/", "model", "qaccel virt-arm64",
                                error) &&
          qa_fdt_setprop_u32(fdt, "/", "#address-cells", 2, error) &&
          qa_fdt_setprop_u32(fdt, "/", "#size-cells", 2, error) &&
          virt_add_cpus(m, fdt, error) &&
          qa_fdt_add_memory(fdt, m->ram_base, m->ram_size, error) &&
          qa_fdt_add_device_nodes(fdt, QA_OBJECT(m), error) &&
          virt_set_enable_method(m, fdt, error))) {
        return false;
    }
    if (qa_fdt_label_path(fdt, "intc")) {
        intc = qa_fdt_label_phandle(fdt, "intc", error);
        if (!intc ||
            !qa_fdt_setprop_u32(fdt, "/", "interrupt-parent", intc, error) ||
            !virt_add_timer(fdt, error)) {
            return false;
        }
    }
    return qa_fdt_add_chosen(fdt, m->append, error);
}

static bool virt_init(QaMachine *m, GError **error)
{
    QaArmVirt *v = QA_ARM_VIRT(m);
    g_autoptr(QaFdt) fdt = NULL;

    if (v->cluster_size < 1 || v->cluster_size > GIC_TARGET_LIST_MAX) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Property 'cluster-size': %u is out of range (1..%u)",
                    v->cluster_size, GIC_TARGET_LIST_MAX);
        return false;
    }
    for (uint32_t i = 0; i < m->cpus; i++) {
        m->vcpus[i].arch_id = virt_mpidr(v, i);
    }
    fdt = qa_fdt_new(error);
    if (!fdt || !virt_build_fdt(m, fdt, error)) {
        g_prefix_error(error, "device tree: ");
        return false;
    }
    return qa_fdt_install(fdt, m, error);
}

static const QaProperty virt_props[] = {
    {.name = "cluster-size",
     .kind = QA_PROP_UINT32,
     .offset = offsetof(QaArmVirt, cluster_size),
     .def.u = 16,
     .read_only = true,
     .doc = "vCPUs per cluster: vCPU N has MPIDR Aff1 = N / size, "
            "Aff0 = N % size (1..16)"},
    QA_PROPERTY_END};

static void virt_class_init(QaObjectClass *klass, const void *data)
{
    QaMachineClass *mc = (QaMachineClass *)klass;

    mc->arch = QA_ARCH_ARM64;
    mc->init = virt_init;
    qa_class_add_properties(klass, virt_props);
}

const QaTypeInfo qa_arm_virt_machine_type_info = {
    .name = QA_TYPE_ARM_VIRT_MACHINE,
    .parent = QA_TYPE_MACHINE,
    .description = "arm64 virt board: PSCI vCPUs (MPIDR by cluster), "
                   "device tree",
    .instance_size = sizeof(QaArmVirt),
    .class_init = virt_class_init,
};
