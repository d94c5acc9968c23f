/*
 * -smp N (N in the image parameters, default 4): every vCPU counts its own
 * boots in RAM, waits until all vCPUs have counted this boot, then they
 * all race to reset (first boot) or to power off (second boot).  The host
 * must see exactly one RESET and one SHUTDOWN: requests latch.
 *
 * Runs on every vCPU, so only the stack and .noinit may be used (crt0.S).
 */
#include "guest.h"

#define MAX_CPUS 16

GUEST_PARAMS(4);

static GUEST_NOINIT volatile uint32_t boots[MAX_CPUS];

void guest_main(unsigned cpu)
{
    uint32_t ncpus = guest_param_n();
    uint32_t mine;

    if (cpu >= ncpus || cpu >= MAX_CPUS) {
        guest_halt();
    }
    mine = atomic_add(&boots[cpu], 1);
    for (uint32_t i = 0; i < ncpus; i++) {
        while (boots[i] < mine) {
            cpu_relax();
        }
    }
    if (cpu == 0) {
        guest_printf("smp-race guest: %u vCPUs, boot %u\n", ncpus, mine);
        GUEST_SYNC(mine);
    }
    if (mine == 1) {
        guest_reset_cf9();
    } else {
        guest_poweroff();
    }
    /* the request is pending: the machine stops this vCPU */
    guest_halt();
}
