/*
 * GICv3 placeholder ("arm-gicv3"): the distributor and one redistributor
 * frame pair per vCPU, with the identification registers a driver probes
 * (GICD_TYPER/IIDR/PIDR2, GICR_TYPER with each vCPU's affinity and the
 * Last bit, GICR_WAKER) and everything else read-as-zero/write-ignored.
 * No interrupt is ever delivered: qaccel's arm64 guests poll.  It exists
 * so the device tree has the interrupt controller the board's other
 * nodes refer to, at QEMU virt's addresses.
 *
 * The SPIs are level-triggered input lines: the unnamed GPIO list, one
 * line per SPI (line i is INTID 32 + i, as the first part of QEMU's GIC
 * gpio-in list).  A line's level is its SPI's pending state, read in
 * GICD_ISPENDR<n> and GICD_ICPENDR<n>; writes to them are ignored (there
 * is no pending latch) and reset clears the state, as QEMU's GIC resets.
 */
#include <string.h>

#include <qaccel/error.h>
#include <qaccel/fdt.h>
#include <qaccel/irq.h>
#include <qaccel/machine.h>

#define QA_TYPE_ARM_GICV3 "arm-gicv3"

#define GICD_SIZE 0x10000
#define GICR_FRAME_SIZE 0x20000 /* RD_base + SGI_base, 64 KiB each */
#define GIC_NUM_IRQS 288        /* 32 private + 256 SPIs */
#define GIC_NUM_SPIS (GIC_NUM_IRQS - 32)

#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IIDR 0x0008
#define GICD_ISPENDR 0x0200
#define GICD_ICPENDR 0x0280
#define GICR_CTLR 0x0000
#define GICR_IIDR 0x0004
#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GIC_PIDR2 0xffe8

#define GIC_IIDR_ARM 0x0000043b
#define GIC_PIDR2_V3 0x3b       /* ArchRev 3 */
#define GICD_CTLR_WRITABLE 0x37 /* EnableGrp0/1NS/1S, ARE_S, ARE_NS */
#define GICR_TYPER_LAST (1u << 4)
#define WAKER_PROCESSOR_SLEEP (1u << 1)
#define WAKER_CHILDREN_ASLEEP (1u << 2)

typedef struct QaGicv3 {
    QaDevice parent_obj;
    uint64_t dist_base; /* properties */
    uint64_t redist_base;
    GMutex lock; /* guards the registers below */
    uint32_t ctlr;
    uint32_t *waker; /* per vCPU */
    /* line levels by INTID / 32; word 0 (SGIs/PPIs) stays 0 */
    uint32_t level[GIC_NUM_IRQS / 32];
} QaGicv3;

#define QA_GICV3(o) QA_CAST(QaGicv3, (o), QA_TYPE_ARM_GICV3)

static uint64_t gicd_read(void *opaque, uint64_t offset, unsigned size)
{
    QaGicv3 *g = opaque;
    uint64_t val = 0;

    if ((offset >= GICD_ISPENDR && offset < GICD_ISPENDR + GIC_NUM_IRQS / 8) ||
        (offset >= GICD_ICPENDR && offset < GICD_ICPENDR + GIC_NUM_IRQS / 8)) {
        /* both read the pending state; SGIs/PPIs live in the redistributor */
        g_mutex_lock(&g->lock);
        val = g->level[(offset % 0x80) / 4];
        g_mutex_unlock(&g->lock);
        return val;
    }
    switch (offset) {
    case GICD_CTLR:
        g_mutex_lock(&g->lock);
        val = g->ctlr;
        g_mutex_unlock(&g->lock);
        break;
    case GICD_TYPER:
        /* IDbits = 9 (10-bit INTIDs), ITLinesNumber = 288 / 32 - 1 */
        val = 9u << 19 | (GIC_NUM_IRQS / 32 - 1);
        break;
    case GICD_IIDR:
        val = GIC_IIDR_ARM;
        break;
    case GIC_PIDR2:
        val = GIC_PIDR2_V3;
        break;
    }
    return val;
}

static void gicd_write(void *opaque, uint64_t offset, uint64_t value,
                       unsigned size)
{
    QaGicv3 *g = opaque;

    if (offset == GICD_CTLR) {
        g_mutex_lock(&g->lock);
        g->ctlr = (uint32_t)value & GICD_CTLR_WRITABLE;
        g_mutex_unlock(&g->lock);
    }
}

/* Input line @n (SPI n, INTID 32 + n) changed; may run on any thread. */
static void gicv3_set_spi(void *opaque, int n, int level)
{
    QaGicv3 *g = opaque;
    uint32_t intid = 32 + (uint32_t)n;
    uint32_t bit = 1u << (intid % 32);

    if (n < 0 || n >= GIC_NUM_SPIS) {
        return;
    }
    g_mutex_lock(&g->lock);
    if (level) {
        g->level[intid / 32] |= bit;
    } else {
        g->level[intid / 32] &= ~bit;
    }
    g_mutex_unlock(&g->lock);
}

/* GICR_TYPER: affinity in 63:32, processor number in 23:8, Last. */
static uint64_t gicr_typer(QaGicv3 *g, uint32_t cpu)
{
    QaMachine *m = g->parent_obj.machine;
    uint64_t mpidr = m->vcpus[cpu].arch_id;
    uint64_t aff = (mpidr >> 8 & 0xff000000) | (mpidr & 0xffffff);

    return aff << 32 | (uint64_t)(cpu & 0xffff) << 8 |
           (cpu + 1 == m->cpus ? GICR_TYPER_LAST : 0);
}

static uint64_t gicr_read(void *opaque, uint64_t offset, unsigned size)
{
    QaGicv3 *g = opaque;
    uint32_t cpu = offset / GICR_FRAME_SIZE;
    uint64_t reg = offset % GICR_FRAME_SIZE, val = 0;

    switch (reg) {
    case GICR_IIDR:
        val = GIC_IIDR_ARM;
        break;
    case GICR_TYPER:
        val = gicr_typer(g, cpu);
        break;
    case GICR_TYPER + 4:
        val = gicr_typer(g, cpu) >> 32;
        break;
    case GICR_WAKER:
        g_mutex_lock(&g->lock);
        val = g->waker[cpu];
        g_mutex_unlock(&g->lock);
        break;
    case GIC_PIDR2:
        val = GIC_PIDR2_V3;
        break;
    }
    return val;
}

static void gicr_write(void *opaque, uint64_t offset, uint64_t value,
                       unsigned size)
{
    QaGicv3 *g = opaque;
    uint32_t cpu = offset / GICR_FRAME_SIZE;

    if (offset % GICR_FRAME_SIZE == GICR_WAKER) {
        /* the redistributor's children follow ProcessorSleep at once */
        g_mutex_lock(&g->lock);
        g->waker[cpu] = (value & WAKER_PROCESSOR_SLEEP)
                            ? WAKER_PROCESSOR_SLEEP | WAKER_CHILDREN_ASLEEP
                            : 0;
        g_mutex_unlock(&g->lock);
    }
}

static const QaIoOps gicd_ops = {
    .read = gicd_read,
    .write = gicd_write,
    .sizes = 4,
};
static const QaIoOps gicr_ops = {
    .read = gicr_read,
    .write = gicr_write,
    .sizes = 4 | 8,
};

static uint64_t redist_size(QaGicv3 *g)
{
    return (uint64_t)g->parent_obj.machine->cpus * GICR_FRAME_SIZE;
}

static bool gicv3_add_fdt(QaObject *obj, QaFdt *fdt, GError **error)
{
    QaGicv3 *g = QA_GICV3(obj);
    g_autofree char *path =
        g_strdup_printf("/intc@%" G_GINT64_MODIFIER "x", g->dist_base);
    /* maintenance interrupt: PPI 9, level high */
    const uint32_t maint[3] = {1, 9, 4};

    return qa_fdt_add_node(fdt, path, error) &&
           qa_fdt_setprop_string(fdt, path, "compatible", "arm,gic-v3",
                                 error) &&
           qa_fdt_setprop_u32(fdt, path, "#interrupt-cells", 3, error) &&
           qa_fdt_setprop_empty(fdt, path, "interrupt-controller", error) &&
           qa_fdt_setprop_u32(fdt, path, "#address-cells", 2, error) &&
           qa_fdt_setprop_u32(fdt, path, "#size-cells", 2, error) &&
           qa_fdt_setprop_empty(fdt, path, "ranges", error) &&
           qa_fdt_setprop_u32(fdt, path, "#redistributor-regions", 1, error) &&
           qa_fdt_setprop_reg(fdt, path,
                              (const uint64_t[]){g->dist_base, GICD_SIZE,
                                                 g->redist_base,
                                                 redist_size(g)},
                              2, error) &&
           qa_fdt_setprop_cells(fdt, path, "interrupts", maint, 3, error) &&
           qa_fdt_set_label(fdt, "intc", path, error);
}

static bool gicv3_realize(QaDevice *dev, GError **error)
{
    QaGicv3 *g = QA_GICV3(dev);
    QaMachine *m = dev->machine;
    QaIoRegion d = {
        .name = "gicv3-dist",
        .base = g->dist_base,
        .size = GICD_SIZE,
        .ops = &gicd_ops,
        .opaque = g,
    };
    QaIoRegion r = {
        .name = "gicv3-redist",
        .base = g->redist_base,
        .ops = &gicr_ops,
        .opaque = g,
    };

    if (!m || m->arch != QA_ARCH_ARM64 || !m->mem || !m->vcpus) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "arm-gicv3 needs an arm64 machine");
        return false;
    }
    r.size = redist_size(g);
    g->waker = g_new0(uint32_t, m->cpus);
    for (uint32_t i = 0; i < m->cpus; i++) {
        g->waker[i] = WAKER_PROCESSOR_SLEEP | WAKER_CHILDREN_ASLEEP;
    }
    if (!qa_address_space_add(m->mem, &d, error) ||
        !qa_address_space_add(m->mem, &r, error)) {
        qa_address_space_remove(m->mem, g);
        g_clear_pointer(&g->waker, g_free);
        return false;
    }
    qa_gpio_init_in(QA_OBJECT(g), NULL, gicv3_set_spi, g, GIC_NUM_SPIS);
    return true;
}

static void gicv3_unrealize(QaDevice *dev)
{
    QaGicv3 *g = QA_GICV3(dev);

    qa_gpio_remove(QA_OBJECT(dev));
    qa_address_space_remove(dev->machine->mem, g);
    g_clear_pointer(&g->waker, g_free);
}

static void gicv3_reset(QaDevice *dev)
{
    QaGicv3 *g = QA_GICV3(dev);

    g_mutex_lock(&g->lock);
    g->ctlr = 0;
    memset(g->level, 0, sizeof(g->level));
    for (uint32_t i = 0; g->waker && i < dev->machine->cpus; i++) {
        /* redistributors come out of reset asleep */
        g->waker[i] = WAKER_PROCESSOR_SLEEP | WAKER_CHILDREN_ASLEEP;
    }
    g_mutex_unlock(&g->lock);
}

static const QaProperty gicv3_props[] = {
    {.name = "dist-base",
     .kind = QA_PROP_UINT64,
     .offset = offsetof(QaGicv3, dist_base),
     .def.u = 0x08000000,
     .read_only = true,
     .doc = "distributor base (64 KiB)"},
    {.name = "redist-base",
     .kind = QA_PROP_UINT64,
     .offset = offsetof(QaGicv3, redist_base),
     .def.u = 0x080a0000,
     .read_only = true,
     .doc = "redistributor base (128 KiB per vCPU)"},
    QA_PROPERTY_END};

static void gicv3_class_init(QaObjectClass *klass, const void *data)
{
    QaDeviceClass *dc = (QaDeviceClass *)klass;
    QaFdtNodeClass *fc =
        (QaFdtNodeClass *)qa_class_cast(klass, QA_TYPE_FDT_NODE);

    dc->realize = gicv3_realize;
    dc->unrealize = gicv3_unrealize;
    dc->reset = gicv3_reset;
    qa_class_add_properties(klass, gicv3_props);
    g_assert(fc);
    fc->add_fdt = gicv3_add_fdt;
}

static void gicv3_instance_init(QaObject *obj)
{
    g_mutex_init(&QA_GICV3(obj)->lock);
}

static void gicv3_instance_finalize(QaObject *obj)
{
    QaGicv3 *g = QA_GICV3(obj);

    qa_gpio_remove(obj);
    g_free(g->waker);
    g_mutex_clear(&g->lock);
}

static const char *const gicv3_interfaces[] = {QA_TYPE_FDT_NODE, NULL};

const QaTypeInfo qa_arm_gicv3_type_info = {
    .name = QA_TYPE_ARM_GICV3,
    .parent = QA_TYPE_DEVICE,
    .description = "GICv3 distributor and redistributors (identification "
                   "registers, level-triggered SPI lines; no interrupt "
                   "delivery)",
    .instance_size = sizeof(QaGicv3),
    .interfaces = gicv3_interfaces,
    .class_init = gicv3_class_init,
    .instance_init = gicv3_instance_init,
    .instance_finalize = gicv3_instance_finalize,
};
