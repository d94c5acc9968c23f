/*
 * Reset twice, then power off: counts boots in RAM (which a reset keeps)
 * and resets through the 0xCF9 reset control register, or the i8042
 * keyboard controller when built with -DRESET_VIA_I8042.
 */
#include "guest.h"

#define BOOT_MAGIC 0x544f4f42u /* "BOOT" */

static GUEST_NOINIT volatile uint32_t boot_magic;
static GUEST_NOINIT volatile uint32_t boots;

void guest_main(unsigned cpu)
{
    if (boot_magic != BOOT_MAGIC) {
        boot_magic = BOOT_MAGIC;
        boots = 0;
    }
    boots++;
    guest_printf("reset guest: boot %u\n", boots);
    GUEST_SYNC(boots);
    if (boots < 3) {
#ifdef RESET_VIA_I8042
        guest_reset_i8042();
#else
        guest_reset_cf9();
#endif
        GUEST_ASSERT(!"the reset request was ignored");
    }
    guest_poweroff();
    GUEST_ASSERT(!"S5 did not power off");
}
