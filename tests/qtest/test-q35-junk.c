/*
 * Guest junk on q35-lite: random reads and writes of every width across
 * the whole I/O port space and around every device register, and random
 * MSR accesses around the Hyper-V crash MSRs, against a running qaccel.
 *
 * Nothing may crash or hang qaccel (every reply has a timeout; the
 * process must exit cleanly at the end), unassigned ports must read all
 * ones, and only a write that touches a register able to raise a power
 * event may be followed by one -- of the kinds that register can raise:
 *
 *   0x60, 0x64, 0xCF9      RESET (guest-reset)
 *   0x605 (PM1_CNT high)   SUSPEND, SUSPEND_DISK, SHUTDOWN (guest-shutdown)
 *   0x505 (pvpanic)        GUEST_PANICKED, GUEST_CRASHLOADED,
 *                          GUEST_PVSHUTDOWN, SHUTDOWN (guest-shutdown)
 *   CRASH_CTL (MSR)        GUEST_PANICKED
 *
 * After such an event the test brings the machine back to running
 * (system_reset + cont, system_wakeup) and goes on.  QTEST_JUNK_SEED and
 * QTEST_JUNK_ITERATIONS override the seed and the number of accesses.
 */
#include <stdlib.h>
#include <string.h>

#include "libqtest.h"

#define HV_P0 0x40000100u
#define HV_CTL 0x40000105u

typedef enum {
    ALLOW_NONE = 0,
    ALLOW_RESET = 1 << 0,
    ALLOW_SLEEP = 1 << 1,
    ALLOW_PANIC = 1 << 2,
} Allow;

/* Bytes that may raise power events, and what they may raise. */
static const struct {
    uint16_t port;
    Allow allow;
} power_bytes[] = {
    {0x60, ALLOW_RESET},  {0x64, ALLOW_RESET},  {0xcf9, ALLOW_RESET},
    {0x605, ALLOW_SLEEP}, {0x505, ALLOW_PANIC},
};

/* Every port a device of this board answers (others read all ones). */
static bool assigned(uint32_t port)
{
    return port == 0x60 || port == 0x64 || port == 0xb2 || port == 0xb3 ||
           port == 0x505 || (port >= 0x600 && port < 0x606) ||
           (port >= 0x608 && port < 0x60c) || (port >= 0x620 && port < 0x630) ||
           port == 0xcf9;
}

static Allow allowed_for(uint32_t addr, unsigned size)
{
    Allow a = ALLOW_NONE;

    for (unsigned i = 0; i < G_N_ELEMENTS(power_bytes); i++) {
        if (power_bytes[i].port >= addr && power_bytes[i].port < addr + size) {
            a |= power_bytes[i].allow;
        }
    }
    return a;
}

static bool event_allowed(JsonObject *ev, Allow allow)
{
    const char *name = json_object_get_string_member(ev, "event");
    JsonObject *data = json_object_has_member(ev, "data")
                           ? json_object_get_object_member(ev, "data")
                           : NULL;
    const char *reason =
        data ? json_object_get_string_member_with_default(data, "reason", "")
             : "";

    if (!strcmp(name, "STOP")) {
        return allow & (ALLOW_SLEEP | ALLOW_PANIC);
    }
    if (!strcmp(name, "RESET")) {
        return (allow & ALLOW_RESET) && !strcmp(reason, "guest-reset");
    }
    if (!strcmp(name, "SHUTDOWN")) {
        return (allow & (ALLOW_SLEEP | ALLOW_PANIC)) &&
               !strcmp(reason, "guest-shutdown");
    }
    if (!strcmp(name, "SUSPEND") || !strcmp(name, "SUSPEND_DISK")) {
        return allow & ALLOW_SLEEP;
    }
    if (!strcmp(name, "GUEST_PANICKED") || !strcmp(name, "GUEST_CRASHLOADED") ||
        !strcmp(name, "GUEST_PVSHUTDOWN")) {
        return allow & ALLOW_PANIC;
    }
    return false;
}

typedef struct Junk {
    QTestState *qts;
    GRand *rand;
    unsigned events; /* power events seen */
    unsigned recoveries;
} Junk;

/* Check every event queued after a round trip against @allow. */
static unsigned check_events(Junk *j, Allow allow, const char *what)
{
    g_free(qtest_query_status(j->qts)); /* sync */
    unsigned n = 0;

    while (qtest_qmp_event_pending(j->qts)) {
        g_autoptr(JsonObject) ev = qtest_qmp_event_next(j->qts, 0, NULL);
        g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), ev);
        g_autofree char *text = qtest_json_to_string(node);

        if (!event_allowed(ev, allow)) {
            g_error("%s raised %s", what, text);
        }
        n++;
    }
    j->events += n;
    return n;
}

/* Bring the machine back to running after a power event. */
static void recover(Junk *j)
{
    g_autofree char *st = qtest_query_status(j->qts);

    if (!strcmp(st, "running")) {
        return;
    }
    j->recoveries++;
    if (!strcmp(st, "suspended")) {
        qtest_qmp_assert_success(j->qts, "{'execute': 'system_wakeup'}");
        qtest_qmp_eventwait(j->qts, "WAKEUP");
    } else {
        if (!strcmp(st, "shutdown")) {
            qtest_system_reset(j->qts);
        }
        qtest_qmp_assert_success(j->qts, "{'execute': 'cont'}");
        qtest_qmp_eventwait(j->qts, "RESUME");
    }
    g_free(st);
    st = qtest_query_status(j->qts);
    g_assert_cmpstr(st, ==, "running");
    g_assert_cmpuint(qtest_qmp_event_pending(j->qts), ==, 0);
}

static uint32_t pick_port(Junk *j)
{
    static const uint16_t near[] = {0x60,  0x64,  0xb2,  0x505,
                                    0x600, 0x620, 0xcf9, 0xcf8};

    if (g_rand_boolean(j->rand)) {
        return g_rand_int_range(j->rand, 0, 0x10000);
    }
    return (near[g_rand_int_range(j->rand, 0, G_N_ELEMENTS(near))] +
            g_rand_int_range(j->rand, -3, 0x30)) &
           0xffff;
}

static void junk_read(Junk *j, uint32_t port, unsigned size)
{
    uint64_t v, ones = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    bool any = false;

    for (unsigned i = 0; i < size; i++) {
        any |= assigned((port + i) & 0xffff);
    }
    v = size == 1   ? qtest_inb(j->qts, port)
        : size == 2 ? qtest_inw(j->qts, port)
                    : qtest_inl(j->qts, port);
    if (!any && v != ones) {
        g_error("unassigned in%c 0x%x read 0x%" G_GINT64_MODIFIER "x",
                "bwl"[size / 2], port, v);
    }
}

static void junk_write(Junk *j, uint32_t port, unsigned size)
{
    uint32_t v = g_rand_int(j->rand);
    Allow allow;

    if (port + size > 0x10000) {
        size = 1; /* the protocol takes 16-bit ports */
    }
    allow = allowed_for(port, size);
    switch (size) {
    case 1:
        qtest_outb(j->qts, port, v);
        break;
    case 2:
        qtest_outw(j->qts, port, v);
        break;
    default:
        qtest_outl(j->qts, port, v);
        break;
    }
    if (allow != ALLOW_NONE) {
        g_autofree char *what =
            g_strdup_printf("out%c 0x%x 0x%x", "bwl"[size / 2], port, v);
        if (check_events(j, allow, what)) {
            recover(j);
        }
    }
}

static void junk_msr(Junk *j)
{
    uint32_t index = g_rand_boolean(j->rand)
                         ? HV_P0 + g_rand_int_range(j->rand, -2, 8)
                         : g_rand_int(j->rand);
    uint64_t v = ((uint64_t)g_rand_int(j->rand) << 32) | g_rand_int(j->rand);
    bool mine = index >= HV_P0 && index <= HV_CTL;
    bool write = g_rand_boolean(j->rand);
    g_autofree char *reply = NULL;

    if (write) {
        reply = qtest_rawf(j->qts, "wrmsr 0 0x%x 0x%" G_GINT64_MODIFIER "x",
                           index, v);
    } else {
        reply = qtest_rawf(j->qts, "rdmsr 0 0x%x", index);
    }
    if (mine) {
        g_assert_true(g_str_has_prefix(reply, "OK"));
    } else {
        g_assert_cmpstr(reply, ==, "ERR #GP");
    }
    if (write) {
        g_autofree char *what = g_strdup_printf("wrmsr 0x%x", index);
        Allow allow = index == HV_CTL && (v >> 63) ? ALLOW_PANIC : ALLOW_NONE;
        if (check_events(j, allow, what)) {
            recover(j);
        }
    }
}

static unsigned env_uint(const char *name, unsigned def)
{
    const char *s = g_getenv(name);

    return s && *s ? (unsigned)strtoul(s, NULL, 0) : def;
}

static void test_junk(void)
{
    static const unsigned sizes[] = {1, 2, 4};
    unsigned seed = env_uint("QTEST_JUNK_SEED", 0x9e3779b9);
    unsigned iterations = env_uint("QTEST_JUNK_ITERATIONS", 50000);
    Junk j = {0};

    g_test_message("seed 0x%x, %u accesses", seed, iterations);
    j.rand = g_rand_new_with_seed(seed);
    /* keep the machine alive through what the junk asks for */
    j.qts = qtest_init("-machine q35-lite -device pvpanic -no-shutdown "
                       "-action panic=none");
    qtest_set_timeout(j.qts, 20000);
    for (unsigned i = 0; i < iterations; i++) {
        unsigned kind = g_rand_int_range(j.rand, 0, 20);
        uint32_t port = pick_port(&j);
        unsigned size = sizes[g_rand_int_range(j.rand, 0, 3)];

        if (kind == 0) {
            junk_msr(&j);
        } else if (kind < 9) {
            junk_read(&j, port, size);
        } else {
            junk_write(&j, port, size);
        }
        if (i % 64 == 63) {
            /* everything since the last check was harmless */
            check_events(&j, ALLOW_NONE, "a harmless access");
        }
    }
    check_events(&j, ALLOW_NONE, "a harmless access");
    g_test_message("%u power events, %u recoveries", j.events, j.recoveries);
    /* the junk did reach the power registers */
    g_assert_cmpuint(j.events, >, 0);
    qtest_quit(j.qts);
    g_rand_free(j.rand);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/q35/junk", test_junk);
    return g_test_run();
}
