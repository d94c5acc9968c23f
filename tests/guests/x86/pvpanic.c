/*
 * pvpanic (-device pvpanic): check the advertised events, report a loaded
 * crash kernel (the guest keeps running), then panic.
 */
#include "guest.h"

#define PVPANIC_PANICKED 1u
#define PVPANIC_CRASH_LOADED 2u

void guest_main(unsigned cpu)
{
    uint8_t events = inb(GUEST_PVPANIC_PORT);

    guest_printf("pvpanic guest: events 0x%x\n", events);
    GUEST_ASSERT(events != 0xff);
    GUEST_ASSERT(events & PVPANIC_PANICKED);
    GUEST_ASSERT(events & PVPANIC_CRASH_LOADED);
    outb(GUEST_PVPANIC_PORT, PVPANIC_CRASH_LOADED);
    GUEST_SYNC(1);
    outb(GUEST_PVPANIC_PORT, PVPANIC_PANICKED);
    /* with -action panic=none the guest runs on */
    GUEST_SYNC(2);
    guest_poweroff();
    GUEST_ASSERT(!"S5 did not power off");
}
