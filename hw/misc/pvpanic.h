/*
 * pvpanic protocol shared by the ISA (hw/misc/pvpanic.c) and MMIO
 * (hw/misc/pvpanic-mmio.c) devices: QEMU docs/specs/pvpanic.rst,
 * spec/acpi-pm.md §8.
 */
#ifndef QACCEL_HW_MISC_PVPANIC_H
#define QACCEL_HW_MISC_PVPANIC_H

#include <qaccel/machine.h>

G_BEGIN_DECLS

#define QA_PVPANIC_PANICKED 0x01
#define QA_PVPANIC_CRASH_LOADED 0x02
#define QA_PVPANIC_SHUTDOWN 0x04
#define QA_PVPANIC_EVENTS_ALL                                                  \
    (QA_PVPANIC_PANICKED | QA_PVPANIC_CRASH_LOADED | QA_PVPANIC_SHUTDOWN)

/**
 * qa_pvpanic_handle_event: act on a guest write of @value to a pvpanic
 * device that advertises the events in @supported.  Only the first of
 * PANICKED, CRASH_LOADED, SHUTDOWN (in that order) that is both written
 * and supported is acted on, as in QEMU: PANICKED posts QA_REQ_PANIC
 * (cause guest-panic, no panic information), CRASH_LOADED posts
 * QA_REQ_CRASHLOADED, SHUTDOWN posts QA_REQ_SHUTDOWN (cause
 * guest-shutdown, pvshutdown set).  @source names the device in the
 * request.  Bits outside @supported are ignored and counted as a guest
 * error.  Returns those ignored bits (0 if none).  Any thread.
 */
uint64_t qa_pvpanic_handle_event(QaMachine *m, uint8_t supported,
                                 uint64_t value, const char *source);

/**
 * qa_pvpanic_check_events: validate an "events" property value: it must
 * be a subset of QA_PVPANIC_EVENTS_ALL.  Fails with QA_ERROR_INVALID.
 */
bool qa_pvpanic_check_events(uint64_t events, GError **error);

G_END_DECLS

#endif
