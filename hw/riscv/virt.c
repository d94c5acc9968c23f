/*
 * The riscv64 board class ("riscv-virt-machine", used by virt-riscv64):
 * QEMU virt's memory map and device tree for harts that call SBI.  Which
 * devices the board has (SBI, PLIC, 16550A UART, pvpanic-mmio) comes from
 * its config (configs/machines/virt-riscv64.conf); the board gives hart N
 * hart id N and builds the device tree from RAM, the harts (ISA string,
 * MMU type, timebase, cpu-map) and every device that has a node.
 */
#include <string.h>

#include <qaccel/error.h>
#include <qaccel/fdt.h>
#include <qaccel/machine.h>

#define QA_TYPE_RISCV_VIRT_MACHINE "riscv-virt-machine"

typedef struct QaRiscvVirt {
    QaMachine parent_obj;
    char *isa; /* properties */
    char *mmu_type;
    uint32_t timebase;
} QaRiscvVirt;

#define QA_RISCV_VIRT(o) QA_CAST(QaRiscvVirt, (o), QA_TYPE_RISCV_VIRT_MACHINE)

/*
 * Split an ISA string ("rv64imafdc_zicsr_zifencei") into the extension
 * names of riscv,isa-extensions; "g" stands for imafd_zicsr_zifencei.
 * Returns a NULL-terminated array, or NULL with an error.
 */
static char **isa_extensions(const char *isa, GError **error)
{
    g_autoptr(GPtrArray) ext = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) multi = NULL;
    bool g_seen = false;
    const char *p;

    if (g_ascii_strncasecmp(isa, "rv64", 4) != 0 || !isa[4]) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Property 'isa': '%s' is not an rv64 ISA string", isa);
        return NULL;
    }
    for (p = isa + 4; *p && *p != '_'; p++) {
        char c = g_ascii_tolower(*p);
        if (!g_ascii_isalpha(c)) {
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                        "Property 'isa': '%s': '%c' is not an extension", isa,
                        *p);
            return NULL;
        }
        if (c == 'g') {
            g_seen = true;
            for (const char *e = "imafd"; *e; e++) {
                g_ptr_array_add(ext, g_strndup(e, 1));
            }
        } else {
            g_ptr_array_add(ext, g_strndup(&c, 1));
        }
    }
    multi = g_strsplit(*p ? p + 1 : p, "_", -1);
    if (g_seen && !g_strv_contains((const char *const *)multi, "zicsr")) {
        g_ptr_array_add(ext, g_strdup("zicsr"));
        g_ptr_array_add(ext, g_strdup("zifencei"));
    }
    for (size_t i = 0; multi[i]; i++) {
        if (*multi[i]) {
            g_ptr_array_add(ext, g_ascii_strdown(multi[i], -1));
        }
    }
    g_ptr_array_add(ext, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&ext), false);
}

static bool virt_add_hart(QaRiscvVirt *v, QaFdt *fdt, uint32_t i, char **ext,
                          GError **error)
{
    QaMachine *m = &v->parent_obj;
    uint64_t hartid = m->vcpus[i].arch_id;
    g_autofree char *path =
        g_strdup_printf("/cpus/cpu@%" G_GINT64_MODIFIER "x", hartid);
    g_autofree char *intc = g_strdup_printf("%s/interrupt-controller", path);
    g_autofree char *label = g_strdup_printf("cpu%u-intc", i);

    if (!(qa_fdt_add_node(fdt, path, error) &&
          qa_fdt_setprop_string(fdt, path, "device_type", "cpu", error) &&
          qa_fdt_setprop_u32(fdt, path, "reg", (uint32_t)hartid, error) &&
          qa_fdt_setprop_string(fdt, path, "compatible", "riscv", error) &&
          qa_fdt_setprop_string(fdt, path, "status", "okay", error) &&
          qa_fdt_setprop_string(fdt, path, "riscv,isa", v->isa, error) &&
          qa_fdt_setprop_string(fdt, path, "riscv,isa-base", "rv64i", error) &&
          qa_fdt_setprop_strings(fdt, path, "riscv,isa-extensions",
                                 (const char *const *)ext, error))) {
        return false;
    }
    if (v->mmu_type && *v->mmu_type &&
        !qa_fdt_setprop_string(fdt, path, "mmu-type", v->mmu_type, error)) {
        return false;
    }
    return qa_fdt_add_node(fdt, intc, error) &&
           qa_fdt_setprop_string(fdt, intc, "compatible", "riscv,cpu-intc",
                                 error) &&
           qa_fdt_setprop_u32(fdt, intc, "#interrupt-cells", 1, error) &&
           qa_fdt_setprop_u32(fdt, intc, "#address-cells", 0, error) &&
           qa_fdt_setprop_empty(fdt, intc, "interrupt-controller", error) &&
           qa_fdt_set_label(fdt, label, intc, error);
}

/* One cluster holding every hart, as QEMU's single-socket virt. */
static bool virt_add_cpu_map(QaMachine *m, QaFdt *fdt, GError **error)
{
    const char *cluster = "/cpus/cpu-map/cluster0";

    if (!(qa_fdt_add_node(fdt, "/cpus/cpu-map", error) &&
          qa_fdt_add_node(fdt, cluster, error))) {
        return false;
    }
    /* libfdt puts a new node first: add in reverse to list in order */
    for (uint32_t i = m->cpus; i-- > 0;) {
        g_autofree char *cpu = g_strdup_printf(
            "/cpus/cpu@%" G_GINT64_MODIFIER "x", m->vcpus[i].arch_id);
        g_autofree char *core = g_strdup_printf("%s/core%u", cluster, i);
        uint32_t phandle = qa_fdt_phandle(fdt, cpu, error);

        if (!phandle || !qa_fdt_add_node(fdt, core, error) ||
            !qa_fdt_setprop_u32(fdt, core, "cpu", phandle, error)) {
            return false;
        }
    }
    return true;
}

static bool virt_add_cpus(QaRiscvVirt *v, QaFdt *fdt, GError **error)
{
    QaMachine *m = &v->parent_obj;
    g_auto(GStrv) ext = isa_extensions(v->isa ? v->isa : "", error);

    if (!ext) {
        return false;
    }
    if (!(qa_fdt_add_node(fdt, "/cpus", error) &&
          qa_fdt_setprop_u32(fdt, "/cpus", "#address-cells", 1, error) &&
          qa_fdt_setprop_u32(fdt, "/cpus", "#size-cells", 0, error) &&
          qa_fdt_setprop_u32(fdt, "/cpus", "timebase-frequency", v->timebase,
                             error))) {
        return false;
    }
    for (uint32_t i = m->cpus; i-- > 0;) {
        if (!virt_add_hart(v, fdt, i, ext, error)) {
            return false;
        }
    }
    return virt_add_cpu_map(m, fdt, error);
}

static bool virt_build_fdt(QaRiscvVirt *v, QaFdt *fdt, GError **error)
{
    QaMachine *m = &v->parent_obj;

    if (!(qa_fdt_setprop_string(fdt, "/", "compatible", "riscv-virtio",
                                error) &&
          qa_fdt_setprop_string(fdt, "/", "model", "qaccel virt-riscv64",
                                error) &&
          qa_fdt_setprop_u32(fdt, "/", "#address-cells", 2, error) &&
          qa_fdt_setprop_u32(fdt, "/", "#size-cells", 2, error) &&
          virt_add_cpus(v, fdt, error) &&
          qa_fdt_add_memory(fdt, m->ram_base, m->ram_size, error) &&
          qa_fdt_add_device_nodes(fdt, QA_OBJECT(m), error))) {
        return false;
    }
    /* devices with a plain "interrupts" refer to the PLIC */
    if (qa_fdt_label_path(fdt, "intc")) {
        uint32_t intc = qa_fdt_label_phandle(fdt, "intc", error);
        if (!intc ||
            !qa_fdt_setprop_u32(fdt, "/", "interrupt-parent", intc, error)) {
            return false;
        }
    }
    return qa_fdt_add_chosen(fdt, m->append, error);
}

static bool virt_init(QaMachine *m, GError **error)
{
    QaRiscvVirt *v = QA_RISCV_VIRT(m);
    g_autoptr(QaFdt) fdt = NULL;

    if (v->timebase == 0) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Property 'timebase-frequency': must not be 0");
        return false;
    }
    for (uint32_t i = 0; i < m->cpus; i++) {
        m->vcpus[i].arch_id = i;
    }
    fdt = qa_fdt_new(error);
    if (!fdt || !virt_build_fdt(v, fdt, error)) {
        g_prefix_error(error, "device tree: ");
        return false;
    }
    return qa_fdt_install(fdt, m, error);
}

static const QaProperty virt_props[] = {
    {.name = "isa",
     .kind = QA_PROP_STRING,
     .offset = offsetof(QaRiscvVirt, isa),
     .def.s = "rv64imafdc_zicsr_zifencei",
     .read_only = true,
     .doc = "hart ISA string (riscv,isa; split into riscv,isa-extensions)"},
    {.name = "mmu-type",
     .kind = QA_PROP_STRING,
     .offset = offsetof(QaRiscvVirt, mmu_type),
     .def.s = "riscv,sv48",
     .read_only = true,
     .doc = "hart MMU (riscv,sv39, riscv,sv48, riscv,sv57; empty: none)"},
    {.name = "timebase-frequency",
     .kind = QA_PROP_UINT32,
     .offset = offsetof(QaRiscvVirt, timebase),
     .def.u = 10000000,
     .read_only = true,
     .doc = "timer frequency in Hz (/cpus)"},
    QA_PROPERTY_END};

static void virt_class_init(QaObjectClass *klass, const void *data)
{
    QaMachineClass *mc = (QaMachineClass *)klass;

    mc->arch = QA_ARCH_RISCV64;
    mc->init = virt_init;
    qa_class_add_properties(klass, virt_props);
}

const QaTypeInfo qa_riscv_virt_machine_type_info = {
    .name = QA_TYPE_RISCV_VIRT_MACHINE,
    .parent = QA_TYPE_MACHINE,
    .description = "riscv64 virt board: SBI harts, device tree",
    .instance_size = sizeof(QaRiscvVirt),
    .class_init = virt_class_init,
};
