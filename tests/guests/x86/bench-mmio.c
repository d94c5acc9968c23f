/*
 * N 32-bit writes to an unassigned MMIO address (N in the image
 * parameters, default 10000), then S5: one MMIO exit each.
 */
#include "guest.h"

GUEST_PARAMS(10000);

void guest_main(unsigned cpu)
{
    uint32_t n = guest_param_n();

    for (uint32_t i = 0; i < n; i++) {
        mmio_write32(GUEST_BENCH_MMIO, i);
    }
    guest_poweroff();
    GUEST_ASSERT(!"S5 did not power off");
}
