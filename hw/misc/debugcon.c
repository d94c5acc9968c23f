/*
 * isa-debugcon: the Bochs/QEMU debug console port.  Every byte the guest
 * writes goes to the machine's console; a read returns the readback value
 * (0xE9 by default), which is how firmware detects the port.  Same
 * device name and properties as QEMU's, so `-device isa-debugcon` (port
 * 0xE9) works the same on both; the x86 test guests print through it.
 */
#include <qaccel/error.h>
#include <qaccel/machine.h>

#define QA_TYPE_ISA_DEBUGCON "isa-debugcon"

typedef struct QaDebugcon {
    QaDevice parent_obj;
    uint32_t iobase;   /* property */
    uint32_t readback; /* property */
} QaDebugcon;

#define QA_DEBUGCON(o) QA_CAST(QaDebugcon, (o), QA_TYPE_ISA_DEBUGCON)

static uint64_t debugcon_read(void *opaque, uint64_t offset, unsigned size)
{
    return ((QaDebugcon *)opaque)->readback;
}

static void debugcon_write(void *opaque, uint64_t offset, uint64_t value,
                           unsigned size)
{
    QaDebugcon *d = opaque;
    char c = (char)value;

    qa_machine_console_write(d->parent_obj.machine, &c, 1);
}

static const QaIoOps debugcon_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
    .sizes = 1,
};

static bool debugcon_realize(QaDevice *dev, GError **error)
{
    QaDebugcon *d = QA_DEBUGCON(dev);
    QaIoRegion r = {
        .name = "isa-debugcon",
        .base = d->iobase,
        .size = 1,
        .ops = &debugcon_ops,
        .opaque = d,
    };

    if (!dev->machine || !dev->machine->io) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "isa-debugcon needs a machine with an I/O port space");
        return false;
    }
    if (d->iobase > 0xffff) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "isa-debugcon: iobase 0x%x is not an I/O port", d->iobase);
        return false;
    }
    return qa_address_space_add(dev->machine->io, &r, error);
}

static const QaProperty debugcon_props[] = {
    {.name = "iobase",
     .kind = QA_PROP_UINT32,
     .offset = offsetof(QaDebugcon, iobase),
     .def.u = 0xe9,
     .doc = "I/O port of the console",
     .read_only = true},
    {.name = "readback",
     .kind = QA_PROP_UINT32,
     .offset = offsetof(QaDebugcon, readback),
     .def.u = 0xe9,
     .doc = "value a read of the port returns"},
    QA_PROPERTY_END};

static void debugcon_class_init(QaObjectClass *klass, const void *data)
{
    QaDeviceClass *dc = (QaDeviceClass *)klass;

    dc->realize = debugcon_realize;
    dc->user_creatable = true;
    qa_class_add_properties(klass, debugcon_props);
}

const QaTypeInfo qa_isa_debugcon_type_info = {
    .name = QA_TYPE_ISA_DEBUGCON,
    .parent = QA_TYPE_DEVICE,
    .description = "debug console port: guest bytes to the console (0xE9)",
    .instance_size = sizeof(QaDebugcon),
    .class_init = debugcon_class_init,
};
