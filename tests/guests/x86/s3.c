/*
 * ACPI S3: suspend on the first boot; the wakeup (QMP system_wakeup)
 * re-enters at the reset vector with RAM kept, where the guest sees its
 * counter, reports stage 2 and powers off.
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
    guest_printf("s3 guest: boot %u\n", boots);
    GUEST_SYNC(boots);
    if (boots == 1) {
        guest_suspend_s3();
        GUEST_ASSERT(!"S3 was ignored");
    }
    guest_poweroff();
    GUEST_ASSERT(!"S5 did not power off");
}
