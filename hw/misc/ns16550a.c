/*
 * Memory-mapped 16550A UART ("ns16550a"), transmit side only: bytes
 * written to THR go to the machine's console; the transmitter is always
 * empty (LSR THRE|TEMT) and nothing is ever received.  The divisor latch,
 * IER, FCR, LCR, MCR and SCR keep what is written, and MCR loopback
 * reflects into MSR as on the real part, so the Linux 8250 probe works.
 * Registers are one byte apart (reg-shift 0), as on QEMU's riscv virt.
 */
#include <qaccel/error.h>
#include <qaccel/fdt.h>
#include <qaccel/machine.h>

#define QA_TYPE_NS16550A "ns16550a"
#define NS16550A_SIZE 0x100
#define NS16550A_CLOCK 3686400

enum { RBR_THR_DLL, IER_DLM, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MCR_LOOP 0x10
#define IIR_NO_INT 0x01
#define IIR_FIFO 0xc0
#define MSR_CTS_DSR_DCD 0xb0

typedef struct QaNs16550a {
    QaDevice parent_obj;
    uint64_t base; /* properties */
    uint32_t irq;  /* PLIC source */
    GMutex lock;   /* guards the registers */
    uint8_t dll, dlm, ier, fcr, lcr, mcr, scr;
} QaNs16550a;

#define QA_NS16550A(o) QA_CAST(QaNs16550a, (o), QA_TYPE_NS16550A)

/* In loopback, DTR/RTS/OUT1/OUT2 come back as DSR/CTS/RI/DCD. */
static uint8_t loop_msr(uint8_t mcr)
{
    return (mcr & 1) << 5 | (mcr & 2) << 3 | (mcr & 4) << 4 | (mcr & 8) << 4;
}

static uint64_t ns16550a_read(void *opaque, uint64_t offset, unsigned size)
{
    QaNs16550a *u = opaque;
    uint8_t val = 0;
    bool dlab;

    g_mutex_lock(&u->lock);
    dlab = u->lcr & LCR_DLAB;
    switch (offset) {
    case RBR_THR_DLL:
        val = dlab ? u->dll : 0; /* nothing received */
        break;
    case IER_DLM:
        val = dlab ? u->dlm : u->ier;
        break;
    case IIR_FCR:
        val = IIR_NO_INT | ((u->fcr & 1) ? IIR_FIFO : 0);
        break;
    case LCR:
        val = u->lcr;
        break;
    case MCR:
        val = u->mcr;
        break;
    case LSR:
        val = LSR_THRE | LSR_TEMT;
        break;
    case MSR:
        val = (u->mcr & MCR_LOOP) ? loop_msr(u->mcr) : MSR_CTS_DSR_DCD;
        break;
    case SCR:
        val = u->scr;
        break;
    default:
        break;
    }
    g_mutex_unlock(&u->lock);
    return val;
}

static void ns16550a_write(void *opaque, uint64_t offset, uint64_t value,
                           unsigned size)
{
    QaNs16550a *u = opaque;
    uint8_t v = (uint8_t)value;
    bool transmit = false;

    g_mutex_lock(&u->lock);
    switch (offset) {
    case RBR_THR_DLL:
        if (u->lcr & LCR_DLAB) {
            u->dll = v;
        } else {
            /* in loopback the byte would come back, not go out */
            transmit = !(u->mcr & MCR_LOOP);
        }
        break;
    case IER_DLM:
        if (u->lcr & LCR_DLAB) {
            u->dlm = v;
        } else {
            u->ier = v & 0x0f;
        }
        break;
    case IIR_FCR:
        u->fcr = v & 0xc9; /* FIFO enable, DMA mode, trigger level */
        break;
    case LCR:
        u->lcr = v;
        break;
    case MCR:
        u->mcr = v & 0x1f;
        break;
    case SCR:
        u->scr = v;
        break;
    default:
        break;
    }
    g_mutex_unlock(&u->lock);
    if (transmit) {
        char c = (char)v;
        qa_machine_console_write(u->parent_obj.machine, &c, 1);
    }
}

static const QaIoOps ns16550a_ops = {
    .read = ns16550a_read,
    .write = ns16550a_write,
    .sizes = 1,
};

static bool ns16550a_add_fdt(QaObject *obj, QaFdt *fdt, GError **error)
{
    QaNs16550a *u = QA_NS16550A(obj);
    g_autofree char *path =
        g_strdup_printf("/serial@%" G_GINT64_MODIFIER "x", u->base);

    if (!(qa_fdt_add_node(fdt, path, error) &&
          qa_fdt_setprop_string(fdt, path, "compatible", "ns16550a", error) &&
          qa_fdt_setprop_reg(fdt, path,
                             (const uint64_t[]){u->base, NS16550A_SIZE}, 1,
                             error) &&
          qa_fdt_setprop_u32(fdt, path, "interrupts", u->irq, error) &&
          qa_fdt_setprop_u32(fdt, path, "clock-frequency", NS16550A_CLOCK,
                             error))) {
        return false;
    }
    /* The first UART is the console. */
    return qa_fdt_label_path(fdt, "stdout") ||
           qa_fdt_set_label(fdt, "stdout", path, error);
}

static bool ns16550a_realize(QaDevice *dev, GError **error)
{
    QaNs16550a *u = QA_NS16550A(dev);
    QaIoRegion r = {
        .name = "ns16550a",
        .base = u->base,
        .size = NS16550A_SIZE,
        .ops = &ns16550a_ops,
        .opaque = u,
    };

    if (!dev->machine || !dev->machine->mem) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "ns16550a needs a machine with a memory space");
        return false;
    }
    return qa_address_space_add(dev->machine->mem, &r, error);
}

static void ns16550a_reset(QaDevice *dev)
{
    QaNs16550a *u = QA_NS16550A(dev);

    g_mutex_lock(&u->lock);
    u->dll = u->dlm = u->ier = u->fcr = u->lcr = u->mcr = u->scr = 0;
    g_mutex_unlock(&u->lock);
}

static const QaProperty ns16550a_props[] = {
    {.name = "base",
     .kind = QA_PROP_UINT64,
     .offset = offsetof(QaNs16550a, base),
     .def.u = 0x10000000,
     .read_only = true,
     .doc = "guest-physical base (256-byte window)"},
    {.name = "irq",
     .kind = QA_PROP_UINT32,
     .offset = offsetof(QaNs16550a, irq),
     .def.u = 10,
     .read_only = true,
     .doc = "interrupt source number in the device tree"},
    QA_PROPERTY_END};

static void ns16550a_class_init(QaObjectClass *klass, const void *data)
{
    QaDeviceClass *dc = (QaDeviceClass *)klass;
    QaFdtNodeClass *fc =
        (QaFdtNodeClass *)qa_class_cast(klass, QA_TYPE_FDT_NODE);

    dc->realize = ns16550a_realize;
    dc->reset = ns16550a_reset;
    dc->user_creatable = true;
    qa_class_add_properties(klass, ns16550a_props);
    g_assert(fc);
    fc->add_fdt = ns16550a_add_fdt;
}

static void ns16550a_instance_init(QaObject *obj)
{
    g_mutex_init(&QA_NS16550A(obj)->lock);
}

static void ns16550a_instance_finalize(QaObject *obj)
{
    g_mutex_clear(&QA_NS16550A(obj)->lock);
}

static const char *const ns16550a_interfaces[] = {QA_TYPE_FDT_NODE, NULL};

const QaTypeInfo qa_ns16550a_type_info = {
    .name = QA_TYPE_NS16550A,
    .parent = QA_TYPE_DEVICE,
    .description = "memory-mapped 16550A UART (transmit to the console)",
    .instance_size = sizeof(QaNs16550a),
    .interfaces = ns16550a_interfaces,
    .class_init = ns16550a_class_init,
    .instance_init = ns16550a_instance_init,
    .instance_finalize = ns16550a_instance_finalize,
};
