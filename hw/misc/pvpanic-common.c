/*
 * pvpanic event handling shared by the ISA and MMIO pvpanic devices.
 */
#include <inttypes.h>
#include <string.h>
#include <qaccel/error.h>
#include "hw/misc/pvpanic.h"

uint64_t qa_pvpanic_handle_event(QaMachine *m, uint8_t supported,
                                 uint64_t value, const char *source)
{
    QaMachineRequest req;
    uint64_t known = value & supported & QA_PVPANIC_EVENTS_ALL;
    uint64_t ignored = value & ~known;

    if (ignored) {
        qa_machine_guest_error(
            m, "pvpanic: unknown event bits 0x%" PRIx64 " (supported: 0x%x)",
            ignored, supported);
    }
    memset(&req, 0, sizeof(req));
    req.cpu = -1;
    req.source = source;
    if (known & QA_PVPANIC_PANICKED) {
        req.kind = QA_REQ_PANIC;
        req.cause = QA_CAUSE_GUEST_PANIC;
        req.panic.kind = QA_PANIC_INFO_NONE;
        g_strlcpy(req.detail, "pvpanic PANICKED", sizeof(req.detail));
    } else if (known & QA_PVPANIC_CRASH_LOADED) {
        req.kind = QA_REQ_CRASHLOADED;
        g_strlcpy(req.detail, "pvpanic CRASH_LOADED", sizeof(req.detail));
    } else if (known & QA_PVPANIC_SHUTDOWN) {
        req.kind = QA_REQ_SHUTDOWN;
        req.cause = QA_CAUSE_GUEST_SHUTDOWN;
        req.pvshutdown = true;
        g_strlcpy(req.detail, "pvpanic SHUTDOWN", sizeof(req.detail));
    } else {
        return ignored;
    }
    qa_machine_post(m, &req);
    return ignored;
}

bool qa_pvpanic_check_events(uint64_t events, GError **error)
{
    if (events & ~(uint64_t)QA_PVPANIC_EVENTS_ALL) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Property 'events': 0x%" PRIx64 " has bits outside the "
                    "supported set 0x%x (PANICKED, CRASH_LOADED, SHUTDOWN)",
                    events, QA_PVPANIC_EVENTS_ALL);
        return false;
    }
    return true;
}
