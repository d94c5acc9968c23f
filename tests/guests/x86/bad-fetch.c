/*
 * Jump to an address with no memory behind it (the PCI hole).  KVM cannot
 * fetch instructions from MMIO, so the next KVM_RUN fails with
 * KVM_EXIT_INTERNAL_ERROR (emulation failure): qaccel must report the
 * internal-error runstate and keep running, never exit or crash.
 */
#include "guest.h"

void guest_main(unsigned cpu)
{
    void (*nowhere)(void) = (void (*)(void))GUEST_BENCH_MMIO;

    GUEST_SYNC(1);
    nowhere();
    GUEST_ASSERT(!"executed code from MMIO");
}
