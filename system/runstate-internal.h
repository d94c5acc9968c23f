/*
 * Internal to the runstate layer (system/runstate*.c): the data members of
 * the QMP events it emits.
 */
#ifndef QACCEL_SYSTEM_RUNSTATE_INTERNAL_H
#define QACCEL_SYSTEM_RUNSTATE_INTERNAL_H

#include <qaccel/request.h>

G_BEGIN_DECLS

/*
 * rs_cause_data: {"guest": bool, "reason": ShutdownCause} for SHUTDOWN and
 * RESET, followed by the qaccel-* members that say more than QEMU's data
 * (reset kind, PSCI RESET2 type/cookie, SRST reason, hibernate).  A plain
 * request gets exactly QEMU's two members.
 */
GVariant *rs_cause_data(const QaMachineRequest *req);

/*
 * rs_panic_data: {"action": @action, "info"?: GuestPanicInformation} for
 * GUEST_PANICKED and GUEST_CRASHLOADED; "info" only when @info has a kind.
 */
GVariant *rs_panic_data(const char *action, const QaPanicInfo *info);

/*
 * rs_panic_info: the GuestPanicInformation object for @info, or NULL for
 * QA_PANIC_INFO_NONE (and unknown kinds).
 */
GVariant *rs_panic_info(const QaPanicInfo *info);

G_END_DECLS

#endif
