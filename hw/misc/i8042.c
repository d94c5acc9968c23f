/*
 * The reset side of an i8042 keyboard controller (spec/acpi-pm.md §7).
 *
 * Guests reset x86 machines by pulsing output line P2.0 low: command 0xFE
 * (any 0xF0-0xFF pulse command with bit 0 clear) or command 0xD1 followed
 * by an output-port value with bit 0 clear.  Everything else an OS's
 * i8042 driver or reboot path does is answered harmlessly: self tests
 * pass, the command byte and output port read back, keyboard and aux
 * device commands are acknowledged.  No keys, no interrupts.
 */
#include <qaccel/error.h>
#include <qaccel/machine.h>

#define QA_TYPE_I8042 "i8042"

/* status register */
#define STAT_OBF 0x01      /* output buffer full */
#define STAT_SYS 0x04      /* system flag: self test passed */
#define STAT_CMD 0x08      /* last write went to the command port */
#define STAT_UNLOCKED 0x10 /* keyboard not inhibited */
#define STAT_AUX_OBF 0x20  /* output byte comes from the aux device */

/* command byte */
#define CMD_KBD_DISABLE 0x10
#define CMD_AUX_DISABLE 0x20

#define OUT_RESET 0x01 /* P2.0: low = CPU reset */
#define OUT_A20 0x02

#define QUEUE_LEN 16
/* a data byte to drop (write to controller RAM we do not keep) */
#define PENDING_DISCARD 0xff

typedef struct QaI8042 {
    QaDevice parent_obj;
    uint16_t data_port, cmd_port; /* properties */
    GMutex lock;
    uint8_t status;
    uint8_t cmd_byte;
    uint8_t outport;
    uint8_t pending; /* command waiting for its data byte, or 0 */
    uint8_t last;    /* last byte read from the data port */
    uint8_t queue[QUEUE_LEN];
    bool queue_aux[QUEUE_LEN];
    unsigned head, count;
} QaI8042;

#define QA_I8042(o) QA_CAST(QaI8042, (o), QA_TYPE_I8042)

static void push_locked(QaI8042 *kbc, uint8_t v, bool aux)
{
    unsigned tail;

    if (kbc->count == QUEUE_LEN) {
        return; /* the guest is not reading: drop */
    }
    tail = (kbc->head + kbc->count) % QUEUE_LEN;
    kbc->queue[tail] = v;
    kbc->queue_aux[tail] = aux;
    kbc->count++;
}

static uint8_t status_locked(QaI8042 *kbc)
{
    uint8_t s = kbc->status & ~(STAT_OBF | STAT_AUX_OBF);

    if (kbc->count) {
        s |= STAT_OBF;
        if (kbc->queue_aux[kbc->head]) {
            s |= STAT_AUX_OBF;
        }
    }
    return s;
}

/* A byte for the keyboard (no prefix) or the aux device (after 0xD4). */
static void device_command_locked(QaI8042 *kbc, uint8_t v, bool aux)
{
    push_locked(kbc, v == 0xee && !aux ? 0xee : 0xfa, aux); /* ACK/echo */
    switch (v) {
    case 0xff: /* reset: BAT passed (+ mouse id) */
        push_locked(kbc, 0xaa, aux);
        if (aux) {
            push_locked(kbc, 0x00, aux);
        }
        break;
    case 0xf2: /* identify */
        if (aux) {
            push_locked(kbc, 0x00, aux);
        } else {
            push_locked(kbc, 0xab, aux);
            push_locked(kbc, 0x83, aux);
        }
        break;
    default:
        break;
    }
}

/* Handle a data-port byte; returns true if it asks for a reset. */
static bool data_write_locked(QaI8042 *kbc, uint8_t v)
{
    uint8_t cmd = kbc->pending;

    kbc->pending = 0;
    switch (cmd) {
    case 0x60:
        kbc->cmd_byte = v;
        break;
    case 0xd1:
        kbc->outport = v;
        return !(v & OUT_RESET);
    case 0xd2:
        push_locked(kbc, v, false);
        break;
    case 0xd3:
        push_locked(kbc, v, true);
        break;
    case 0xd4:
        device_command_locked(kbc, v, true);
        break;
    case PENDING_DISCARD:
        break;
    default:
        device_command_locked(kbc, v, false);
        break;
    }
    return false;
}

/*
 * Handle a controller command; returns true if it asks for a reset,
 * false otherwise; *unknown is set for commands we do not model.
 */
static bool command_locked(QaI8042 *kbc, uint8_t v, bool *unknown)
{
    if (v >= 0xf0) {
        return !(v & OUT_RESET); /* pulse: low bits clear pulse lines */
    }
    if (v >= 0x20 && v < 0x40) {
        push_locked(kbc, v == 0x20 ? kbc->cmd_byte : 0, false);
        return false;
    }
    if (v >= 0x60 && v < 0x80) {
        kbc->pending = v == 0x60 ? v : PENDING_DISCARD; /* other RAM */
        return false;
    }
    switch (v) {
    case 0xa7:
        kbc->cmd_byte |= CMD_AUX_DISABLE;
        break;
    case 0xa8:
        kbc->cmd_byte &= ~CMD_AUX_DISABLE;
        break;
    case 0xa9: /* aux interface test: ok */
    case 0xab: /* keyboard interface test: ok */
    case 0xc0: /* input port */
    case 0xe0: /* test inputs */
        push_locked(kbc, 0x00, false);
        break;
    case 0xaa: /* controller self test */
        kbc->status |= STAT_SYS;
        push_locked(kbc, 0x55, false);
        break;
    case 0xad:
        kbc->cmd_byte |= CMD_KBD_DISABLE;
        break;
    case 0xae:
        kbc->cmd_byte &= ~CMD_KBD_DISABLE;
        break;
    case 0xd0:
        push_locked(kbc, kbc->outport, false);
        break;
    case 0xd1:
    case 0xd2:
    case 0xd3:
    case 0xd4:
        kbc->pending = v;
        break;
    default:
        *unknown = true;
        break;
    }
    return false;
}

static uint64_t kbc_read(void *opaque, uint64_t offset, unsigned size,
                         bool cmd_port)
{
    QaI8042 *kbc = opaque;
    uint8_t v;

    g_mutex_lock(&kbc->lock);
    if (cmd_port) {
        v = status_locked(kbc);
    } else {
        if (kbc->count) {
            kbc->last = kbc->queue[kbc->head];
            kbc->head = (kbc->head + 1) % QUEUE_LEN;
            kbc->count--;
        }
        v = kbc->last; /* an empty buffer repeats the last byte */
    }
    g_mutex_unlock(&kbc->lock);
    return v;
}

static void kbc_write(void *opaque, uint64_t offset, uint64_t value,
                      unsigned size, bool cmd_port)
{
    QaI8042 *kbc = opaque;
    uint8_t v = (uint8_t)value;
    bool reset, unknown = false;

    g_mutex_lock(&kbc->lock);
    if (cmd_port) {
        kbc->status |= STAT_CMD;
        kbc->pending = 0;
        reset = command_locked(kbc, v, &unknown);
    } else {
        kbc->status &= ~STAT_CMD;
        reset = data_write_locked(kbc, v);
    }
    g_mutex_unlock(&kbc->lock);
    if (unknown) {
        qa_machine_guest_error(kbc->parent_obj.machine,
                               "i8042: unsupported controller command 0x%02x",
                               v);
    }
    if (reset) {
        g_autofree char *detail = g_strdup_printf(
            "i8042 %s 0x%02x", cmd_port ? "command" : "output port", v);
        qa_machine_guest_reset_request(kbc->parent_obj.machine, -1, "i8042",
                                       detail);
    }
}

static uint64_t data_read(void *opaque, uint64_t offset, unsigned size)
{
    return kbc_read(opaque, offset, size, false);
}

static void data_write(void *opaque, uint64_t offset, uint64_t value,
                       unsigned size)
{
    kbc_write(opaque, offset, value, size, false);
}

static uint64_t cmd_read(void *opaque, uint64_t offset, unsigned size)
{
    return kbc_read(opaque, offset, size, true);
}

static void cmd_write(void *opaque, uint64_t offset, uint64_t value,
                      unsigned size)
{
    kbc_write(opaque, offset, value, size, true);
}

static const QaIoOps data_ops = {
    .read = data_read,
    .write = data_write,
    .sizes = 1,
};

static const QaIoOps cmd_ops = {
    .read = cmd_read,
    .write = cmd_write,
    .sizes = 1,
};

static void kbc_reset(QaDevice *dev)
{
    QaI8042 *kbc = QA_I8042(dev);

    g_mutex_lock(&kbc->lock);
    kbc->status = STAT_CMD | STAT_UNLOCKED;
    kbc->cmd_byte = 0x03; /* keyboard and aux interrupts enabled */
    kbc->outport = OUT_RESET | OUT_A20;
    kbc->pending = 0;
    kbc->last = 0;
    kbc->head = kbc->count = 0;
    g_mutex_unlock(&kbc->lock);
}

static bool kbc_realize(QaDevice *dev, GError **error)
{
    QaI8042 *kbc = QA_I8042(dev);
    QaIoRegion data = {
        .name = "i8042-data",
        .base = kbc->data_port,
        .size = 1,
        .ops = &data_ops,
        .opaque = kbc,
    };
    QaIoRegion cmd = {
        .name = "i8042-cmd",
        .base = kbc->cmd_port,
        .size = 1,
        .ops = &cmd_ops,
        .opaque = kbc,
    };

    if (!dev->machine || !dev->machine->io) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "i8042 needs a machine with an I/O port space");
        return false;
    }
    if (!qa_address_space_add(dev->machine->io, &data, error) ||
        !qa_address_space_add(dev->machine->io, &cmd, error)) {
        qa_address_space_remove(dev->machine->io, kbc);
        return false;
    }
    kbc_reset(dev);
    return true;
}

static const QaProperty kbc_props[] = {
    {.name = "data-port",
     .kind = QA_PROP_UINT16,
     .offset = offsetof(QaI8042, data_port),
     .def.u = 0x60,
     .doc = "I/O port of the data register",
     .read_only = true},
    {.name = "cmd-port",
     .kind = QA_PROP_UINT16,
     .offset = offsetof(QaI8042, cmd_port),
     .def.u = 0x64,
     .doc = "I/O port of the command/status register",
     .read_only = true},
    QA_PROPERTY_END};

static void kbc_class_init(QaObjectClass *klass, const void *data)
{
    QaDeviceClass *dc = (QaDeviceClass *)klass;

    dc->realize = kbc_realize;
    dc->reset = kbc_reset;
    qa_class_add_properties(klass, kbc_props);
}

static void kbc_instance_init(QaObject *obj)
{
    g_mutex_init(&((QaI8042 *)obj)->lock);
}

static void kbc_instance_finalize(QaObject *obj)
{
    g_mutex_clear(&((QaI8042 *)obj)->lock);
}

const QaTypeInfo qa_i8042_type_info = {
    .name = QA_TYPE_I8042,
    .parent = QA_TYPE_DEVICE,
    .description = "i8042 keyboard controller (reset line and self tests)",
    .instance_size = sizeof(QaI8042),
    .class_init = kbc_class_init,
    .instance_init = kbc_instance_init,
    .instance_finalize = kbc_instance_finalize,
};
