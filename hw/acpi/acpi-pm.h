/*
 * ACPI PM I/O block of the x86 boards (PM1 event/control, PM timer,
 * GPE0, SMI_CMD): the interface other board code uses.
 */
#ifndef QACCEL_HW_ACPI_PM_H
#define QACCEL_HW_ACPI_PM_H

#include <qaccel/device.h>

G_BEGIN_DECLS

#define QA_TYPE_ACPI_PM "acpi-pm"

typedef struct QaAcpiPm QaAcpiPm;

#define QA_ACPI_PM(o) QA_CAST(QaAcpiPm, (o), QA_TYPE_ACPI_PM)

/* PM1_STS bits (ACPI 6.5 §4.8.3.1.1). */
#define QA_PM1_STS_TMR 0x0001
#define QA_PM1_STS_BM 0x0010
#define QA_PM1_STS_GBL 0x0020
#define QA_PM1_STS_PWRBTN 0x0100
#define QA_PM1_STS_SLPBTN 0x0200
#define QA_PM1_STS_RTC 0x0400
#define QA_PM1_STS_PCIEXP 0x4000
#define QA_PM1_STS_WAK 0x8000

/* PM1_EN bits. */
#define QA_PM1_EN_TMR 0x0001
#define QA_PM1_EN_GBL 0x0020
#define QA_PM1_EN_PWRBTN 0x0100
#define QA_PM1_EN_SLPBTN 0x0200
#define QA_PM1_EN_RTC 0x0400

/* PM1_CNT bits. */
#define QA_PM1_CNT_SCI_EN 0x0001
#define QA_PM1_CNT_BM_RLD 0x0002
#define QA_PM1_CNT_GBL_RLS 0x0004
#define QA_PM1_CNT_SLP_TYP_SHIFT 10
#define QA_PM1_CNT_SLP_TYP 0x1c00
#define QA_PM1_CNT_SLP_EN 0x2000

/* PM timer frequency in Hz (ACPI: 3.579545 MHz). */
#define QA_PM_TIMER_FREQ 3579545

/* Register offsets inside the PM block. */
#define QA_PM1_STS_OFF 0x0
#define QA_PM1_EN_OFF 0x2
#define QA_PM1_CNT_OFF 0x4
#define QA_PM_TMR_OFF 0x8

/* Why the machine woke up from S3 (QEMU's WakeupReason). */
typedef enum {
    QA_ACPI_WAKE_OTHER, /* e.g. QMP system_wakeup: reported as power button */
    QA_ACPI_WAKE_RTC,
    QA_ACPI_WAKE_PMTIMER,
} QaAcpiWakeReason;

/**
 * qa_acpi_pm_power_button: press the fixed power button: PWRBTN_STS is
 * set if PWRBTN_EN is (otherwise nothing happens, as on QEMU).  Any
 * thread.
 */
void qa_acpi_pm_power_button(QaAcpiPm *pm);

/**
 * qa_acpi_pm_wake: record a wake from a sleep state: WAK_STS plus the
 * status bit of @reason (PWRBTN_STS for QA_ACPI_WAKE_OTHER).  Call after
 * the wake-up reset, which clears PM1_STS.
 */
void qa_acpi_pm_wake(QaAcpiPm *pm, QaAcpiWakeReason reason);

/**
 * qa_acpi_pm_raise_gpe: set GPE0 status bit @bit (a hardware event such
 * as hotplug).  Returns false if the block has no such bit.
 */
bool qa_acpi_pm_raise_gpe(QaAcpiPm *pm, unsigned bit);

/**
 * qa_acpi_pm_sci_level: the current level of the SCI line
 * ((PM1_STS & PM1_EN & (TMR|GBL|PWRBTN|RTC)) or an enabled GPE).
 */
bool qa_acpi_pm_sci_level(QaAcpiPm *pm);

/**
 * qa_acpi_pm_ticks: the PM timer tick count for a machine clock of @ns
 * nanoseconds (ns * 3579545 / 10^9, rounded down, 0 for negative @ns),
 * without overflow for any int64_t.
 */
uint64_t qa_acpi_pm_ticks(int64_t ns);

extern const QaTypeInfo qa_acpi_pm_type_info;

G_END_DECLS

#endif
