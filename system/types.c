/*
 * The one explicit table of every QOM type built into libqaccel.
 * Parents must come before children.  No constructor functions.
 */
#include "qaccel-config.h"
#include <qaccel/accel.h>
#include <qaccel/error.h>

extern const QaTypeInfo qa_device_type_info;
extern const QaTypeInfo qa_machine_type_info;
extern const QaTypeInfo qa_accel_type_info;
extern const QaTypeInfo qa_qtest_accel_type_info;
#if CONFIG_KVM
extern const QaTypeInfo qa_kvm_accel_type_info;
#endif
/* interfaces (hw/core/machine.c) */
extern const QaTypeInfo qa_smccc_handler_type_info;
extern const QaTypeInfo qa_sbi_handler_type_info;
extern const QaTypeInfo qa_msr_handler_type_info;
extern const QaTypeInfo qa_fdt_node_type_info;
/* boards and devices (add yours here and in the table below) */
extern const QaTypeInfo qa_x86_machine_type_info;
extern const QaTypeInfo qa_acpi_pm_type_info;
extern const QaTypeInfo qa_reset_control_type_info;
extern const QaTypeInfo qa_i8042_type_info;
extern const QaTypeInfo qa_pvpanic_type_info;
extern const QaTypeInfo qa_hyperv_crash_type_info;
extern const QaTypeInfo qa_isa_debugcon_type_info;
extern const QaTypeInfo qa_psci_type_info;
extern const QaTypeInfo qa_sbi_type_info;
extern const QaTypeInfo qa_pl011_type_info;
extern const QaTypeInfo qa_ns16550a_type_info;
extern const QaTypeInfo qa_pvpanic_mmio_type_info;
extern const QaTypeInfo qa_arm_gicv3_type_info;
extern const QaTypeInfo qa_riscv_plic_type_info;
extern const QaTypeInfo qa_arm_virt_machine_type_info;
extern const QaTypeInfo qa_riscv_virt_machine_type_info;

static const QaTypeInfo *const builtin_types[] = {
    &qa_device_type_info,
    &qa_machine_type_info,
    &qa_smccc_handler_type_info,
    &qa_sbi_handler_type_info,
    &qa_msr_handler_type_info,
    &qa_fdt_node_type_info,
    &qa_accel_type_info,
    &qa_qtest_accel_type_info,
#if CONFIG_KVM
    &qa_kvm_accel_type_info,
#endif
    /* boards and devices */
    &qa_x86_machine_type_info,
    &qa_acpi_pm_type_info,
    &qa_reset_control_type_info,
    &qa_i8042_type_info,
    &qa_pvpanic_type_info,
    &qa_hyperv_crash_type_info,
    &qa_isa_debugcon_type_info,
    &qa_psci_type_info,
    &qa_sbi_type_info,
    &qa_pl011_type_info,
    &qa_ns16550a_type_info,
    &qa_pvpanic_mmio_type_info,
    &qa_arm_gicv3_type_info,
    &qa_riscv_plic_type_info,
    &qa_arm_virt_machine_type_info,
    &qa_riscv_virt_machine_type_info,
};

void qa_types_register_builtin(void)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        for (gsize i = 0; i < G_N_ELEMENTS(builtin_types); i++) {
            g_autoptr(GError) err = NULL;
            if (!qa_type_register(builtin_types[i], &err)) {
                g_error("builtin type table: %s", err->message);
            }
        }
        g_once_init_leave(&done, 1);
    }
}
