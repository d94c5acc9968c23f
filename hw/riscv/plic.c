/*
 * RISC-V PLIC placeholder ("riscv-plic"): source priorities, per-context
 * enable bits and thresholds keep what is written.  One context per hart,
 * for supervisor external interrupts (qaccel is the M-mode firmware, so
 * there are no M-mode contexts).  It exists so the device tree has the
 * interrupt controller the UART refers to, at QEMU virt's address.
 *
 * Sources are level-triggered input lines (the unnamed GPIO list, ndev + 1
 * lines as in QEMU's sifive_plic; line 0 is the reserved source 0 and is
 * ignored): a line's level is its source's pending bit (read-only, as in
 * QEMU).  Nothing is delivered to a hart and a claim returns 0, so a
 * pending bit stays set until its line is lowered or the PLIC is reset.
 */
#include <string.h>

#include <qaccel/error.h>
#include <qaccel/fdt.h>
#include <qaccel/irq.h>
#include <qaccel/machine.h>

#define QA_TYPE_RISCV_PLIC "riscv-plic"

#define PLIC_SIZE 0x600000 /* room for 1024 contexts, as QEMU */
#define PLIC_PRIORITY 0x000000
#define PLIC_PENDING 0x001000
#define PLIC_ENABLE 0x002000
#define PLIC_ENABLE_STRIDE 0x80
#define PLIC_CONTEXT 0x200000
#define PLIC_CONTEXT_STRIDE 0x1000
#define PLIC_MAX_SOURCES 1024
#define IRQ_S_EXT 9 /* supervisor external interrupt */

typedef struct QaPlic {
    QaDevice parent_obj;
    uint64_t base;       /* properties */
    uint32_t ndev;       /* sources 1..ndev */
    GMutex lock;         /* guards the arrays */
    uint32_t *priority;  /* ndev + 1 */
    uint32_t *enable;    /* contexts * words */
    uint32_t *threshold; /* contexts */
    uint32_t *pending;   /* words; bit N = source N's line level */
    uint32_t words;      /* enable/pending words per context */
    uint32_t contexts;
} QaPlic;

#define QA_PLIC(o) QA_CAST(QaPlic, (o), QA_TYPE_RISCV_PLIC)

/* The register behind @offset, or NULL for read-as-zero/write-ignored. */
static uint32_t *plic_reg(QaPlic *p, uint64_t offset)
{
    uint64_t ctx, word;

    if (offset < PLIC_PENDING) {
        uint64_t src = offset / 4;
        return src >= 1 && src <= p->ndev ? &p->priority[src] : NULL;
    }
    if (offset >= PLIC_ENABLE && offset < PLIC_CONTEXT) {
        ctx = (offset - PLIC_ENABLE) / PLIC_ENABLE_STRIDE;
        word = (offset - PLIC_ENABLE) % PLIC_ENABLE_STRIDE / 4;
        return ctx < p->contexts && word < p->words
                   ? &p->enable[ctx * p->words + word]
                   : NULL;
    }
    if (offset >= PLIC_CONTEXT) {
        ctx = (offset - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE;
        if (ctx < p->contexts &&
            (offset - PLIC_CONTEXT) % PLIC_CONTEXT_STRIDE == 0) {
            return &p->threshold[ctx];
        }
    }
    /* pending bits and claim/complete: nothing is ever pending */
    return NULL;
}

static uint64_t plic_read(void *opaque, uint64_t offset, unsigned size)
{
    QaPlic *p = opaque;
    uint32_t *reg, val = 0;

    g_mutex_lock(&p->lock);
    reg = plic_reg(p, offset);
    if (reg) {
        val = *reg;
    } else if (offset >= PLIC_PENDING &&
               offset < PLIC_PENDING + 4 * (uint64_t)p->words) {
        val = p->pending[(offset - PLIC_PENDING) / 4];
    }
    g_mutex_unlock(&p->lock);
    return val;
}

static void plic_write(void *opaque, uint64_t offset, uint64_t value,
                       unsigned size)
{
    QaPlic *p = opaque;
    bool enable = offset >= PLIC_ENABLE && offset < PLIC_CONTEXT;
    uint32_t *reg;

    g_mutex_lock(&p->lock);
    reg = plic_reg(p, offset);
    if (reg && enable) {
        /* source 0 does not exist: its enable bit is hardwired to 0 */
        bool word0 = (offset - PLIC_ENABLE) % PLIC_ENABLE_STRIDE == 0;
        *reg = (uint32_t)value & (word0 ? ~1u : ~0u);
    } else if (reg) {
        /* priorities and thresholds are 3 bits wide, as on QEMU's virt */
        *reg = (uint32_t)value & 7;
    }
    g_mutex_unlock(&p->lock);
}

/* Input line @n (source n) changed; may run on any thread. */
static void plic_set_irq(void *opaque, int n, int level)
{
    QaPlic *p = opaque;
    uint32_t bit = 1u << (n % 32);

    if (n <= 0 || (uint32_t)n > p->ndev) {
        return; /* source 0 does not exist */
    }
    g_mutex_lock(&p->lock);
    if (level) {
        p->pending[n / 32] |= bit;
    } else {
        p->pending[n / 32] &= ~bit;
    }
    g_mutex_unlock(&p->lock);
}

static const QaIoOps plic_ops = {
    .read = plic_read,
    .write = plic_write,
    .sizes = 4,
};

static bool plic_add_fdt(QaObject *obj, QaFdt *fdt, GError **error)
{
    static const char *const compat[] = {"sifive,plic-1.0.0", "riscv,plic0",
                                         NULL};
    QaPlic *p = QA_PLIC(obj);
    g_autofree char *path =
        g_strdup_printf("/plic@%" G_GINT64_MODIFIER "x", p->base);
    g_autofree uint32_t *ext = g_new(uint32_t, 2 * p->contexts);

    /* context N is hart N's supervisor external interrupt */
    for (uint32_t i = 0; i < p->contexts; i++) {
        g_autofree char *label = g_strdup_printf("cpu%u-intc", i);
        ext[2 * i] = qa_fdt_label_phandle(fdt, label, error);
        ext[2 * i + 1] = IRQ_S_EXT;
        if (!ext[2 * i]) {
            return false;
        }
    }
    return qa_fdt_add_node(fdt, path, error) &&
           qa_fdt_setprop_strings(fdt, path, "compatible", compat, error) &&
           qa_fdt_setprop_reg(fdt, path, (const uint64_t[]){p->base, PLIC_SIZE},
                              1, error) &&
           qa_fdt_setprop_u32(fdt, path, "#interrupt-cells", 1, error) &&
           qa_fdt_setprop_u32(fdt, path, "#address-cells", 0, error) &&
           qa_fdt_setprop_empty(fdt, path, "interrupt-controller", error) &&
           qa_fdt_setprop_u32(fdt, path, "riscv,ndev", p->ndev, error) &&
           qa_fdt_setprop_cells(fdt, path, "interrupts-extended", ext,
                                2 * p->contexts, error) &&
           qa_fdt_set_label(fdt, "intc", path, error);
}

static bool plic_realize(QaDevice *dev, GError **error)
{
    QaPlic *p = QA_PLIC(dev);
    QaMachine *m = dev->machine;
    QaIoRegion r = {
        .name = "plic",
        .base = p->base,
        .size = PLIC_SIZE,
        .ops = &plic_ops,
        .opaque = p,
    };

    if (!m || m->arch != QA_ARCH_RISCV64 || !m->mem) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "riscv-plic needs a riscv64 machine");
        return false;
    }
    if (p->ndev == 0 || p->ndev >= PLIC_MAX_SOURCES) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Property 'ndev': %u is out of range (1..%u)", p->ndev,
                    PLIC_MAX_SOURCES - 1);
        return false;
    }
    p->contexts = m->cpus;
    p->words = (p->ndev + 1 + 31) / 32;
    p->priority = g_new0(uint32_t, p->ndev + 1);
    p->enable = g_new0(uint32_t, (size_t)p->contexts * p->words);
    p->threshold = g_new0(uint32_t, p->contexts);
    p->pending = g_new0(uint32_t, p->words);
    if (!qa_address_space_add(m->mem, &r, error)) {
        return false;
    }
    qa_gpio_init_in(QA_OBJECT(p), NULL, plic_set_irq, p, (int)p->ndev + 1);
    return true;
}

static void plic_free_arrays(QaPlic *p)
{
    g_clear_pointer(&p->priority, g_free);
    g_clear_pointer(&p->enable, g_free);
    g_clear_pointer(&p->threshold, g_free);
    g_clear_pointer(&p->pending, g_free);
}

static void plic_unrealize(QaDevice *dev)
{
    QaPlic *p = QA_PLIC(dev);

    qa_gpio_remove(QA_OBJECT(dev));
    qa_address_space_remove(dev->machine->mem, p);
    plic_free_arrays(p);
}

static void plic_reset(QaDevice *dev)
{
    QaPlic *p = QA_PLIC(dev);

    g_mutex_lock(&p->lock);
    if (p->priority) {
        memset(p->priority, 0, sizeof(uint32_t) * (p->ndev + 1));
        memset(p->enable, 0, sizeof(uint32_t) * p->contexts * p->words);
        memset(p->threshold, 0, sizeof(uint32_t) * p->contexts);
        /* as QEMU: a line still high shows again when it next changes */
        memset(p->pending, 0, sizeof(uint32_t) * p->words);
    }
    g_mutex_unlock(&p->lock);
}

static const QaProperty plic_props[] = {
    {.name = "base",
     .kind = QA_PROP_UINT64,
     .offset = offsetof(QaPlic, base),
     .def.u = 0x0c000000,
     .read_only = true,
     .doc = "guest-physical base (6 MiB window)"},
    {.name = "ndev",
     .kind = QA_PROP_UINT32,
     .offset = offsetof(QaPlic, ndev),
     .def.u = 95,
     .read_only = true,
     .doc = "number of interrupt sources (1..ndev)"},
    QA_PROPERTY_END};

static void plic_class_init(QaObjectClass *klass, const void *data)
{
    QaDeviceClass *dc = (QaDeviceClass *)klass;
    QaFdtNodeClass *fc =
        (QaFdtNodeClass *)qa_class_cast(klass, QA_TYPE_FDT_NODE);

    dc->realize = plic_realize;
    dc->unrealize = plic_unrealize;
    dc->reset = plic_reset;
    qa_class_add_properties(klass, plic_props);
    g_assert(fc);
    fc->add_fdt = plic_add_fdt;
}

static void plic_instance_init(QaObject *obj)
{
    g_mutex_init(&QA_PLIC(obj)->lock);
}

static void plic_instance_finalize(QaObject *obj)
{
    QaPlic *p = QA_PLIC(obj);

    qa_gpio_remove(obj);
    plic_free_arrays(p);
    g_mutex_clear(&p->lock);
}

static const char *const plic_interfaces[] = {QA_TYPE_FDT_NODE, NULL};

const QaTypeInfo qa_riscv_plic_type_info = {
    .name = QA_TYPE_RISCV_PLIC,
    .parent = QA_TYPE_DEVICE,
    .description = "RISC-V PLIC (registers and level-triggered source "
                   "lines; no interrupt delivery)",
    .instance_size = sizeof(QaPlic),
    .interfaces = plic_interfaces,
    .class_init = plic_class_init,
    .instance_init = plic_instance_init,
    .instance_finalize = plic_instance_finalize,
};
