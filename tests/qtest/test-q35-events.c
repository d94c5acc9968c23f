/*
 * q35-lite power events compared whole: the scenario files
 * (scenarios/q35-*.scn) check event data as a subset, this program checks
 * that every event of the QEMU behaviour table carries exactly the data
 * QEMU gives -- no missing member, no extra one, no data where QEMU has
 * none -- and covers the SIGTERM row, which a scenario cannot send.
 * The only members allowed beyond QEMU's are qaccel's documented
 * extensions, named "qaccel-*" (docs/runstate.md).
 */
#include <signal.h>
#include <sys/types.h>

#include "libqtest.h"

/* A copy of the object @node without its "qaccel-*" members. */
static JsonNode *without_extensions(JsonNode *node)
{
    JsonNode *copy = json_node_copy(node);
    JsonObject *o = json_node_get_object(copy);
    g_autoptr(GList) names = json_object_get_members(o);

    for (GList *l = names; l; l = l->next) {
        if (g_str_has_prefix(l->data, "qaccel-")) {
            json_object_remove_member(o, l->data);
        }
    }
    return copy;
}

/*
 * The next event must be @name with exactly @data (NULL: no data), apart
 * from qaccel-* extension members.
 */
static void expect_exact(QTestState *qts, const char *name, const char *data)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonObject) ev = qtest_qmp_event_next(qts, 10000, &err);
    g_autoptr(JsonNode) evn = NULL;
    g_autofree char *text = NULL;
    JsonNode *have;

    g_assert_no_error(err);
    evn = json_node_init_object(json_node_alloc(), ev);
    text = qtest_json_to_string(evn);
    g_test_message("event %s", text);
    g_assert_cmpstr(json_object_get_string_member(ev, "event"), ==, name);
    have = json_object_get_member(ev, "data");
    if (!data) {
        g_assert_null(have);
        return;
    }
    {
        g_autoptr(JsonParser) p = json_parser_new();
        g_autoptr(JsonNode) qemu_part = NULL;
        g_assert_true(json_parser_load_from_data(p, data, -1, NULL));
        g_assert_nonnull(have);
        qemu_part = without_extensions(have);
        if (!json_node_equal(json_parser_get_root(p), qemu_part)) {
            g_error("event %s: data is not exactly %s", text, data);
        }
    }
}

static void expect_none(QTestState *qts)
{
    g_free(qtest_query_status(qts)); /* a round trip */

    g_assert_cmpuint(qtest_qmp_event_pending(qts), ==, 0);
}

static void expect_status(QTestState *qts, const char *want)
{
    g_autofree char *st = qtest_query_status(qts);

    g_assert_cmpstr(st, ==, want);
}

static void expect_exit(QTestState *qts, int status)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(qtest_wait_exit(qts, 10000, &err), ==, status);
    g_assert_no_error(err);
    qtest_set_expected_status(qts, status);
    qtest_quit(qts);
}

#define GUEST(reason) "{\"guest\": true, \"reason\": \"" reason "\"}"
#define HOST(reason) "{\"guest\": false, \"reason\": \"" reason "\"}"

static void test_s5(void)
{
    QTestState *qts = qtest_init("-machine q35-lite");

    qtest_outw(qts, 0x604, 0x2000);
    expect_exact(qts, "SHUTDOWN", GUEST("guest-shutdown"));
    expect_exit(qts, 0);
}

static void test_s4_no_shutdown(void)
{
    QTestState *qts = qtest_init("-machine q35-lite -no-shutdown");

    qtest_outw(qts, 0x604, 0x2800);
    expect_exact(qts, "SUSPEND_DISK", NULL);
    expect_exact(qts, "SHUTDOWN", GUEST("guest-shutdown"));
    expect_exact(qts, "STOP", NULL);
    expect_none(qts);
    expect_status(qts, "shutdown");
    qtest_qmp_assert_success(qts, "{'execute': 'system_reset'}");
    expect_exact(qts, "RESET", HOST("host-qmp-system-reset"));
    qtest_qmp_assert_success(qts, "{'execute': 'cont'}");
    expect_exact(qts, "RESUME", NULL);
    expect_none(qts);
    qtest_quit(qts);
}

static void test_s3_wakeup_powerdown(void)
{
    QTestState *qts = qtest_init("-machine q35-lite");

    qtest_outw(qts, 0x604, 0x2400);
    expect_exact(qts, "SUSPEND", NULL);
    qtest_qmp_assert_success(qts, "{'execute': 'system_powerdown'}");
    expect_exact(qts, "POWERDOWN", NULL);
    qtest_qmp_assert_success(qts, "{'execute': 'system_wakeup'}");
    expect_exact(qts, "WAKEUP", NULL);
    expect_none(qts);
    expect_status(qts, "running");
    qtest_quit(qts);
}

static void test_resets(void)
{
    QTestState *qts = qtest_init("-machine q35-lite");

    qtest_outb(qts, 0xcf9, 0x06);
    expect_exact(qts, "RESET", GUEST("guest-reset"));
    qtest_outb(qts, 0x64, 0xfe);
    expect_exact(qts, "RESET", GUEST("guest-reset"));
    qtest_qmp_assert_success(qts, "{'execute': 'system_reset'}");
    expect_exact(qts, "RESET", HOST("host-qmp-system-reset"));
    expect_none(qts);
    qtest_quit(qts);
}

static void test_reset_no_reboot(void)
{
    QTestState *qts = qtest_init("-machine q35-lite -no-reboot");

    qtest_outb(qts, 0x64, 0xfe);
    expect_exact(qts, "SHUTDOWN", GUEST("guest-reset"));
    expect_exit(qts, 0);
}

static void test_pvpanic_poweroff(void)
{
    QTestState *qts = qtest_init("-machine q35-lite -device pvpanic");

    qtest_outb(qts, 0x505, 0x02);
    expect_exact(qts, "GUEST_CRASHLOADED", "{\"action\": \"run\"}");
    qtest_outb(qts, 0x505, 0x01);
    expect_exact(qts, "GUEST_PANICKED", "{\"action\": \"poweroff\"}");
    expect_exact(qts, "STOP", NULL);
    expect_exact(qts, "SHUTDOWN", GUEST("guest-panic"));
    expect_exit(qts, 0);
}

static void test_pvpanic_pause(void)
{
    QTestState *qts =
        qtest_init("-machine q35-lite -device pvpanic -action panic=pause");

    qtest_outb(qts, 0x505, 0x01);
    expect_exact(qts, "GUEST_PANICKED", "{\"action\": \"pause\"}");
    expect_exact(qts, "STOP", NULL);
    expect_none(qts);
    expect_status(qts, "guest-panicked");
    qtest_quit(qts);
}

static void test_pvpanic_pvshutdown(void)
{
    QTestState *qts = qtest_init("-machine q35-lite -device pvpanic");

    qtest_outb(qts, 0x505, 0x04);
    expect_exact(qts, "GUEST_PVSHUTDOWN", NULL);
    expect_exact(qts, "SHUTDOWN", GUEST("guest-shutdown"));
    expect_exit(qts, 0);
}

static void test_hyperv_crash(void)
{
    QTestState *qts = qtest_init("-machine q35-lite -action panic=none");
    static const uint64_t p[5] = {0x0a, 0x0100000000051000, 0x7fff0000, 3,
                                  0x40};
    g_autofree char *want = g_strdup_printf(
        "{\"action\": \"run\", \"info\": {\"type\": \"hyper-v\", "
        "\"arg1\": %" G_GUINT64_FORMAT ", \"arg2\": %" G_GUINT64_FORMAT
        ", \"arg3\": %" G_GUINT64_FORMAT ", \"arg4\": %" G_GUINT64_FORMAT
        ", \"arg5\": %" G_GUINT64_FORMAT "}}",
        p[0], p[1], p[2], p[3], p[4]);

    for (unsigned i = 0; i < 5; i++) {
        g_autofree char *r =
            qtest_rawf(qts, "wrmsr 0 0x%x 0x%" G_GINT64_MODIFIER "x",
                       0x40000100 + i, p[i]);
        g_assert_cmpstr(r, ==, "OK");
    }
    g_free(qtest_rawf(qts, "wrmsr 0 0x40000105 0x8000000000000000"));
    expect_exact(qts, "GUEST_PANICKED", want);
    expect_none(qts);
    expect_status(qts, "running");
    qtest_quit(qts);
}

static void test_quit_and_sigterm(void)
{
    QTestState *qts = qtest_init("-machine q35-lite");

    qtest_qmp_assert_success(qts, "{'execute': 'stop'}");
    expect_exact(qts, "STOP", NULL);
    qtest_qmp_assert_success(qts, "{'execute': 'quit'}");
    expect_exact(qts, "SHUTDOWN", HOST("host-qmp-quit"));
    expect_exit(qts, 0);

    qts = qtest_init("-machine q35-lite");
    g_assert_cmpint(kill(qtest_pid(qts), SIGTERM), ==, 0);
    expect_exact(qts, "SHUTDOWN", HOST("host-signal"));
    expect_exit(qts, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/q35/events/s5", test_s5);
    g_test_add_func("/q35/events/s4-no-shutdown", test_s4_no_shutdown);
    g_test_add_func("/q35/events/s3-wakeup-powerdown",
                    test_s3_wakeup_powerdown);
    g_test_add_func("/q35/events/resets", test_resets);
    g_test_add_func("/q35/events/reset-no-reboot", test_reset_no_reboot);
    g_test_add_func("/q35/events/pvpanic-poweroff", test_pvpanic_poweroff);
    g_test_add_func("/q35/events/pvpanic-pause", test_pvpanic_pause);
    g_test_add_func("/q35/events/pvpanic-pvshutdown", test_pvpanic_pvshutdown);
    g_test_add_func("/q35/events/hyperv-crash", test_hyperv_crash);
    g_test_add_func("/q35/events/quit-and-sigterm", test_quit_and_sigterm);
    return g_test_run();
}
