/*
 * The x86 board class ("x86-machine", used by q35-lite): an I/O port space
 * next to guest memory, and the board side of the power controls -- the
 * ACPI power button for QMP system_powerdown and the S3 wake-up path for
 * QMP system_wakeup.  Which devices the board has comes from its config
 * (configs/machines/q35-lite.conf).
 */
#include <qaccel/machine.h>
#include "hw/acpi/acpi-pm.h"

#define QA_TYPE_X86_MACHINE "x86-machine"

typedef struct FindCtx {
    const char *type;
    QaObject *found;
} FindCtx;

static bool find_one(QaObject *child, void *opaque)
{
    FindCtx *ctx = opaque;

    if (qa_object_is_a(child, ctx->type)) {
        ctx->found = child;
        return false;
    }
    return qa_object_foreach_child(child, find_one, ctx);
}

/* The first device of @type below the machine (config or -device). */
static QaObject *find_device(QaMachine *m, const char *type)
{
    FindCtx ctx = {.type = type};

    qa_object_foreach_child(QA_OBJECT(m), find_one, &ctx);
    return ctx.found;
}

static void x86_machine_powerdown(QaMachine *m)
{
    QaObject *pm = find_device(m, QA_TYPE_ACPI_PM);

    if (pm) {
        qa_acpi_pm_power_button(QA_ACPI_PM(pm));
    } else {
        g_debug("x86-machine: no acpi-pm device, power button ignored");
    }
}

/*
 * Wake from S3 as QEMU's pc machines do: reset the whole machine (the
 * firmware's resume vector takes over), then report the wake in PM1_STS
 * -- WAK_STS, plus PWRBTN_STS as QEMU's "other" wake reason.
 */
static void x86_machine_wakeup(QaMachine *m)
{
    QaObject *pm;

    qa_machine_reset(m);
    pm = find_device(m, QA_TYPE_ACPI_PM);
    if (pm) {
        qa_acpi_pm_wake(QA_ACPI_PM(pm), QA_ACPI_WAKE_OTHER);
    }
}

static void x86_machine_class_init(QaObjectClass *klass, const void *data)
{
    QaMachineClass *mc = (QaMachineClass *)klass;

    mc->arch = QA_ARCH_X86_64;
    mc->powerdown = x86_machine_powerdown;
    mc->wakeup = x86_machine_wakeup;
}

const QaTypeInfo qa_x86_machine_type_info = {
    .name = QA_TYPE_X86_MACHINE,
    .parent = QA_TYPE_MACHINE,
    .description = "x86 board: I/O ports, ACPI power button and S3 wake-up",
    .class_init = x86_machine_class_init,
};
