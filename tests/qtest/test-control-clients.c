/*
 * Several control clients at once: the libqtest qtest + QMP pair plus two
 * raw QMP clients on a listening socket.  Events reach every negotiated
 * client; a client that sends garbage or disconnects in the middle of a
 * message disturbs no other, and qaccel keeps serving.
 */
#include <string.h>
#include <glib/gstdio.h>
#include "libqtest.h"

static void send_str(QTestRawConn *c, const char *text)
{
    g_assert_true(qtest_raw_write(c, text, strlen(text), NULL));
}

static char *qmp2_path;

static QTestRawConn *open_client(void)
{
    g_autoptr(GError) err = NULL;
    QTestRawConn *c = qtest_raw_connect(qmp2_path, &err);
    g_autofree char *greeting = NULL, *r = NULL;

    g_assert_no_error(err);
    greeting = qtest_raw_readline(c, 10000, &err);
    g_assert_no_error(err);
    send_str(c, "{\"execute\": \"qmp_capabilities\"}");
    r = qtest_raw_readline(c, 10000, &err);
    g_assert_cmpstr(r, ==, "{\"return\": {}}");
    return c;
}

static void expect_line(QTestRawConn *c, const char *pattern)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *l = qtest_raw_readline(c, 10000, &err);

    g_assert_no_error(err);
    if (!g_pattern_match_simple(pattern, l)) {
        g_error("got %s, expected %s", l, pattern);
    }
}

static QTestState *start(void)
{
    return qtest_initf("-qmp unix:%s,server=on,wait=off", qmp2_path);
}

static void test_events_reach_everyone(void)
{
    QTestState *qts = start();
    QTestRawConn *a = open_client(), *b = open_client();

    qtest_outb(qts, 0xcf9, 0x6);
    qtest_qmp_eventwait(qts, "RESET");
    expect_line(a, "{\"event\": \"RESET\", \"data\": {\"guest\": true, "
                   "\"reason\": \"guest-reset\"*");
    expect_line(b, "{\"event\": \"RESET\", \"data\": {\"guest\": true, "
                   "\"reason\": \"guest-reset\"*");
    /* A command from one client: its events go to all, its reply to it. */
    send_str(a, "{\"execute\": \"stop\", \"id\": 1}");
    expect_line(a, "{\"event\": \"STOP\"*");
    expect_line(a, "{\"return\": {}, \"id\": 1}");
    expect_line(b, "{\"event\": \"STOP\"*");
    qtest_qmp_eventwait(qts, "STOP");
    qtest_qmp_assert_success(qts, "{'execute': 'cont'}");
    expect_line(a, "{\"event\": \"RESUME\"*");
    expect_line(b, "{\"event\": \"RESUME\"*");
    qtest_raw_close(a);
    qtest_raw_close(b);
    qtest_quit(qts);
}

static void test_garbage_and_hangups(void)
{
    QTestState *qts = start();
    QTestRawConn *good = open_client();
    QTestRawConn *bad = open_client();
    QTestRawConn *half = open_client();
    g_autofree char *st = NULL;
    static const char garbage[] = "\xff\x01{{{]]]\"\\q\x80\x81}}}\n@#!\n";

    /* garbage: error replies, then the client can still talk */
    g_assert_true(qtest_raw_write(bad, garbage, sizeof(garbage) - 1, NULL));
    expect_line(bad, "{\"error\": {\"class\": \"GenericError\", \"desc\": "
                     "\"JSON parse error*");
    /* half a command, then hang up */
    send_str(half, "{\"execute\": \"system_re");
    qtest_raw_close(half);
    /* hang up right after sending a command, before its reply */
    send_str(bad, "{\"execute\": \"query-status\"}");
    qtest_raw_close(bad);

    /* everything else still works */
    st = qtest_query_status(qts);
    g_assert_cmpstr(st, ==, "running");
    qtest_outb(qts, 0x64, 0xfe);
    qtest_qmp_eventwait(qts, "RESET");
    expect_line(good, "{\"event\": \"RESET\"*");
    send_str(good, "{\"execute\": \"query-status\"}");
    expect_line(good, "{\"return\": {\"status\": \"running\"*");
    qtest_raw_close(good);
    qtest_quit(qts);
}

/* The qtest peer sends garbage, then hangs up mid-line: QMP carries on. */
static void test_qtest_hangup(void)
{
    QTestState *qts = start();
    QTestRawConn *c = open_client();
    g_autoptr(GError) err = NULL;
    g_autofree char *r = NULL, *st = NULL;

    g_assert_true(qtest_send_bytes(qts, "\x01\x02\xff garbage\n", 13, &err));
    r = qtest_read_reply(qts, &err);
    g_assert_no_error(err);
    g_assert_true(g_str_has_prefix(r, "FAIL "));
    g_assert_true(qtest_send_bytes(qts, "outb 0xcf9", 10, &err));
    qtest_close_qtest(qts);
    /* the half line was never executed: no reset */
    send_str(c, "{\"execute\": \"system_reset\"}");
    expect_line(c, "{\"event\": \"RESET\", \"data\": {\"guest\": false*");
    expect_line(c, "{\"return\": {}}");
    st = qtest_query_status(qts);
    g_assert_cmpstr(st, ==, "running");
    qtest_raw_close(c);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);
    dir = g_dir_make_tmp("qaccel-clients-XXXXXX", &err);
    g_assert_no_error(err);
    qmp2_path = g_build_filename(dir, "qmp2.sock", NULL);
    g_test_add_func("/clients/events-reach-everyone",
                    test_events_reach_everyone);
    g_test_add_func("/clients/garbage-and-hangups", test_garbage_and_hangups);
    g_test_add_func("/clients/qtest-hangup", test_qtest_hangup);
    ret = g_test_run();
    g_remove(qmp2_path);
    g_rmdir(dir);
    g_free(qmp2_path);
    return ret;
}
