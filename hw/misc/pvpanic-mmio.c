/*
 * Memory-mapped pvpanic device ("pvpanic-mmio", QEMU's pvpanic-mmio and
 * the "qemu,pvpanic-mmio" device tree binding): a two-byte window whose
 * reads return the supported-event mask and whose writes report an event.
 * The protocol itself is shared with the ISA device (pvpanic-common.c).
 */
#include <qaccel/error.h>
#include <qaccel/fdt.h>
#include "hw/misc/pvpanic.h"

#define QA_TYPE_PVPANIC_MMIO "pvpanic-mmio"
#define PVPANIC_MMIO_SIZE 2

typedef struct QaPvpanicMmio {
    QaDevice parent_obj;
    uint64_t base; /* properties */
    uint8_t events;
    uint64_t ignored; /* writes with unsupported bits (atomic) */
} QaPvpanicMmio;

#define QA_PVPANIC_MMIO(o) QA_CAST(QaPvpanicMmio, (o), QA_TYPE_PVPANIC_MMIO)

static uint64_t pvpanic_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    QaPvpanicMmio *p = opaque;

    return p->events; /* read-only after realize: no lock */
}

static void pvpanic_mmio_write(void *opaque, uint64_t offset, uint64_t value,
                               unsigned size)
{
    QaPvpanicMmio *p = opaque;

    if (qa_pvpanic_handle_event(p->parent_obj.machine, p->events, value,
                                QA_TYPE_PVPANIC_MMIO)) {
        __atomic_fetch_add(&p->ignored, 1, __ATOMIC_RELAXED);
    }
}

static const QaIoOps pvpanic_mmio_ops = {
    .read = pvpanic_mmio_read,
    .write = pvpanic_mmio_write,
    .sizes = 1,
};

static bool pvpanic_mmio_add_fdt(QaObject *obj, QaFdt *fdt, GError **error)
{
    QaPvpanicMmio *p = QA_PVPANIC_MMIO(obj);
    g_autofree char *path =
        g_strdup_printf("/pvpanic@%" G_GINT64_MODIFIER "x", p->base);

    return qa_fdt_add_node(fdt, path, error) &&
           qa_fdt_setprop_string(fdt, path, "compatible", "qemu,pvpanic-mmio",
                                 error) &&
           qa_fdt_setprop_reg(fdt, path,
                              (const uint64_t[]){p->base, PVPANIC_MMIO_SIZE}, 1,
                              error);
}

static bool pvpanic_mmio_realize(QaDevice *dev, GError **error)
{
    QaPvpanicMmio *p = QA_PVPANIC_MMIO(dev);
    QaIoRegion r = {
        .name = QA_TYPE_PVPANIC_MMIO,
        .base = p->base,
        .size = PVPANIC_MMIO_SIZE,
        .ops = &pvpanic_mmio_ops,
        .opaque = p,
    };

    if (!dev->machine || !dev->machine->mem) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "pvpanic-mmio needs a machine with a memory space");
        return false;
    }
    if (!qa_pvpanic_check_events(p->events, error)) {
        return false;
    }
    return qa_address_space_add(dev->machine->mem, &r, error);
}

static char *get_ignored(QaObject *obj, const QaProperty *prop)
{
    QaPvpanicMmio *p = QA_PVPANIC_MMIO(obj);

    return g_strdup_printf("%" G_GUINT64_FORMAT,
                           __atomic_load_n(&p->ignored, __ATOMIC_RELAXED));
}

static const QaProperty pvpanic_mmio_props[] = {
    {.name = "base",
     .kind = QA_PROP_UINT64,
     .offset = offsetof(QaPvpanicMmio, base),
     .def.u = 0x09050000,
     .read_only = true,
     .doc = "guest-physical base (2-byte window)"},
    {.name = "events",
     .kind = QA_PROP_UINT8,
     .offset = offsetof(QaPvpanicMmio, events),
     .def.u = QA_PVPANIC_EVENTS_ALL,
     .read_only = true,
     .doc = "supported events: 1 PANICKED, 2 CRASH_LOADED, 4 SHUTDOWN"},
    {.name = "ignored-writes",
     .kind = QA_PROP_UINT64,
     .get = get_ignored,
     .doc = "writes that carried unsupported event bits (read-only)"},
    QA_PROPERTY_END};

static void pvpanic_mmio_class_init(QaObjectClass *klass, const void *data)
{
    QaDeviceClass *dc = (QaDeviceClass *)klass;
    QaFdtNodeClass *fc =
        (QaFdtNodeClass *)qa_class_cast(klass, QA_TYPE_FDT_NODE);

    dc->realize = pvpanic_mmio_realize;
    dc->user_creatable = true;
    qa_class_add_properties(klass, pvpanic_mmio_props);
    g_assert(fc);
    fc->add_fdt = pvpanic_mmio_add_fdt;
}

static const char *const pvpanic_mmio_interfaces[] = {QA_TYPE_FDT_NODE, NULL};

const QaTypeInfo qa_pvpanic_mmio_type_info = {
    .name = QA_TYPE_PVPANIC_MMIO,
    .parent = QA_TYPE_DEVICE,
    .description = "pvpanic device in guest memory (guest panic, crash "
                   "kernel loaded, shutdown)",
    .instance_size = sizeof(QaPvpanicMmio),
    .interfaces = pvpanic_mmio_interfaces,
    .class_init = pvpanic_mmio_class_init,
};
