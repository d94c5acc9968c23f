/*
 * RISC-V SBI firmware device ("sbi"): the riscv boards' ecall handler.
 * The logic lives in sbi-core.c; this wrapper serialises calls, feeds the
 * core the machine's hart ids and RAM range, writes console output to the
 * machine's console and sends SRST and legacy shutdown through the
 * machine's system-event path exactly as riscv KVM would report them.
 */
#include <stdio.h>
#include <string.h>

#include "qaccel-config.h"
#include <qaccel/error.h>
#include <qaccel/machine.h>
#include <qaccel/sysevent.h>
#include "hw/firmware/sbi-core.h"

#define QA_TYPE_SBI "sbi"

typedef struct QaSbi {
    QaDevice parent_obj;
    uint64_t impl_id; /* properties */
    uint64_t impl_version;
    uint64_t mvendorid, marchid, mimpid;
    GMutex lock; /* guards core and harts */
    QaSbiState core;
    QaSbiHart *harts; /* built from the machine's vCPUs */
} QaSbi;

#define QA_SBI(o) QA_CAST(QaSbi, (o), QA_TYPE_SBI)

/* QACCEL_VERSION "X.Y.Z" as Linux encodes versions: X << 16 | Y << 8 | Z. */
static uint64_t qaccel_version_code(void)
{
    unsigned major = 0, minor = 0, micro = 0;

    if (sscanf(QACCEL_VERSION, "%u.%u.%u", &major, &minor, &micro) < 2) {
        return 0;
    }
    return (uint64_t)major << 16 | (minor & 0xff) << 8 | (micro & 0xff);
}

/*
 * (Re)build the per-hart table from the machine; lazily on the first call
 * (the board sets hart ids in its init hook) and at every reset.  Caller
 * holds the lock.
 */
static void sbi_sync_locked(QaSbi *s)
{
    QaMachine *m = s->parent_obj.machine;

    g_free(s->harts);
    s->harts = g_new0(QaSbiHart, m->cpus);
    for (uint32_t i = 0; i < m->cpus; i++) {
        s->harts[i].hartid = m->vcpus[i].arch_id;
    }
    s->core.nharts = m->cpus;
    s->core.harts = s->harts;
    s->core.ram_base = m->ram_base;
    s->core.ram_size = m->ram_size;
    s->core.impl_id = s->impl_id;
    s->core.impl_version =
        s->impl_version ? s->impl_version : qaccel_version_code();
    s->core.mvendorid = s->mvendorid;
    s->core.marchid = s->marchid;
    s->core.mimpid = s->mimpid;
    qa_sbi_reset(&s->core);
}

static void sbi_console_write(QaMachine *m, const QaSbiEffect *eff)
{
    if (eff->kind == QA_SBI_EFFECT_CONSOLE_BYTE) {
        char c = (char)eff->byte;
        qa_machine_console_write(m, &c, 1);
    } else {
        /* the core checked that [addr, addr + len) lies in RAM */
        qa_machine_console_write(
            m, (const char *)m->ram + (eff->addr - m->ram_base), eff->len);
    }
}

static void sbi_ecall(QaObject *obj, QaVcpu *cpu, uint64_t eid, uint64_t fid,
                      const uint64_t args[6], int64_t ret[2])
{
    QaSbi *s = QA_SBI(obj);
    QaMachine *m = s->parent_obj.machine;
    QaSbiEffect eff;

    g_mutex_lock(&s->lock);
    if (!s->harts) {
        sbi_sync_locked(s);
    }
    qa_sbi_call(&s->core, (unsigned)cpu->index, eid, fid, args, ret, &eff);
    g_mutex_unlock(&s->lock);

    switch (eff.kind) {
    case QA_SBI_EFFECT_SYSTEM_EVENT:
        g_debug("sbi: hart %d: eid 0x%" G_GINT64_MODIFIER "x -> %s", cpu->index,
                eid, qa_sysevent_type_name(eff.ev.type));
        qa_machine_system_event(m, cpu->index, &eff.ev, &eff.regs);
        break;
    case QA_SBI_EFFECT_CONSOLE_BYTE:
    case QA_SBI_EFFECT_CONSOLE_WRITE:
        sbi_console_write(m, &eff);
        break;
    case QA_SBI_EFFECT_CALLER_STOPPED:
        qa_machine_guest_error(m,
                               "sbi: ecall eid 0x%" G_GINT64_MODIFIER
                               "x from hart %d, which is stopped",
                               eid, cpu->index);
        break;
    case QA_SBI_EFFECT_HART_START:
        g_debug("sbi: hart %d: hart_start %d at 0x%" G_GINT64_MODIFIER "x",
                cpu->index, eff.target, eff.addr);
        break;
    case QA_SBI_EFFECT_HART_STOP:
    case QA_SBI_EFFECT_HART_SUSPEND:
    case QA_SBI_EFFECT_NONE:
        break;
    }
}

static bool sbi_realize(QaDevice *dev, GError **error)
{
    if (!dev->machine || dev->machine->arch != QA_ARCH_RISCV64) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "sbi needs a riscv64 machine");
        return false;
    }
    return true;
}

static void sbi_reset(QaDevice *dev)
{
    QaSbi *s = QA_SBI(dev);

    g_mutex_lock(&s->lock);
    sbi_sync_locked(s);
    g_mutex_unlock(&s->lock);
}

static char *get_hart_states(QaObject *obj, const QaProperty *prop)
{
    static const char *const names[] = {
        "started",   "stopped",         "start-pending",  "stop-pending",
        "suspended", "suspend-pending", "resume-pending",
    };
    QaSbi *s = QA_SBI(obj);
    GString *str = g_string_new(NULL);

    g_mutex_lock(&s->lock);
    if (!s->harts && s->parent_obj.machine && s->parent_obj.machine->vcpus) {
        sbi_sync_locked(s);
    }
    for (unsigned i = 0; s->harts && i < s->core.nharts; i++) {
        g_string_append_printf(str, "%s%s", i ? "," : "",
                               names[s->harts[i].state]);
    }
    g_mutex_unlock(&s->lock);
    return g_string_free(str, false);
}

static const QaProperty sbi_props[] = {
    {.name = "impl-id",
     .kind = QA_PROP_UINT64,
     .offset = offsetof(QaSbi, impl_id),
     .def.u = 3,
     .read_only = true,
     .doc = "sbi_get_impl_id (3 = KVM, what a guest sees from in-kernel "
            "SBI)"},
    {.name = "impl-version",
     .kind = QA_PROP_UINT64,
     .offset = offsetof(QaSbi, impl_version),
     .def.u = 0,
     .read_only = true,
     .doc = "sbi_get_impl_version (0: qaccel's version, X<<16|Y<<8|Z)"},
    {.name = "mvendorid",
     .kind = QA_PROP_UINT64,
     .offset = offsetof(QaSbi, mvendorid),
     .read_only = true,
     .doc = "sbi_get_mvendorid"},
    {.name = "marchid",
     .kind = QA_PROP_UINT64,
     .offset = offsetof(QaSbi, marchid),
     .read_only = true,
     .doc = "sbi_get_marchid"},
    {.name = "mimpid",
     .kind = QA_PROP_UINT64,
     .offset = offsetof(QaSbi, mimpid),
     .read_only = true,
     .doc = "sbi_get_mimpid"},
    {.name = "hart-states",
     .kind = QA_PROP_STRING,
     .get = get_hart_states,
     .doc = "per-hart HSM state: started, stopped, start-pending, ... "
            "(read-only)"},
    QA_PROPERTY_END};

static void sbi_class_init(QaObjectClass *klass, const void *data)
{
    QaDeviceClass *dc = (QaDeviceClass *)klass;
    QaSbiHandlerClass *sc =
        (QaSbiHandlerClass *)qa_class_cast(klass, QA_TYPE_SBI_HANDLER);

    dc->realize = sbi_realize;
    dc->reset = sbi_reset;
    dc->user_creatable = true;
    qa_class_add_properties(klass, sbi_props);
    g_assert(sc);
    sc->ecall = sbi_ecall;
}

static void sbi_instance_init(QaObject *obj)
{
    g_mutex_init(&QA_SBI(obj)->lock);
}

static void sbi_instance_finalize(QaObject *obj)
{
    QaSbi *s = QA_SBI(obj);

    g_free(s->harts);
    g_mutex_clear(&s->lock);
}

static const char *const sbi_interfaces[] = {QA_TYPE_SBI_HANDLER, NULL};

const QaTypeInfo qa_sbi_type_info = {
    .name = QA_TYPE_SBI,
    .parent = QA_TYPE_DEVICE,
    .description = "RISC-V SBI 2.0 firmware: BASE, HSM, SRST, DBCN, legacy "
                   "console and shutdown",
    .instance_size = sizeof(QaSbi),
    .interfaces = sbi_interfaces,
    .class_init = sbi_class_init,
    .instance_init = sbi_instance_init,
    .instance_finalize = sbi_instance_finalize,
};
