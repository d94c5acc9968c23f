/*
 * Arm PL011 UART ("pl011"), transmit side only: bytes written to UARTDR go
 * to the machine's console; the transmit FIFO is always empty and the
 * receive FIFO always empty, so polled drivers and earlycon work.  The
 * control registers keep what is written; interrupts are never raised.
 * The device tree node follows QEMU's virt board (GIC SPI, apb_pclk).
 */
#include <qaccel/error.h>
#include <qaccel/fdt.h>
#include <qaccel/machine.h>

#define QA_TYPE_PL011 "pl011"
#define PL011_SIZE 0x1000

/* Register offsets. */
enum {
    UARTDR = 0x000,
    UARTRSR = 0x004,
    UARTFR = 0x018,
    UARTILPR = 0x020,
    UARTIBRD = 0x024,
    UARTFBRD = 0x028,
    UARTLCR_H = 0x02c,
    UARTCR = 0x030,
    UARTIFLS = 0x034,
    UARTIMSC = 0x038,
    UARTRIS = 0x03c,
    UARTMIS = 0x040,
    UARTICR = 0x044,
    UARTDMACR = 0x048,
    UARTPERIPHID0 = 0xfe0,
};

#define FR_RXFE 0x10
#define FR_TXFE 0x80
#define CR_RESET 0x300 /* TXE | RXE */
#define IFLS_RESET 0x12

/* PrimeCell peripheral and cell ids of a PL011 r1p5. */
static const uint8_t pl011_ids[8] = {0x11, 0x10, 0x14, 0x00,
                                     0x0d, 0xf0, 0x05, 0xb1};

typedef struct QaPl011 {
    QaDevice parent_obj;
    uint64_t base; /* properties */
    uint32_t irq;  /* GIC SPI number */
    GMutex lock;   /* guards the registers */
    uint32_t ilpr, ibrd, fbrd, lcr_h, cr, ifls, imsc, dmacr;
} QaPl011;

#define QA_PL011(o) QA_CAST(QaPl011, (o), QA_TYPE_PL011)

/* The storage behind a plain read/write register, or NULL. */
static uint32_t *pl011_reg(QaPl011 *u, uint64_t offset)
{
    switch (offset) {
    case UARTILPR:
        return &u->ilpr;
    case UARTIBRD:
        return &u->ibrd;
    case UARTFBRD:
        return &u->fbrd;
    case UARTLCR_H:
        return &u->lcr_h;
    case UARTCR:
        return &u->cr;
    case UARTIFLS:
        return &u->ifls;
    case UARTIMSC:
        return &u->imsc;
    case UARTDMACR:
        return &u->dmacr;
    default:
        return NULL;
    }
}

static uint64_t pl011_read(void *opaque, uint64_t offset, unsigned size)
{
    QaPl011 *u = opaque;
    uint32_t *reg;
    uint64_t val = 0;

    if (offset >= UARTPERIPHID0 && offset < PL011_SIZE) {
        return pl011_ids[(offset - UARTPERIPHID0) >> 2 & 7];
    }
    if (offset == UARTFR) {
        return FR_TXFE | FR_RXFE;
    }
    g_mutex_lock(&u->lock);
    reg = pl011_reg(u, offset);
    if (reg) {
        val = *reg;
    }
    g_mutex_unlock(&u->lock);
    /* UARTDR, RSR, RIS, MIS and reserved offsets read as zero. */
    return val;
}

static void pl011_write(void *opaque, uint64_t offset, uint64_t value,
                        unsigned size)
{
    QaPl011 *u = opaque;
    uint32_t *reg;

    if (offset == UARTDR) {
        char c = (char)value;
        /* QEMU transmits even with the UART disabled; so do we. */
        qa_machine_console_write(u->parent_obj.machine, &c, 1);
        return;
    }
    g_mutex_lock(&u->lock);
    reg = pl011_reg(u, offset);
    if (reg) {
        *reg = (uint32_t)value;
    }
    g_mutex_unlock(&u->lock);
}

static const QaIoOps pl011_ops = {
    .read = pl011_read,
    .write = pl011_write,
    .sizes = 4,
};

static bool pl011_add_fdt(QaObject *obj, QaFdt *fdt, GError **error)
{
    static const char *const compat[] = {"arm,pl011", "arm,primecell", NULL};
    static const char *const clock_names[] = {"uartclk", "apb_pclk", NULL};
    QaPl011 *u = QA_PL011(obj);
    g_autofree char *path =
        g_strdup_printf("/pl011@%" G_GINT64_MODIFIER "x", u->base);
    const char *clk = "/apb-pclk";
    const uint32_t irq[3] = {0 /* SPI */, u->irq, 4 /* level high */};
    uint32_t phandle, clocks[2];

    /* One fixed 24 MHz clock serves every PL011, as on QEMU's virt. */
    if (!qa_fdt_node_exists(fdt, clk) &&
        !(qa_fdt_add_node(fdt, clk, error) &&
          qa_fdt_setprop_string(fdt, clk, "compatible", "fixed-clock", error) &&
          qa_fdt_setprop_u32(fdt, clk, "#clock-cells", 0, error) &&
          qa_fdt_setprop_u32(fdt, clk, "clock-frequency", 24000000, error) &&
          qa_fdt_setprop_string(fdt, clk, "clock-output-names", "clk24mhz",
                                error))) {
        return false;
    }
    phandle = qa_fdt_phandle(fdt, clk, error);
    if (!phandle) {
        return false;
    }
    clocks[0] = clocks[1] = phandle;
    if (!(qa_fdt_add_node(fdt, path, error) &&
          qa_fdt_setprop_strings(fdt, path, "compatible", compat, error) &&
          qa_fdt_setprop_reg(fdt, path, (const uint64_t[]){u->base, PL011_SIZE},
                             1, error) &&
          qa_fdt_setprop_cells(fdt, path, "interrupts", irq, 3, error) &&
          qa_fdt_setprop_cells(fdt, path, "clocks", clocks, 2, error) &&
          qa_fdt_setprop_strings(fdt, path, "clock-names", clock_names,
                                 error))) {
        return false;
    }
    /* The first UART is the console. */
    return qa_fdt_label_path(fdt, "stdout") ||
           qa_fdt_set_label(fdt, "stdout", path, error);
}

static bool pl011_realize(QaDevice *dev, GError **error)
{
    QaPl011 *u = QA_PL011(dev);
    QaIoRegion r = {
        .name = "pl011",
        .base = u->base,
        .size = PL011_SIZE,
        .ops = &pl011_ops,
        .opaque = u,
    };

    if (!dev->machine || !dev->machine->mem) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "pl011 needs a machine with a memory space");
        return false;
    }
    if (u->base % PL011_SIZE) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Property 'base': 0x%" G_GINT64_MODIFIER
                    "x is not 4 KiB aligned",
                    u->base);
        return false;
    }
    return qa_address_space_add(dev->machine->mem, &r, error);
}

static void pl011_reset(QaDevice *dev)
{
    QaPl011 *u = QA_PL011(dev);

    g_mutex_lock(&u->lock);
    u->ilpr = u->ibrd = u->fbrd = u->lcr_h = u->imsc = u->dmacr = 0;
    u->cr = CR_RESET;
    u->ifls = IFLS_RESET;
    g_mutex_unlock(&u->lock);
}

static const QaProperty pl011_props[] = {
    {.name = "base",
     .kind = QA_PROP_UINT64,
     .offset = offsetof(QaPl011, base),
     .def.u = 0x09000000,
     .read_only = true,
     .doc = "guest-physical base (4 KiB window)"},
    {.name = "irq",
     .kind = QA_PROP_UINT32,
     .offset = offsetof(QaPl011, irq),
     .def.u = 1,
     .read_only = true,
     .doc = "GIC SPI number in the device tree"},
    QA_PROPERTY_END};

static void pl011_class_init(QaObjectClass *klass, const void *data)
{
    QaDeviceClass *dc = (QaDeviceClass *)klass;
    QaFdtNodeClass *fc =
        (QaFdtNodeClass *)qa_class_cast(klass, QA_TYPE_FDT_NODE);

    dc->realize = pl011_realize;
    dc->reset = pl011_reset;
    dc->user_creatable = true;
    qa_class_add_properties(klass, pl011_props);
    g_assert(fc);
    fc->add_fdt = pl011_add_fdt;
}

static void pl011_instance_init(QaObject *obj)
{
    QaPl011 *u = QA_PL011(obj);

    g_mutex_init(&u->lock);
    u->cr = CR_RESET;
    u->ifls = IFLS_RESET;
}

static void pl011_instance_finalize(QaObject *obj)
{
    g_mutex_clear(&QA_PL011(obj)->lock);
}

static const char *const pl011_interfaces[] = {QA_TYPE_FDT_NODE, NULL};

const QaTypeInfo qa_pl011_type_info = {
    .name = QA_TYPE_PL011,
    .parent = QA_TYPE_DEVICE,
    .description = "Arm PL011 UART (transmit to the console)",
    .instance_size = sizeof(QaPl011),
    .interfaces = pl011_interfaces,
    .class_init = pl011_class_init,
    .instance_init = pl011_instance_init,
    .instance_finalize = pl011_instance_finalize,
};
