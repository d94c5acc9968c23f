/*
 * Triple fault on the first boot.  A host that reports it gives
 * KVM_EXIT_SHUTDOWN (a guest-reset request); a host that silently restarts
 * the vCPU instead (nested PVM) brings us back here with the RAM counter
 * at 1 even though the machine never reset: the guest says so on the
 * console (@@SYNC 2) and powers off, so the host test can skip with that
 * reason.  Stage 1 is reported just before the fault.
 */
#include "guest.h"

#define BOOT_MAGIC 0x544f4f42u

static GUEST_NOINIT volatile uint32_t boot_magic;
static GUEST_NOINIT volatile uint32_t boots;

void guest_main(unsigned cpu)
{
    if (boot_magic != BOOT_MAGIC) {
        boot_magic = BOOT_MAGIC;
        boots = 0;
    }
    boots++;
    guest_printf("triple-fault guest: boot %u\n", boots);
    GUEST_SYNC(boots);
    if (boots == 1) {
        guest_triple_fault();
    }
    guest_poweroff();
    GUEST_ASSERT(!"S5 did not power off");
}
