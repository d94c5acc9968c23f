/*
 * Hyper-V crash MSRs: latch five parameters in CRASH_P0..P4, read them
 * back, then write CRASH_CTL with CRASH_NOTIFY (bit 63).
 */
#include "guest.h"

#define HV_CRASH_P0 0x40000100u
#define HV_CRASH_CTL 0x40000105u
#define HV_CRASH_NOTIFY (1ull << 63)

static const uint64_t params[5] = {
    0x1111111100000001ull, 0x2222222200000002ull, 0x3333333300000003ull,
    0x4444444400000004ull, 0x5555555500000005ull,
};

void guest_main(unsigned cpu)
{
    guest_puts("hv-crash guest\n");
    GUEST_ASSERT(rdmsr(HV_CRASH_CTL) & HV_CRASH_NOTIFY);
    for (unsigned i = 0; i < 5; i++) {
        wrmsr(HV_CRASH_P0 + i, params[i]);
    }
    for (unsigned i = 0; i < 5; i++) {
        uint64_t v = rdmsr(HV_CRASH_P0 + i);
        GUEST_ASSERT_EQ(v, params[i]);
        GUEST_ASSERT_EQ(v >> 32, params[i] >> 32);
    }
    GUEST_SYNC(1);
    wrmsr(HV_CRASH_CTL, HV_CRASH_NOTIFY);
    GUEST_SYNC(2);
    guest_poweroff();
    GUEST_ASSERT(!"S5 did not power off");
}
