/*
 * N port writes (N in the image parameters, default 10000), then S5.
 * The host times runs with two values of N: the slope is the cost of one
 * PIO exit round trip.
 */
#include "guest.h"

GUEST_PARAMS(10000);

void guest_main(unsigned cpu)
{
    uint32_t n = guest_param_n();

    for (uint32_t i = 0; i < n; i++) {
        outb(GUEST_BENCH_PORT, (uint8_t)i);
    }
    guest_poweroff();
    GUEST_ASSERT(!"S5 did not power off");
}
