/*
 * ACPI PM I/O block as QEMU's ICH9/PIIX4 model it (spec/acpi-pm.md §1-4):
 * PM1 event and control registers, the 3.579545 MHz PM timer, a GPE0
 * block and the SMI_CMD port that switches SCI_EN.
 *
 * The block is mapped at a fixed base from power-on (q35-lite has no PCI
 * host through which firmware would program PMBASE) and stays mapped
 * across resets.  Sleep requests use QEMU's SLP_TYP values (S5 = 0,
 * S3 = 1, S4 = 2), which are properties.
 *
 * The SCI level drives the GPIO output line "sci" (no interrupt
 * controller is connected yet; qtest can intercept it).
 *
 * Registers are accessed from vCPU threads (kvm) or the main thread
 * (qtest); pm->lock guards the state and is never held while posting.
 */
#include <string.h>
#include <qaccel/error.h>
#include <qaccel/irq.h>
#include <qaccel/machine.h>
#include "hw/acpi/acpi-pm.h"
#include "hw/acpi/gpe.h"

#define PM1_REGION_SIZE 12 /* STS, EN, CNT, 2-byte hole, TMR */
#define APM_REGION_SIZE 2  /* SMI_CMD (APM_CNT), APM_STS */

/* PM1_STS bits that raise the SCI when enabled (QEMU acpi_update_sci). */
#define SCI_STS_MASK                                                           \
    (QA_PM1_STS_TMR | QA_PM1_STS_GBL | QA_PM1_STS_PWRBTN | QA_PM1_STS_RTC)

struct QaAcpiPm {
    QaDevice parent_obj;
    /* properties */
    uint16_t base;
    uint16_t gpe0_offset;
    uint8_t gpe0_len;
    uint8_t s3_val, s4_val, s5_val;
    uint8_t sci_irq;
    uint16_t smi_cmd;
    uint8_t acpi_enable_cmd, acpi_disable_cmd;
    bool tmr_val_ext;
    /* state, under lock */
    GMutex lock;
    uint16_t sts, en, cnt;
    uint64_t overflow_tick; /* TMR_STS is set once ticks reach this */
    uint8_t apm_cnt, apm_sts;
    QaAcpiGpe gpe;
    bool sci;
    QaIrq *sci_out; /* GPIO out "sci"; NULL = unconnected */
};

uint64_t qa_acpi_pm_ticks(int64_t ns)
{
    uint64_t u = ns > 0 ? (uint64_t)ns : 0;

    /* split so that ns * freq cannot overflow 64 bits */
    return u / 1000000000u * QA_PM_TIMER_FREQ +
           u % 1000000000u * QA_PM_TIMER_FREQ / 1000000000u;
}

static QaMachine *pm_machine(QaAcpiPm *pm)
{
    return pm->parent_obj.machine;
}

static uint64_t now_ticks(QaAcpiPm *pm)
{
    return qa_acpi_pm_ticks(qa_machine_clock_ns(pm_machine(pm)));
}

/* Half period of the counter: TMR_STS follows bit 23 (or 31). */
static uint64_t tmr_period(QaAcpiPm *pm)
{
    return pm->tmr_val_ext ? UINT64_C(1) << 31 : UINT64_C(1) << 23;
}

static uint32_t tmr_value(QaAcpiPm *pm, uint64_t ticks)
{
    return (uint32_t)(ticks & (pm->tmr_val_ext ? 0xffffffffu : 0xffffffu));
}

/* PM1_STS as the guest sees it now; latches TMR_STS like QEMU. */
static uint16_t sts_locked(QaAcpiPm *pm, uint64_t ticks)
{
    if (ticks >= pm->overflow_tick) {
        pm->sts |= QA_PM1_STS_TMR;
    }
    return pm->sts;
}

static void update_sci_locked(QaAcpiPm *pm, uint64_t ticks)
{
    bool level = (sts_locked(pm, ticks) & pm->en & SCI_STS_MASK) ||
                 qa_acpi_gpe_pending(&pm->gpe);

    if (level != pm->sci) {
        pm->sci = level;
        g_debug("acpi-pm: SCI (irq %u) %s", pm->sci_irq,
                level ? "raised" : "lowered");
        /* under the lock, so that levels arrive in order */
        qa_irq_set(pm->sci_out, level);
    }
}

static uint64_t pm1_read(void *opaque, uint64_t offset, unsigned size)
{
    QaAcpiPm *pm = opaque;
    uint8_t regs[PM1_REGION_SIZE];
    uint64_t ticks = now_ticks(pm), v = 0;
    uint16_t sts;
    uint32_t tmr = tmr_value(pm, ticks);

    g_mutex_lock(&pm->lock);
    sts = sts_locked(pm, ticks);
    regs[0] = sts & 0xff;
    regs[1] = sts >> 8;
    regs[2] = pm->en & 0xff;
    regs[3] = pm->en >> 8;
    regs[4] = pm->cnt & 0xff;
    regs[5] = pm->cnt >> 8;
    g_mutex_unlock(&pm->lock);
    regs[6] = regs[7] = 0xff; /* hole: reads as unassigned */
    for (unsigned i = 0; i < 4; i++) {
        regs[8 + i] = (tmr >> (8 * i)) & 0xff;
    }
    for (unsigned i = 0; i < size; i++) {
        uint64_t b = offset + i < PM1_REGION_SIZE ? regs[offset + i] : 0xff;
        v |= b << (8 * i);
    }
    return v;
}

/* Act on SLP_EN; returns the request to post (kind NONE for none). */
static void sleep_request(QaAcpiPm *pm, unsigned typ, QaMachineRequest *req)
{
    memset(req, 0, sizeof(*req));
    req->cpu = -1;
    req->source = "acpi-pm";
    if (typ == pm->s5_val) {
        req->kind = QA_REQ_SHUTDOWN;
        req->cause = QA_CAUSE_GUEST_SHUTDOWN;
        g_strlcpy(req->detail, "ACPI S5 (PM1_CNT SLP_EN)", sizeof(req->detail));
    } else if (typ == pm->s3_val) {
        req->kind = QA_REQ_SUSPEND;
        g_strlcpy(req->detail, "ACPI S3 (PM1_CNT SLP_EN)", sizeof(req->detail));
    } else if (typ == pm->s4_val) {
        req->kind = QA_REQ_SHUTDOWN;
        req->cause = QA_CAUSE_GUEST_SHUTDOWN;
        req->hibernate = true;
        g_strlcpy(req->detail, "ACPI S4 (PM1_CNT SLP_EN)", sizeof(req->detail));
    } else {
        req->kind = QA_REQ_NONE;
    }
}

/*
 * A write may cover any bytes of the block; gather them per register so
 * each register sees one update with a byte mask, then act.
 */
static void pm1_write(void *opaque, uint64_t offset, uint64_t value,
                      unsigned size)
{
    QaAcpiPm *pm = opaque;
    uint16_t val[3] = {0}, mask[3] = {0}; /* STS, EN, CNT */
    bool bad = false;
    QaMachineRequest req = {.kind = QA_REQ_NONE};
    unsigned typ = 0;

    for (unsigned i = 0; i < size; i++) {
        uint64_t addr = offset + i;
        uint16_t b = (value >> (8 * i)) & 0xff;
        if (addr < 6) {
            val[addr / 2] |= b << (8 * (addr % 2));
            mask[addr / 2] |= 0xff << (8 * (addr % 2));
        } else if (addr >= QA_PM_TMR_OFF) {
            bad = true; /* the timer is read-only */
        }
    }
    if (mask[0] | mask[1] | mask[2]) {
        uint64_t ticks = now_ticks(pm);
        uint16_t cnt;

        g_mutex_lock(&pm->lock);
        if (mask[0]) {
            uint16_t clear = val[0] & mask[0];
            /* clearing TMR_STS arms it for the next bit-23 toggle */
            if (sts_locked(pm, ticks) & clear & QA_PM1_STS_TMR) {
                pm->overflow_tick =
                    (ticks + tmr_period(pm)) & ~(tmr_period(pm) - 1);
            }
            pm->sts &= ~clear;
        }
        pm->en = (pm->en & ~mask[1]) | (val[1] & mask[1]);
        cnt = (pm->cnt & ~mask[2]) | (val[2] & mask[2]);
        if (mask[2]) {
            pm->cnt = cnt & ~QA_PM1_CNT_SLP_EN;
        }
        update_sci_locked(pm, ticks);
        if (val[2] & mask[2] & QA_PM1_CNT_SLP_EN) {
            typ = (cnt & QA_PM1_CNT_SLP_TYP) >> QA_PM1_CNT_SLP_TYP_SHIFT;
            sleep_request(pm, typ, &req);
        }
        g_mutex_unlock(&pm->lock);
    }
    if (bad) {
        qa_machine_guest_error(pm_machine(pm),
                               "acpi-pm: write to the read-only PM timer");
    }
    if (req.kind != QA_REQ_NONE) {
        qa_machine_post(pm_machine(pm), &req);
    } else if (val[2] & mask[2] & QA_PM1_CNT_SLP_EN) {
        g_debug("acpi-pm: SLP_EN with SLP_TYP %u ignored", typ);
    }
}

static const QaIoOps pm1_ops = {
    .read = pm1_read,
    .write = pm1_write,
    .sizes = 0, /* any width: see pm1_write */
};

static uint64_t gpe_read(void *opaque, uint64_t offset, unsigned size)
{
    QaAcpiPm *pm = opaque;
    uint8_t v;

    g_mutex_lock(&pm->lock);
    v = qa_acpi_gpe_readb(&pm->gpe, (unsigned)offset);
    g_mutex_unlock(&pm->lock);
    return v;
}

static void gpe_write(void *opaque, uint64_t offset, uint64_t value,
                      unsigned size)
{
    QaAcpiPm *pm = opaque;
    uint64_t ticks = now_ticks(pm);

    g_mutex_lock(&pm->lock);
    qa_acpi_gpe_writeb(&pm->gpe, (unsigned)offset, (uint8_t)value);
    update_sci_locked(pm, ticks);
    g_mutex_unlock(&pm->lock);
}

static const QaIoOps gpe_ops = {
    .read = gpe_read,
    .write = gpe_write,
    .sizes = 1, /* byte registers, as in QEMU */
};

static uint64_t apm_read(void *opaque, uint64_t offset, unsigned size)
{
    QaAcpiPm *pm = opaque;
    uint8_t v;

    g_mutex_lock(&pm->lock);
    v = offset == 0 ? pm->apm_cnt : pm->apm_sts;
    g_mutex_unlock(&pm->lock);
    return v;
}

/*
 * There is no SMM firmware: the ACPI enable/disable commands are acted
 * on directly (as the SMI handler would), other commands are stored only.
 */
static void apm_write(void *opaque, uint64_t offset, uint64_t value,
                      unsigned size)
{
    QaAcpiPm *pm = opaque;
    uint8_t v = (uint8_t)value;

    g_mutex_lock(&pm->lock);
    if (offset == 0) {
        pm->apm_cnt = v;
        if (v == pm->acpi_enable_cmd) {
            pm->cnt |= QA_PM1_CNT_SCI_EN;
        } else if (v == pm->acpi_disable_cmd) {
            pm->cnt &= ~QA_PM1_CNT_SCI_EN;
        }
    } else {
        pm->apm_sts = v;
    }
    g_mutex_unlock(&pm->lock);
}

static const QaIoOps apm_ops = {
    .read = apm_read,
    .write = apm_write,
    .sizes = 1,
};

/* ---- board interface ------------------------------------------------- */

void qa_acpi_pm_power_button(QaAcpiPm *pm)
{
    uint64_t ticks = now_ticks(pm);

    g_mutex_lock(&pm->lock);
    if (pm->en & QA_PM1_EN_PWRBTN) {
        pm->sts |= QA_PM1_STS_PWRBTN;
        update_sci_locked(pm, ticks);
    }
    g_mutex_unlock(&pm->lock);
}

void qa_acpi_pm_wake(QaAcpiPm *pm, QaAcpiWakeReason reason)
{
    static const uint16_t reason_bit[] = {
        [QA_ACPI_WAKE_OTHER] = QA_PM1_STS_PWRBTN,
        [QA_ACPI_WAKE_RTC] = QA_PM1_STS_RTC,
        [QA_ACPI_WAKE_PMTIMER] = QA_PM1_STS_TMR,
    };
    uint64_t ticks = now_ticks(pm);

    g_mutex_lock(&pm->lock);
    pm->sts |= QA_PM1_STS_WAK;
    if ((unsigned)reason < G_N_ELEMENTS(reason_bit)) {
        pm->sts |= reason_bit[reason];
    }
    update_sci_locked(pm, ticks);
    g_mutex_unlock(&pm->lock);
}

bool qa_acpi_pm_raise_gpe(QaAcpiPm *pm, unsigned bit)
{
    uint64_t ticks = now_ticks(pm);
    bool ok;

    g_mutex_lock(&pm->lock);
    ok = qa_acpi_gpe_raise(&pm->gpe, bit);
    update_sci_locked(pm, ticks);
    g_mutex_unlock(&pm->lock);
    return ok;
}

bool qa_acpi_pm_sci_level(QaAcpiPm *pm)
{
    uint64_t ticks = now_ticks(pm);
    bool level;

    g_mutex_lock(&pm->lock);
    update_sci_locked(pm, ticks);
    level = pm->sci;
    g_mutex_unlock(&pm->lock);
    return level;
}

/* ---- device ---------------------------------------------------------- */

static void acpi_pm_reset(QaDevice *dev)
{
    QaAcpiPm *pm = QA_ACPI_PM(dev);

    g_mutex_lock(&pm->lock);
    pm->sts = 0;
    pm->en = 0;
    pm->cnt = 0;
    /* TMR_STS reads set right after reset, as on QEMU */
    pm->overflow_tick = 0;
    pm->apm_cnt = 0;
    pm->apm_sts = 0;
    qa_acpi_gpe_reset(&pm->gpe);
    if (pm->sci) {
        pm->sci = false;
        qa_irq_set(pm->sci_out, 0);
    }
    g_mutex_unlock(&pm->lock);
}

static bool check_props(QaAcpiPm *pm, GError **error)
{
    const uint8_t vals[] = {pm->s3_val, pm->s4_val, pm->s5_val};
    const char *names[] = {"s3-val", "s4-val", "s5-val"};

    for (unsigned i = 0; i < G_N_ELEMENTS(vals); i++) {
        if (vals[i] > 7) {
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                        "Property '%s': %u is not a SLP_TYP value (0..7)",
                        names[i], vals[i]);
            return false;
        }
    }
    if (!qa_acpi_gpe_valid_len(pm->gpe0_len)) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Property 'gpe0-len': %u is not an even length "
                    "between 2 and %u",
                    pm->gpe0_len, QA_ACPI_GPE_MAX_LEN);
        return false;
    }
    if (pm->gpe0_offset < PM1_REGION_SIZE) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Property 'gpe0-offset': 0x%x overlaps the PM1 "
                    "registers (must be >= 0x%x)",
                    pm->gpe0_offset, PM1_REGION_SIZE);
        return false;
    }
    return true;
}

static bool add_region(QaAcpiPm *pm, const char *name, uint64_t base,
                       uint64_t size, const QaIoOps *ops, GError **error)
{
    QaIoRegion r = {
        .name = name,
        .base = base,
        .size = size,
        .ops = ops,
        .opaque = pm,
    };

    return qa_address_space_add(pm_machine(pm)->io, &r, error);
}

static bool acpi_pm_realize(QaDevice *dev, GError **error)
{
    QaAcpiPm *pm = QA_ACPI_PM(dev);
    QaMachine *m = dev->machine;

    if (!m || !m->io) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "acpi-pm needs a machine with an I/O port space");
        return false;
    }
    if (!check_props(pm, error)) {
        return false;
    }
    qa_acpi_gpe_init(&pm->gpe, pm->gpe0_len);
    if (!add_region(pm, "acpi-pm1", pm->base, PM1_REGION_SIZE, &pm1_ops,
                    error) ||
        !add_region(pm, "acpi-gpe0", (uint64_t)pm->base + pm->gpe0_offset,
                    pm->gpe0_len, &gpe_ops, error) ||
        (pm->smi_cmd && !add_region(pm, "apm", pm->smi_cmd, APM_REGION_SIZE,
                                    &apm_ops, error))) {
        qa_address_space_remove(m->io, pm);
        return false;
    }
    qa_gpio_init_out(QA_OBJECT(pm), "sci", &pm->sci_out, 1);
    acpi_pm_reset(dev);
    return true;
}

static char *get_sci_level(QaObject *obj, const QaProperty *prop)
{
    QaAcpiPm *pm = QA_ACPI_PM(obj);

    if (!pm->parent_obj.realized) {
        return g_strdup("false");
    }
    return g_strdup(qa_acpi_pm_sci_level(pm) ? "true" : "false");
}

#define PM_PROP(n, k, f, d, doc_)                                              \
    {                                                                          \
        .name = (n), .kind = (k), .offset = offsetof(QaAcpiPm, f),             \
        .def.u = (d), .doc = (doc_), .read_only = true                         \
    }

static const QaProperty acpi_pm_props[] = {
    PM_PROP("base", QA_PROP_UINT16, base, 0x600,
            "I/O port of the PM block (PM1_STS; OVMF's q35 PMBASE)"),
    PM_PROP("gpe0-offset", QA_PROP_UINT16, gpe0_offset, 0x20,
            "offset of GPE0_BLK from base"),
    PM_PROP("gpe0-len", QA_PROP_UINT8, gpe0_len, 16,
            "GPE0_BLK length in bytes (status half, then enable half)"),
    PM_PROP("s3-val", QA_PROP_UINT8, s3_val, 1, "SLP_TYP value of S3"),
    PM_PROP("s4-val", QA_PROP_UINT8, s4_val, 2, "SLP_TYP value of S4"),
    PM_PROP("s5-val", QA_PROP_UINT8, s5_val, 0, "SLP_TYP value of S5"),
    PM_PROP("sci-irq", QA_PROP_UINT8, sci_irq, 9,
            "ISA IRQ of the SCI (for the FADT)"),
    PM_PROP("smi-cmd", QA_PROP_UINT16, smi_cmd, 0xb2,
            "SMI_CMD port (APM control, status at +1); 0 = none"),
    PM_PROP("acpi-enable-cmd", QA_PROP_UINT8, acpi_enable_cmd, 2,
            "SMI_CMD value that sets SCI_EN"),
    PM_PROP("acpi-disable-cmd", QA_PROP_UINT8, acpi_disable_cmd, 3,
            "SMI_CMD value that clears SCI_EN"),
    {.name = "tmr-val-ext",
     .kind = QA_PROP_BOOL,
     .offset = offsetof(QaAcpiPm, tmr_val_ext),
     .def.b = false,
     .doc = "32-bit PM timer (FADT TMR_VAL_EXT) instead of 24-bit",
     .read_only = true},
    {.name = "sci-level",
     .kind = QA_PROP_BOOL,
     .get = get_sci_level,
     .doc = "current level of the SCI line (read-only)"},
    QA_PROPERTY_END};

static void acpi_pm_class_init(QaObjectClass *klass, const void *data)
{
    QaDeviceClass *dc = (QaDeviceClass *)klass;

    dc->realize = acpi_pm_realize;
    dc->reset = acpi_pm_reset;
    qa_class_add_properties(klass, acpi_pm_props);
}

static void acpi_pm_instance_init(QaObject *obj)
{
    g_mutex_init(&((QaAcpiPm *)obj)->lock);
}

static void acpi_pm_instance_finalize(QaObject *obj)
{
    g_mutex_clear(&((QaAcpiPm *)obj)->lock);
}

const QaTypeInfo qa_acpi_pm_type_info = {
    .name = QA_TYPE_ACPI_PM,
    .parent = QA_TYPE_DEVICE,
    .description = "ACPI PM block: PM1 event/control, PM timer, GPE0, "
                   "SMI_CMD",
    .instance_size = sizeof(QaAcpiPm),
    .class_init = acpi_pm_class_init,
    .instance_init = acpi_pm_instance_init,
    .instance_finalize = acpi_pm_instance_finalize,
};
