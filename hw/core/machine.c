/*
 * The machine: builds a board from its config, owns RAM, address spaces
 * and the vCPU array, and routes firmware calls, MSRs and system events
 * from vCPUs to devices and to the request sink.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <qaccel/accel.h>
#include <qaccel/config.h>
#include <qaccel/error.h>
#include <qaccel/sysevent.h>

#define X86_IO_SPACE_SIZE 0x10000
#define PHYS_SPACE_SIZE (UINT64_C(1) << 48)

static const QaProperty machine_props[] = {
    {.name = "cpus",
     .kind = QA_PROP_UINT32,
     .offset = offsetof(QaMachine, cpus),
     .def.u = 1,
     .doc = "number of vCPUs (-smp)",
     .read_only = true},
    {.name = "memory",
     .kind = QA_PROP_SIZE,
     .offset = offsetof(QaMachine, ram_size),
     .def.u = 128 * 1024 * 1024,
     .doc = "guest RAM size (-m)",
     .read_only = true},
    {.name = "ram-base",
     .kind = QA_PROP_UINT64,
     .offset = offsetof(QaMachine, ram_base),
     .def.u = 0,
     .doc = "guest-physical address of RAM",
     .read_only = true},
    {.name = "dumpdtb",
     .kind = QA_PROP_STRING,
     .offset = offsetof(QaMachine, dumpdtb),
     .doc = "write the device tree blob to this file and exit"},
    {.name = "append",
     .kind = QA_PROP_STRING,
     .offset = offsetof(QaMachine, append),
     .doc = "kernel command line (/chosen/bootargs)"},
    {.name = "bios",
     .kind = QA_PROP_STRING,
     .offset = offsetof(QaMachine, bios),
     .doc = "firmware image (-bios)"},
    QA_PROPERTY_END};

/* cpus, memory and ram-base are fixed once RAM and vCPUs exist */
static bool machine_is_frozen(QaObject *obj)
{
    return ((QaMachine *)obj)->vcpus != NULL;
}

static void machine_class_init(QaObjectClass *klass, const void *data)
{
    QaMachineClass *mc = (QaMachineClass *)klass;

    klass->is_frozen = machine_is_frozen;
    qa_class_add_properties(klass, machine_props);
    mc->arch = QA_ARCH_X86_64;
}

static void machine_instance_init(QaObject *obj)
{
    QaMachine *m = (QaMachine *)obj;

    m->arch = QA_MACHINE_GET_CLASS(obj)->arch;
    m->globals = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    m->msr_handlers = g_ptr_array_new();
    m->logged_errors = g_hash_table_new(g_str_hash, g_str_equal);
    g_mutex_init(&m->lock);
}

static void machine_instance_finalize(QaObject *obj)
{
    QaMachine *m = (QaMachine *)obj;

    if (m->ram) {
        munmap(m->ram, m->ram_size);
    }
    qa_address_space_free(m->io);
    qa_address_space_free(m->mem);
    g_free(m->vcpus);
    if (m->fdt) {
        g_byte_array_unref(m->fdt);
    }
    g_free(m->name);
    g_free(m->description);
    g_ptr_array_unref(m->globals);
    g_ptr_array_unref(m->msr_handlers);
    g_hash_table_unref(m->logged_errors);
    g_mutex_clear(&m->lock);
}

const QaTypeInfo qa_machine_type_info = {
    .name = QA_TYPE_MACHINE,
    .parent = QA_TYPE_OBJECT,
    .description = "generic machine (RAM and devices from its config only)",
    .instance_size = sizeof(QaMachine),
    .class_size = sizeof(QaMachineClass),
    .class_init = machine_class_init,
    .instance_init = machine_instance_init,
    .instance_finalize = machine_instance_finalize,
};

#define INTERFACE_TYPE(var, tname, cls)                                        \
    const QaTypeInfo var = {                                                   \
        .name = tname,                                                         \
        .parent = QA_TYPE_INTERFACE,                                           \
        .class_size = sizeof(cls),                                             \
        .abstract = true,                                                      \
    }

INTERFACE_TYPE(qa_smccc_handler_type_info, QA_TYPE_SMCCC_HANDLER,
               QaSmcccHandlerClass);
INTERFACE_TYPE(qa_sbi_handler_type_info, QA_TYPE_SBI_HANDLER,
               QaSbiHandlerClass);
INTERFACE_TYPE(qa_msr_handler_type_info, QA_TYPE_MSR_HANDLER,
               QaMsrHandlerClass);
INTERFACE_TYPE(qa_fdt_node_type_info, QA_TYPE_FDT_NODE, QaFdtNodeClass);

/* ---- construction ---------------------------------------------------- */

QaMachine *qa_machine_get(void)
{
    QaObject *obj = qa_object_child(qa_object_root(), "machine");

    return obj ? (QaMachine *)qa_object_dynamic_cast(obj, QA_TYPE_MACHINE)
               : NULL;
}

static bool set_prop_from_config(QaObject *obj, const char *file,
                                 const char *group, const char *key,
                                 const char *value, GError **error)
{
    if (!qa_object_set_str(obj, key, value, error)) {
        g_prefix_error(error, "%s: [%s] %s: ", file, group, key);
        return false;
    }
    return true;
}

QaMachine *qa_machine_new(const QaMachineConfig *config, GError **error)
{
    const char *type = config->type ? config->type : QA_TYPE_MACHINE;
    const QaType *t = qa_type_lookup(type);
    g_autoptr(QaObject) obj = NULL;
    QaMachine *m;

    if (qa_machine_get()) {
        g_set_error(error, QA_ERROR, QA_ERROR_EXISTS,
                    "a machine already exists at /machine");
        return NULL;
    }
    if (!t || !qa_type_is_a(t, QA_TYPE_MACHINE)) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "%s: [machine] type: '%s' is not a machine type",
                    config->file, type);
        return NULL;
    }
    obj = qa_object_new(type, error);
    if (!obj) {
        g_prefix_error(error, "%s: [machine] type: ", config->file);
        return NULL;
    }
    m = (QaMachine *)obj;
    m->config = config;
    m->name = g_strdup(config->name);
    m->description = g_strdup(config->description);
    m->arch = config->arch;
    if (config->cpus) {
        m->cpus = config->cpus;
    }
    if (config->ram_size) {
        m->ram_size = config->ram_size;
    }
    for (guint i = 0; config->machine_keys && i < config->machine_keys->len;
         i++) {
        const char *key = g_ptr_array_index(config->machine_keys, i);
        if (!set_prop_from_config(
                obj, config->file, "machine", key,
                g_hash_table_lookup(config->machine_props, key), error)) {
            return NULL;
        }
    }
    if (!qa_object_add_child(qa_object_root(), "machine", obj, error)) {
        return NULL;
    }
    return m;
}

void qa_machine_add_global(QaMachine *m, const char *type, const char *prop,
                           const char *value)
{
    char **triple = g_new0(char *, 4);

    triple[0] = g_strdup(type);
    triple[1] = g_strdup(prop);
    triple[2] = g_strdup(value);
    g_ptr_array_add(m->globals, triple);
}

static bool alloc_ram(QaMachine *m, GError **error)
{
    QaIoRegion ram = {.name = "ram", .base = m->ram_base, .size = m->ram_size};

    if (m->ram_size == 0 || m->ram_size % 4096) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "memory: %" G_GUINT64_FORMAT
                    " is not a positive multiple of 4 KiB",
                    m->ram_size);
        return false;
    }
    /* anonymous and lazily backed: untouched RAM costs no RSS */
    m->ram = mmap(NULL, m->ram_size, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m->ram == MAP_FAILED) {
        m->ram = NULL;
        g_set_error(error, QA_ERROR, QA_ERROR_IO,
                    "cannot allocate %" G_GUINT64_FORMAT " bytes of RAM: %s",
                    m->ram_size, g_strerror(errno));
        return false;
    }
    ram.ram = m->ram;
    return qa_address_space_add(m->mem, &ram, error);
}

/* Cache the devices implementing the conduit interfaces. */
static void note_handlers(QaMachine *m, QaObject *dev)
{
    if (qa_object_is_a(dev, QA_TYPE_SMCCC_HANDLER) && !m->smccc_handler) {
        m->smccc_handler = dev;
    }
    if (qa_object_is_a(dev, QA_TYPE_SBI_HANDLER) && !m->sbi_handler) {
        m->sbi_handler = dev;
    }
    if (qa_object_is_a(dev, QA_TYPE_MSR_HANDLER)) {
        g_ptr_array_add(m->msr_handlers, dev);
    }
}

static bool apply_globals(QaMachine *m, QaObject *dev, GError **error)
{
    for (guint i = 0; i < m->globals->len; i++) {
        char **g = g_ptr_array_index(m->globals, i);
        if (qa_object_is_a(dev, g[0]) &&
            !qa_object_set_str(dev, g[1], g[2], error)) {
            g_prefix_error(error, "-global %s.%s=%s: ", g[0], g[1], g[2]);
            return false;
        }
    }
    return true;
}

static bool apply_props(QaObject *obj, GPtrArray *keys, GHashTable *props,
                        GError **error)
{
    g_autoptr(GList) hkeys = keys ? NULL : g_hash_table_get_keys(props);
    guint n = keys ? keys->len : g_list_length(hkeys);
    GList *l = hkeys;

    for (guint i = 0; i < n; i++) {
        const char *k = keys ? g_ptr_array_index(keys, i) : l->data;
        if (!qa_object_set_str(obj, k, g_hash_table_lookup(props, k), error)) {
            return false;
        }
        l = l ? l->next : NULL;
    }
    return true;
}

/*
 * Create, configure, attach and realize one device.  @keys gives the
 * property order (NULL: hash order).  Precedence, lowest first, as QEMU
 * layers machine-type compat properties, -global and -device: class
 * defaults, then a config's values (@board: the machine type's choice),
 * then -global, then -device's own values.
 */
static QaDevice *create_device(QaMachine *m, QaObject *parent, const char *name,
                               const char *type_name, const char *id,
                               GPtrArray *keys, GHashTable *props, bool board,
                               GError **error)
{
    const QaType *t = qa_type_lookup(type_name);
    g_autoptr(QaObject) obj = NULL;
    QaDevice *dev;

    if (!t || !qa_type_is_a(t, QA_TYPE_DEVICE) || qa_type_is_abstract(t)) {
        g_set_error(error, QA_ERROR, QA_ERROR_NOT_FOUND,
                    "'%s' is not a device type (try -device help)", type_name);
        return NULL;
    }
    obj = qa_object_new(type_name, error);
    if (!obj) {
        return NULL;
    }
    dev = (QaDevice *)obj;
    dev->id = g_strdup(id);
    dev->machine = m;
    if ((board && props && !apply_props(obj, keys, props, error)) ||
        !apply_globals(m, obj, error) ||
        (!board && props && !apply_props(obj, keys, props, error))) {
        return NULL;
    }
    if (!qa_object_add_child(parent, name, obj, error)) {
        return NULL;
    }
    if (!qa_device_realize(dev, error)) {
        qa_object_unparent(obj);
        return NULL;
    }
    note_handlers(m, obj);
    return dev;
}

static QaObject *container(QaObject *parent, const char *name)
{
    QaObject *c = qa_object_child(parent, name);

    if (!c) {
        g_autoptr(QaObject) obj = qa_object_new("container", NULL);
        g_assert(obj);
        qa_object_add_child(parent, name, obj, NULL);
        c = obj;
    }
    return c;
}

bool qa_machine_realize(QaMachine *m, GError **error)
{
    QaMachineClass *mc = QA_MACHINE_GET_CLASS(m);
    const QaMachineConfig *cfg = m->config;

    if (m->cpus == 0 || (cfg && cfg->max_cpus && m->cpus > cfg->max_cpus)) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "cpus: %u is out of range for machine '%s' (1..%u)",
                    m->cpus, m->name ? m->name : "?",
                    cfg && cfg->max_cpus ? cfg->max_cpus : 1);
        return false;
    }
    m->mem = qa_address_space_new("memory", PHYS_SPACE_SIZE);
    if (m->arch == QA_ARCH_X86_64) {
        m->io = qa_address_space_new("io", X86_IO_SPACE_SIZE);
    }
    if (!alloc_ram(m, error)) {
        return false;
    }
    m->vcpus = g_new0(QaVcpu, m->cpus);
    for (uint32_t i = 0; i < m->cpus; i++) {
        m->vcpus[i].index = (int)i;
        m->vcpus[i].arch_id = i;
        m->vcpus[i].machine = m;
    }
    container(QA_OBJECT(m), "peripheral");
    container(QA_OBJECT(m), "peripheral-anon");
    container(QA_OBJECT(m), "unattached");
    for (guint i = 0; cfg && cfg->devices && i < cfg->devices->len; i++) {
        QaDeviceConfig *dc = g_ptr_array_index(cfg->devices, i);
        if (!create_device(m, QA_OBJECT(m), dc->id, dc->type, dc->id, dc->keys,
                           dc->props, true, error)) {
            g_prefix_error(error, "%s: [device \"%s\"]: ", cfg->file, dc->id);
            return false;
        }
    }
    if (mc->init && !mc->init(m, error)) {
        g_prefix_error(error, "machine '%s': ", m->name ? m->name : "?");
        return false;
    }
    return true;
}

QaMachine *qa_machine_create(const QaMachineConfig *config, GError **error)
{
    QaMachine *m = qa_machine_new(config, error);

    if (m && !qa_machine_realize(m, error)) {
        qa_machine_destroy(m);
        return NULL;
    }
    return m;
}

static bool unrealize_one(QaObject *child, void *opaque)
{
    qa_object_foreach_child(child, unrealize_one, NULL);
    if (qa_object_is_a(child, QA_TYPE_DEVICE)) {
        qa_device_unrealize((QaDevice *)child);
    }
    return true;
}

void qa_machine_destroy(QaMachine *m)
{
    qa_object_foreach_child(QA_OBJECT(m), unrealize_one, NULL);
    qa_object_unparent(QA_OBJECT(m));
}

QaDevice *qa_machine_add_device(QaMachine *m, const char *type_name,
                                const char *id, GHashTable *props,
                                GError **error)
{
    g_autofree char *anon = NULL;
    QaObject *parent;
    QaDevice *dev;

    if (id) {
        parent = container(QA_OBJECT(m), "peripheral");
        if (qa_object_child(parent, id)) {
            g_set_error(error, QA_ERROR, QA_ERROR_EXISTS,
                        "Duplicate device ID '%s'", id);
            return NULL;
        }
    } else {
        parent = container(QA_OBJECT(m), "peripheral-anon");
        anon = g_strdup_printf("device[%u]", m->anon_devices++);
    }
    dev = create_device(m, parent, id ? id : anon, type_name, id, NULL, props,
                        false, error);
    if (!dev) {
        g_prefix_error(error, "-device %s: ", type_name);
    }
    return dev;
}

/* ---- runtime ---------------------------------------------------------- */

void qa_machine_reset(QaMachine *m)
{
    QaMachineClass *mc = QA_MACHINE_GET_CLASS(m);

    qa_device_reset_tree(QA_OBJECT(m));
    if (mc->reset) {
        mc->reset(m);
    }
    /* guest reset requests raised from now on belong to a new generation */
    qa_machine_reset_generation_bump(m);
}

void qa_machine_powerdown(QaMachine *m)
{
    QaMachineClass *mc = QA_MACHINE_GET_CLASS(m);

    if (mc->powerdown) {
        mc->powerdown(m);
    }
}

void qa_machine_wakeup(QaMachine *m)
{
    QaMachineClass *mc = QA_MACHINE_GET_CLASS(m);

    if (mc->wakeup) {
        mc->wakeup(m);
    } else {
        qa_machine_reset(m);
    }
}

void qa_machine_post(QaMachine *m, const QaMachineRequest *req)
{
    QaMachineRequest copy = *req;

    if (!copy.source) {
        copy.source = "device";
    }
    if (copy.kind < QA_REQ__MAX) {
        __atomic_fetch_add(&m->stats.requests[copy.kind], 1, __ATOMIC_RELAXED);
    }
    if (m->sink.post) {
        m->sink.post(m->sink.opaque, &copy);
    } else {
        g_autofree char *d = qa_request_describe(&copy);
        g_info("no request sink installed; dropped: %s", d);
    }
}

void qa_machine_system_event(QaMachine *m, int cpu, const QaSysEvent *ev,
                             const QaSysEventRegs *regs)
{
    QaMachineRequest req;
    unsigned t = ev->type < G_N_ELEMENTS(m->stats.by_type) ? ev->type : 0;
    unsigned src = ev->source < QA_SYSEVENT_SRC__MAX ? ev->source : 0;

    __atomic_fetch_add(&m->stats.by_type[t][src], 1, __ATOMIC_RELAXED);
    if (t == 0) {
        __atomic_fetch_add(&m->stats.unknown, 1, __ATOMIC_RELAXED);
    }
    if (ev->clamped) {
        __atomic_fetch_add(&m->stats.clamped, 1, __ATOMIC_RELAXED);
    }
    qa_sysevent_to_request(ev, m->arch, cpu, regs, &req);
    if (req.kind != QA_REQ_NONE) {
        qa_machine_post(m, &req);
    }
}

static QaVcpu *vcpu_of(QaMachine *m, int cpu, GError **error)
{
    if (cpu < 0 || (uint32_t)cpu >= m->cpus) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "vCPU %d does not exist (the machine has %u)", cpu,
                    m->cpus);
        return NULL;
    }
    return &m->vcpus[cpu];
}

static bool arch_check(QaMachine *m, QaArch arch, const char *what,
                       GError **error)
{
    if (m->arch != arch) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "%s needs a %s machine; '%s' is %s", what,
                    qa_arch_name(arch), m->name ? m->name : "this machine",
                    qa_arch_name(m->arch));
        return false;
    }
    return true;
}

bool qa_machine_smccc_call(QaMachine *m, int cpu, uint64_t regs[18], bool smc,
                           GError **error)
{
    QaVcpu *v = vcpu_of(m, cpu, error);

    if (!v || !arch_check(m, QA_ARCH_ARM64, smc ? "smc" : "hvc", error)) {
        return false;
    }
    if (m->smccc_handler) {
        QaSmcccHandlerClass *hc = QA_CLASS_OF(
            QaSmcccHandlerClass, m->smccc_handler, QA_TYPE_SMCCC_HANDLER);
        if (hc->call && hc->call(m->smccc_handler, v, regs, smc)) {
            return true;
        }
    }
    regs[0] = (uint64_t)-1; /* SMCCC_RET_NOT_SUPPORTED */
    return true;
}

bool qa_machine_sbi_call(QaMachine *m, int cpu, uint64_t eid, uint64_t fid,
                         const uint64_t args[6], int64_t ret[2], GError **error)
{
    QaVcpu *v = vcpu_of(m, cpu, error);

    if (!v || !arch_check(m, QA_ARCH_RISCV64, "ecall", error)) {
        return false;
    }
    ret[0] = -2; /* SBI_ERR_NOT_SUPPORTED */
    ret[1] = 0;
    if (m->sbi_handler) {
        QaSbiHandlerClass *hc =
            QA_CLASS_OF(QaSbiHandlerClass, m->sbi_handler, QA_TYPE_SBI_HANDLER);
        if (hc->ecall) {
            hc->ecall(m->sbi_handler, v, eid, fid, args, ret);
        }
    }
    return true;
}

static QaObject *msr_owner(QaMachine *m, uint32_t index,
                           QaMsrHandlerClass **hc_out)
{
    for (guint i = 0; i < m->msr_handlers->len; i++) {
        QaObject *dev = g_ptr_array_index(m->msr_handlers, i);
        QaMsrHandlerClass *hc =
            QA_CLASS_OF(QaMsrHandlerClass, dev, QA_TYPE_MSR_HANDLER);
        uint32_t count = 0, first = hc->range ? hc->range(dev, &count) : 0;
        if (index >= first && index - first < count) {
            *hc_out = hc;
            return dev;
        }
    }
    return NULL;
}

bool qa_machine_rdmsr(QaMachine *m, int cpu, uint32_t index, uint64_t *val,
                      bool *gp, GError **error)
{
    QaVcpu *v = vcpu_of(m, cpu, error);
    QaMsrHandlerClass *hc = NULL;
    QaObject *dev;

    if (!v || !arch_check(m, QA_ARCH_X86_64, "rdmsr", error)) {
        return false;
    }
    dev = msr_owner(m, index, &hc);
    *val = 0;
    *gp = !(dev && hc->rdmsr && hc->rdmsr(dev, v, index, val));
    return true;
}

bool qa_machine_wrmsr(QaMachine *m, int cpu, uint32_t index, uint64_t val,
                      bool *gp, GError **error)
{
    QaVcpu *v = vcpu_of(m, cpu, error);
    QaMsrHandlerClass *hc = NULL;
    QaObject *dev;

    if (!v || !arch_check(m, QA_ARCH_X86_64, "wrmsr", error)) {
        return false;
    }
    dev = msr_owner(m, index, &hc);
    *gp = !(dev && hc->wrmsr && hc->wrmsr(dev, v, index, val));
    return true;
}

int64_t qa_machine_clock_ns(QaMachine *m)
{
    return qa_accel_clock_ns(m->accel);
}

void qa_machine_console_write(QaMachine *m, const char *buf, size_t len)
{
    if (m->console.write) {
        m->console.write(m->console.opaque, buf, len);
    } else {
        fwrite(buf, 1, len, stdout);
        fflush(stdout);
    }
}

void qa_machine_guest_error(QaMachine *m, const char *fmt, ...)
{
    va_list ap;
    bool first;

    __atomic_fetch_add(&m->stats.guest_errors, 1, __ATOMIC_RELAXED);
    g_mutex_lock(&m->lock);
    first = g_hash_table_add(m->logged_errors, (gpointer)fmt);
    g_mutex_unlock(&m->lock);
    if (first) {
        g_autofree char *msg = NULL;
        va_start(ap, fmt);
        msg = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_info("guest error: %s (further ones of this kind are only counted)",
               msg);
    }
}

QaSysEventStats qa_machine_stats(QaMachine *m)
{
    QaSysEventStats s;
    const uint64_t *src = (const uint64_t *)&m->stats;
    uint64_t *dst = (uint64_t *)&s;

    /* every field is a uint64_t counter; a snapshot torn across counters
     * is fine, a torn counter is not */
    G_STATIC_ASSERT(sizeof(s) % sizeof(uint64_t) == 0);
    for (size_t i = 0; i < sizeof(s) / sizeof(uint64_t); i++) {
        dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
    }
    return s;
}
