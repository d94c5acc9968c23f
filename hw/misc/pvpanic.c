/*
 * ISA pvpanic device (QEMU `-device pvpanic`): one byte at port 0x505.
 * Reads return the supported-event mask (property "events", default
 * PANICKED | CRASH_LOADED | SHUTDOWN = 7; QEMU 5.2-8.2 reported 3),
 * writes report an event.  Not part of q35-lite by default: add it with
 * -device pvpanic or a config section, as on QEMU's q35.
 */
#include <qaccel/error.h>
#include "hw/misc/pvpanic.h"

#define QA_TYPE_PVPANIC "pvpanic"

typedef struct QaPvpanic {
    QaDevice parent_obj;
    uint16_t ioport; /* properties */
    uint8_t events;
    uint64_t ignored; /* writes with unknown bits (atomic) */
} QaPvpanic;

#define QA_PVPANIC(o) QA_CAST(QaPvpanic, (o), QA_TYPE_PVPANIC)

static uint64_t pvpanic_read(void *opaque, uint64_t offset, unsigned size)
{
    QaPvpanic *p = opaque;

    return p->events; /* read-only after realize: no lock */
}

static void pvpanic_write(void *opaque, uint64_t offset, uint64_t value,
                          unsigned size)
{
    QaPvpanic *p = opaque;

    if (qa_pvpanic_handle_event(p->parent_obj.machine, p->events, value,
                                "pvpanic")) {
        __atomic_fetch_add(&p->ignored, 1, __ATOMIC_RELAXED);
    }
}

static const QaIoOps pvpanic_ops = {
    .read = pvpanic_read,
    .write = pvpanic_write,
    .sizes = 1,
};

static bool pvpanic_realize(QaDevice *dev, GError **error)
{
    QaPvpanic *p = QA_PVPANIC(dev);
    QaIoRegion r = {
        .name = "pvpanic",
        .base = p->ioport,
        .size = 1,
        .ops = &pvpanic_ops,
        .opaque = p,
    };

    if (!dev->machine || !dev->machine->io) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "pvpanic needs a machine with an I/O port space "
                    "(use pvpanic-mmio elsewhere)");
        return false;
    }
    if (!qa_pvpanic_check_events(p->events, error)) {
        return false;
    }
    return qa_address_space_add(dev->machine->io, &r, error);
}

static char *get_ignored(QaObject *obj, const QaProperty *prop)
{
    QaPvpanic *p = QA_PVPANIC(obj);

    return g_strdup_printf("%" G_GUINT64_FORMAT,
                           __atomic_load_n(&p->ignored, __ATOMIC_RELAXED));
}

static const QaProperty pvpanic_props[] = {
    {.name = "ioport",
     .kind = QA_PROP_UINT16,
     .offset = offsetof(QaPvpanic, ioport),
     .def.u = 0x505,
     .doc = "I/O port",
     .read_only = true},
    {.name = "events",
     .kind = QA_PROP_UINT8,
     .offset = offsetof(QaPvpanic, events),
     .def.u = QA_PVPANIC_EVENTS_ALL,
     .doc = "supported events: 1 PANICKED, 2 CRASH_LOADED, 4 SHUTDOWN",
     .read_only = true},
    {.name = "ignored-writes",
     .kind = QA_PROP_UINT64,
     .get = get_ignored,
     .doc = "writes that carried unsupported event bits (read-only)"},
    QA_PROPERTY_END};

static void pvpanic_class_init(QaObjectClass *klass, const void *data)
{
    QaDeviceClass *dc = (QaDeviceClass *)klass;

    dc->realize = pvpanic_realize;
    dc->user_creatable = true;
    qa_class_add_properties(klass, pvpanic_props);
}

const QaTypeInfo qa_pvpanic_type_info = {
    .name = QA_TYPE_PVPANIC,
    .parent = QA_TYPE_DEVICE,
    .description = "pvpanic device on an ISA I/O port (guest panic, "
                   "crash kernel loaded, shutdown)",
    .instance_size = sizeof(QaPvpanic),
    .class_init = pvpanic_class_init,
};
