/*
 * Reset Control Register at 0xCF9 (ICH9 RST_CNT, PIIX RCR), as QEMU
 * models it (spec/acpi-pm.md §6): a write with RST_CPU (bit 2) set asks
 * for a guest reset, whatever SYS_RST/FULL_RST say and without needing a
 * 0->1 edge; otherwise SYS_RST and FULL_RST (bits 1 and 3) latch and
 * read back.  The FADT RESET_REG points here with RESET_VALUE 0x0F.
 */
#include <qaccel/error.h>
#include <qaccel/machine.h>

#define QA_TYPE_RESET_CONTROL "reset-control"

#define RCR_SYS_RST 0x02
#define RCR_RST_CPU 0x04
#define RCR_FULL_RST 0x08
#define RCR_LATCHED (RCR_SYS_RST | RCR_FULL_RST)

typedef struct QaResetControl {
    QaDevice parent_obj;
    uint16_t port; /* property */
    GMutex lock;
    uint8_t value; /* latched bits 1 and 3 */
} QaResetControl;

#define QA_RESET_CONTROL(o) QA_CAST(QaResetControl, (o), QA_TYPE_RESET_CONTROL)

static uint64_t rcr_read(void *opaque, uint64_t offset, unsigned size)
{
    QaResetControl *rc = opaque;
    uint8_t v;

    g_mutex_lock(&rc->lock);
    v = rc->value;
    g_mutex_unlock(&rc->lock);
    return v;
}

static void rcr_write(void *opaque, uint64_t offset, uint64_t value,
                      unsigned size)
{
    QaResetControl *rc = opaque;
    uint8_t v = (uint8_t)value;

    if (v & RCR_RST_CPU) {
        g_autofree char *detail = g_strdup_printf("RST_CNT write 0x%02x", v);
        /* the register keeps its value until the reset clears it */
        qa_machine_guest_reset_request(rc->parent_obj.machine, -1,
                                       "reset-control", detail);
        return;
    }
    g_mutex_lock(&rc->lock);
    rc->value = v & RCR_LATCHED;
    g_mutex_unlock(&rc->lock);
}

static const QaIoOps rcr_ops = {
    .read = rcr_read,
    .write = rcr_write,
    .sizes = 1,
};

static void rcr_reset(QaDevice *dev)
{
    QaResetControl *rc = QA_RESET_CONTROL(dev);

    g_mutex_lock(&rc->lock);
    rc->value = 0;
    g_mutex_unlock(&rc->lock);
}

static bool rcr_realize(QaDevice *dev, GError **error)
{
    QaResetControl *rc = QA_RESET_CONTROL(dev);
    QaIoRegion r = {
        .name = "reset-control",
        .base = rc->port,
        .size = 1,
        .ops = &rcr_ops,
        .opaque = rc,
    };

    if (!dev->machine || !dev->machine->io) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "reset-control needs a machine with an I/O port space");
        return false;
    }
    if (!qa_address_space_add(dev->machine->io, &r, error)) {
        return false;
    }
    rcr_reset(dev);
    return true;
}

static const QaProperty rcr_props[] = {
    {.name = "port",
     .kind = QA_PROP_UINT16,
     .offset = offsetof(QaResetControl, port),
     .def.u = 0xcf9,
     .doc = "I/O port of the reset control register",
     .read_only = true},
    QA_PROPERTY_END};

static void rcr_class_init(QaObjectClass *klass, const void *data)
{
    QaDeviceClass *dc = (QaDeviceClass *)klass;

    dc->realize = rcr_realize;
    dc->reset = rcr_reset;
    qa_class_add_properties(klass, rcr_props);
}

static void rcr_instance_init(QaObject *obj)
{
    g_mutex_init(&((QaResetControl *)obj)->lock);
}

static void rcr_instance_finalize(QaObject *obj)
{
    g_mutex_clear(&((QaResetControl *)obj)->lock);
}

const QaTypeInfo qa_reset_control_type_info = {
    .name = QA_TYPE_RESET_CONTROL,
    .parent = QA_TYPE_DEVICE,
    .description = "x86 reset control register (0xCF9, ICH9 RST_CNT)",
    .instance_size = sizeof(QaResetControl),
    .class_init = rcr_class_init,
    .instance_init = rcr_instance_init,
    .instance_finalize = rcr_instance_finalize,
};
