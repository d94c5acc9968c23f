/*
 * Runs until stopped from outside: one port write per iteration, and a
 * mailbox record (GUEST_SYNC with a growing stage) every 256 iterations,
 * so the host can tell whether the vCPU is making progress -- for QMP
 * stop/cont/system_reset/quit while a guest runs, and for injected
 * events.  Stage numbers restart at 1 on every boot.
 */
#include "guest.h"

void guest_main(unsigned cpu)
{
    guest_puts("spin guest\n");
    for (uint32_t i = 0;; i++) {
        outb(GUEST_BENCH_PORT, (uint8_t)i);
        if ((i & 0xff) == 0) {
            guest_sync_report((i >> 8) + 1, __FILE_NAME__, __LINE__);
        }
    }
}
