/*
 * QMP against qaccel: the greeting, capabilities negotiation, the exact
 * error classes and texts of QEMU (spec qtest-protocol.md section 4), id
 * echo, every command, event form and ordering.
 *
 * Raw checks use a second QMP server (-qmp unix:PATH,server=on,wait=off)
 * so the exact bytes on the wire can be compared.
 */
#include <string.h>
#include <glib/gstdio.h>
#include "libqtest.h"

static void send_str(QTestRawConn *c, const char *text)
{
    g_assert_true(qtest_raw_write(c, text, strlen(text), NULL));
}

static QTestState *qts;
static char *qmp2_path;

static QTestRawConn *raw_open(bool negotiate)
{
    g_autoptr(GError) err = NULL;
    QTestRawConn *c = qtest_raw_connect(qmp2_path, &err);
    g_autofree char *greeting = NULL;

    g_assert_no_error(err);
    greeting = qtest_raw_readline(c, 10000, &err);
    g_assert_no_error(err);
    g_assert_true(g_str_has_prefix(greeting, "{\"QMP\": "));
    if (negotiate) {
        g_autofree char *r = NULL;
        send_str(c, "{\"execute\": \"qmp_capabilities\"}\n");
        r = qtest_raw_readline(c, 10000, &err);
        g_assert_cmpstr(r, ==, "{\"return\": {}}");
    }
    return c;
}

static void raw_expect(QTestRawConn *c, const char *send, const char *want)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *r = NULL;

    if (send) {
        g_assert_true(qtest_raw_write(c, send, strlen(send), &err));
    }
    r = qtest_raw_readline(c, 10000, &err);
    g_assert_no_error(err);
    if (!g_pattern_match_simple(want, r)) {
        g_error("sent %s\ngot      %s\nexpected %s", send, r, want);
    }
}

#define GENERIC(d)                                                             \
    "{\"error\": {\"class\": \"GenericError\", \"desc\": \"" d "\"}}"

static void test_greeting(void)
{
    g_autoptr(GError) err = NULL;
    QTestRawConn *c = qtest_raw_connect(qmp2_path, &err);
    g_autofree char *g = qtest_raw_readline(c, 10000, &err);

    g_assert_no_error(err);
    if (!g_pattern_match_simple(
            "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": *, \"minor\": *, "
            "\"major\": *}, \"package\": \"qaccel\"}, \"capabilities\": "
            "[\"oob\"]}}",
            g)) {
        g_error("greeting: %s", g);
    }
    qtest_raw_close(c);
}

static void test_negotiation(void)
{
    QTestRawConn *c = raw_open(false);

    raw_expect(c, "{\"execute\": \"query-status\"}\n",
               "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
               "\"Expecting capabilities negotiation with "
               "'qmp_capabilities'\"}}");
    raw_expect(c, "{\"execute\": \"nosuch\", \"id\": 1}\n",
               "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
               "\"Expecting capabilities negotiation with "
               "'qmp_capabilities'\"}, \"id\": 1}");
    /* no events before negotiation: a reset now must not show up */
    qtest_outb(qts, 0xcf9, 0x6);
    qtest_qmp_eventwait(qts, "RESET");
    raw_expect(c,
               "{\"execute\": \"qmp_capabilities\", \"arguments\": "
               "{\"enable\": [\"oob\"]}, \"id\": \"n\"}\n",
               "{\"return\": {}, \"id\": \"n\"}");
    raw_expect(c, "{\"execute\": \"qmp_capabilities\"}\n",
               "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": "
               "\"Capabilities negotiation is already complete, command "
               "ignored\"}}");
    /* oob enabled: exec-oob is recognised, but no command supports it */
    raw_expect(c, "{\"exec-oob\": \"query-status\"}\n",
               GENERIC("The command query-status does not support OOB"));
    qtest_raw_close(c);
}

static void test_error_table(void)
{
    static const struct {
        const char *in, *out;
    } table[] = {
        {"{\"execute\": \"query-status\"]\n",
         GENERIC("JSON parse error, expected separator in dict")},
        {"foo\n", GENERIC("JSON parse error, invalid keyword 'foo'")},
        {"}\n", GENERIC("JSON parse error, expecting value")},
        {"[]\n", GENERIC("QMP input must be a JSON object")},
        {"{\"foo\": 1}\n", GENERIC("QMP input member 'foo' is unexpected")},
        {"{\"execute\": 1}\n",
         GENERIC("QMP input member 'execute' must be a string")},
        {"{\"execute\": \"query-status\", \"arguments\": []}\n",
         GENERIC("QMP input member 'arguments' must be an object")},
        {"{\"execute\": \"no-such-command\"}\n",
         "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The "
         "command no-such-command has not been found\"}}"},
        {"{\"execute\": \"query-status\", \"arguments\": {\"bogus\": 1}}\n",
         GENERIC("Parameter 'bogus' is unexpected")},
        {"{\"execute\": \"system_wakeup\"}\n",
         GENERIC("Unable to wake up: guest is not in suspended state")},
        {"{\"id\": 7}\n",
         "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input "
         "lacks member 'execute'\"}, \"id\": 7}"},
        {"{\"execute\": \"qom-get\", \"arguments\": {\"path\": "
         "\"/machine\"}}\n",
         GENERIC("Parameter 'property' is missing")},
        {"{\"execute\": \"qom-get\", \"arguments\": {\"path\": 1, "
         "\"property\": \"x\"}}\n",
         GENERIC("Invalid parameter type for 'path', expected: string")},
        {"{\"execute\": \"qom-list\", \"arguments\": {\"path\": "
         "\"/nosuch\"}}\n",
         "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device "
         "'/nosuch' not found\"}}"},
        {"{\"execute\": \"qom-get\", \"arguments\": {\"path\": "
         "\"/machine/pm\", \"property\": \"nosuch\"}}\n",
         GENERIC("Property 'acpi-pm.nosuch' not found")},
        {"{\"execute\": \"set-action\", \"arguments\": {\"panic\": "
         "\"sometimes\"}}\n",
         GENERIC("Parameter 'panic' does not accept value 'sometimes'")},
        {"{\"execute\": \"query-status\", \"id\": {\"a\": [1, \"x\"]}}\n",
         "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": "
         "{\"a\": [1, \"x\"]}}"},
        {"{'execute': 'query-status', 'id': 'single'}\n",
         "{\"return\": {*}, \"id\": \"single\"}"},
        {"@\n", GENERIC("JSON parse error, stray '@'")},
        {"{\"a\": 1, \"a\": 2}\n", GENERIC("JSON parse error, duplicate key")},
        {"{\"execute\": \"x\\u00e9\"}\n",
         "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The "
         "command x\\u00e9 has not been found\"}}"},
        {"{\"exec-oob\": \"query-status\"}\n",
         GENERIC("QMP input member 'exec-oob' is unexpected")},
    };
    QTestRawConn *c = raw_open(true);

    for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
        raw_expect(c, table[i].in, table[i].out);
    }
    /* two messages in one write, and one message split over writes */
    raw_expect(c,
               "{\"execute\": \"stop\", \"id\": 1}{\"execute\": "
               "\"cont\", \"id\": 2}",
               "{\"event\": \"STOP\"*");
    raw_expect(c, NULL, "{\"return\": {}, \"id\": 1}");
    raw_expect(c, NULL, "{\"event\": \"RESUME\"*");
    raw_expect(c, NULL, "{\"return\": {}, \"id\": 2}");
    send_str(c, "{\"execute\": \"que");
    g_usleep(20000);
    raw_expect(c, "ry-status\"}", "{\"return\": {\"status\": \"running\"*");
    qtest_raw_close(c);
    /* the libqtest connection saw STOP and RESUME too */
    qtest_qmp_eventwait(qts, "STOP");
    qtest_qmp_eventwait(qts, "RESUME");
}

static JsonObject *ret_object(JsonObject *r)
{
    g_assert_true(json_object_has_member(r, "return"));
    return json_object_get_object_member(r, "return");
}

static JsonArray *ret_array(JsonObject *r)
{
    g_assert_true(json_object_has_member(r, "return"));
    return json_object_get_array_member(r, "return");
}

static bool array_has_name(JsonArray *a, const char *name)
{
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);
        if (!g_strcmp0(json_object_get_string_member(o, "name"), name)) {
            return true;
        }
    }
    return false;
}

static void test_queries(void)
{
    static const char *const cmds[] = {
        "qmp_capabilities",
        "query-version",
        "query-commands",
        "query-status",
        "query-machines",
        "query-accelerators",
        "query-cpus-fast",
        "stop",
        "cont",
        "system_reset",
        "system_powerdown",
        "system_wakeup",
        "quit",
        "set-action",
        "qom-list",
        "qom-get",
        "qom-set",
        "query-sysevent-stats",
    };
    g_autoptr(JsonObject) v = qtest_qmp(qts, "{'execute': 'query-version'}");
    g_autoptr(JsonObject) c = qtest_qmp(qts, "{'execute': 'query-commands'}");
    g_autoptr(JsonObject) m = qtest_qmp(qts, "{'execute': 'query-machines'}");
    g_autoptr(JsonObject) a =
        qtest_qmp(qts, "{'execute': 'query-accelerators'}");
    g_autoptr(JsonObject) cpus =
        qtest_qmp(qts, "{'execute': 'query-cpus-fast'}");
    JsonArray *accels;
    bool qtest_current = false;

    g_assert_true(json_object_has_member(ret_object(v), "qemu"));
    for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++) {
        g_assert_true(array_has_name(ret_array(c), cmds[i]));
    }
    g_assert_true(array_has_name(ret_array(m), "q35-lite"));
    accels = ret_array(a);
    for (guint i = 0; i < json_array_get_length(accels); i++) {
        JsonObject *o = json_array_get_object_element(accels, i);
        if (!strcmp(json_object_get_string_member(o, "name"), "qtest")) {
            g_assert_true(json_object_get_boolean_member(o, "usable"));
            qtest_current = json_object_get_boolean_member(o, "current");
        }
    }
    g_assert_true(qtest_current);
    g_assert_cmpuint(json_array_get_length(ret_array(cpus)), ==, 1);
    g_assert_cmpint(
        json_object_get_int_member(
            json_array_get_object_element(ret_array(cpus), 0), "cpu-index"),
        ==, 0);
}

static void test_qom(void)
{
    g_autoptr(JsonObject) l =
        qtest_qmp(qts, "{'execute': 'qom-list', 'arguments': "
                       "{'path': '/machine'}}");
    g_autoptr(JsonObject) t =
        qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                       "{'path': '/machine/pm', 'property': 'type'}}");
    g_autoptr(JsonObject) p =
        qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                       "{'path': 'pm', 'property': 'type'}}");
    g_autoptr(JsonObject) s =
        qtest_qmp(qts, "{'execute': 'qom-set', 'arguments': "
                       "{'path': '/machine/pm', 'property': 'nosuch', "
                       "'value': 1}}");

    g_assert_true(array_has_name(ret_array(l), "pm"));
    g_assert_true(array_has_name(ret_array(l), "type"));
    g_assert_cmpstr(json_object_get_string_member(t, "return"), ==, "acpi-pm");
    g_assert_cmpstr(json_object_get_string_member(p, "return"), ==, "acpi-pm");
    g_assert_true(json_object_has_member(s, "error"));
}

/* RESET/RESUME/SHUTDOWN are written before the command's return. */
static void test_event_order(void)
{
    QTestRawConn *c = raw_open(true);
    g_autoptr(JsonObject) ev = NULL;
    JsonObject *ts;

    raw_expect(c, "{\"execute\": \"system_reset\"}\n",
               "{\"event\": \"RESET\", \"data\": {\"guest\": false, "
               "\"reason\": \"host-qmp-system-reset\"*}, \"timestamp\": "
               "{\"seconds\": *, \"microseconds\": *}}");
    raw_expect(c, NULL, "{\"return\": {}}");
    raw_expect(c, "{\"execute\": \"stop\"}\n",
               "{\"event\": \"STOP\", "
               "\"timestamp\": *}");
    raw_expect(c, NULL, "{\"return\": {}}");
    raw_expect(c, "{\"execute\": \"stop\"}\n", "{\"return\": {}}");
    raw_expect(c, "{\"execute\": \"cont\"}\n", "{\"event\": \"RESUME\"*");
    raw_expect(c, NULL, "{\"return\": {}}");
    raw_expect(c, "{\"execute\": \"cont\"}\n", "{\"return\": {}}");
    raw_expect(c, "{\"execute\": \"system_powerdown\"}\n",
               "{\"event\": \"POWERDOWN\"*");
    raw_expect(c, NULL, "{\"return\": {}}");
    qtest_raw_close(c);

    ev = qtest_qmp_eventwait_ref(qts, "RESET");
    ts = json_object_get_object_member(ev, "timestamp");
    g_assert_cmpint(json_object_get_int_member(ts, "seconds"), >, 1600000000);
    g_assert_cmpint(json_object_get_int_member(ts, "microseconds"), >=, 0);
    g_assert_cmpint(json_object_get_int_member(ts, "microseconds"), <, 1000000);
    qtest_qmp_eventwait(qts, "STOP");
    qtest_qmp_eventwait(qts, "RESUME");
    qtest_qmp_eventwait(qts, "POWERDOWN");
}

static void test_stats(void)
{
    g_autoptr(JsonObject) r = NULL;
    JsonObject *ret;
    JsonArray *events;

    qtest_qmp_assert_success(qts, "{'execute': 'set-action', 'arguments': "
                                  "{'guest-error': 'ignore'}}");
    g_free(qtest_rawf(qts, "vcpu_exit 0 system_event 2 0"));
    qtest_qmp_eventwait(qts, "RESET");
    g_free(qtest_rawf(qts, "vcpu_exit 0 system_event 99 20"));
    r = qtest_qmp(qts, "{'execute': 'query-sysevent-stats'}");
    ret = ret_object(r);
    events = json_object_get_array_member(ret, "events");
    for (guint i = 0; i < json_array_get_length(events); i++) {
        JsonObject *e = json_array_get_object_element(events, i);
        const char *type = json_object_get_string_member(e, "type");
        if (!strcmp(type, "reset")) {
            g_assert_cmpint(json_object_get_int_member(e, "injected"), >=, 1);
        }
        if (!strcmp(type, "unknown")) {
            g_assert_cmpint(json_object_get_int_member(e, "injected"), >=, 1);
        }
    }
    g_assert_cmpint(json_object_get_int_member(ret, "unknown"), >=, 1);
    g_assert_cmpint(json_object_get_int_member(ret, "clamped"), >=, 1);
    g_assert_true(json_object_has_member(ret, "requests"));
    g_assert_true(json_object_has_member(ret, "guest-errors"));
}

/* Last: quit's SHUTDOWN precedes its return, then the process exits 0. */
static void test_quit(void)
{
    QTestRawConn *c = raw_open(true);
    g_autoptr(GError) err = NULL;

    raw_expect(c, "{\"execute\": \"quit\", \"id\": \"q\"}\n",
               "{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false, "
               "\"reason\": \"host-qmp-quit\"}, \"timestamp\": *}");
    raw_expect(c, NULL, "{\"return\": {}, \"id\": \"q\"}");
    g_assert_cmpint(qtest_wait_exit(qts, 10000, &err), ==, 0);
    qtest_raw_close(c);
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);
    dir = g_dir_make_tmp("qaccel-qmp-XXXXXX", &err);
    g_assert_no_error(err);
    qmp2_path = g_build_filename(dir, "qmp2.sock", NULL);
    qts = qtest_initf("-qmp unix:%s,server=on,wait=off", qmp2_path);
    g_test_add_func("/qmp/greeting", test_greeting);
    g_test_add_func("/qmp/negotiation", test_negotiation);
    g_test_add_func("/qmp/error-table", test_error_table);
    g_test_add_func("/qmp/queries", test_queries);
    g_test_add_func("/qmp/qom", test_qom);
    g_test_add_func("/qmp/event-order", test_event_order);
    g_test_add_func("/qmp/stats", test_stats);
    g_test_add_func("/qmp/quit", test_quit);
    ret = g_test_run();
    qtest_quit(qts);
    g_remove(qmp2_path);
    g_rmdir(dir);
    g_free(qmp2_path);
    return ret;
}
