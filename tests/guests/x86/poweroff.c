/*
 * Power off through ACPI S5: the smallest complete guest, also the one the
 * README boots and the start-to-exit benchmark times.
 */
#include "guest.h"

void guest_main(unsigned cpu)
{
    guest_puts("poweroff guest: hello from the reset vector\n");
    GUEST_SYNC(1);
    guest_poweroff();
    /* only reached if the machine ignored S5 */
    GUEST_ASSERT(!"S5 did not power off");
}
