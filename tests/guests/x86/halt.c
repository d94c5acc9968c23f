/*
 * Reports stage 1, then halts with interrupts off for good: a vCPU that
 * only something from outside (an injected event, a reset) can move on.
 */
#include "guest.h"

void guest_main(unsigned cpu)
{
    guest_puts("halt guest\n");
    GUEST_SYNC(1);
    guest_halt();
}
