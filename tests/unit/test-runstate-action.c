/*
 * Runstate names, the transition table and -action parsing.
 */
#include <qaccel/error.h>
#include <qaccel/runstate.h>

static void test_names(void)
{
    g_assert_cmpstr(qa_run_state_name(QA_RUN_STATE_RUNNING), ==, "running");
    g_assert_cmpstr(qa_run_state_name(QA_RUN_STATE_PRELAUNCH), ==, "prelaunch");
    g_assert_cmpstr(qa_run_state_name(QA_RUN_STATE_GUEST_PANICKED), ==,
                    "guest-panicked");
    g_assert_cmpstr(qa_run_state_name(QA_RUN_STATE_INTERNAL_ERROR), ==,
                    "internal-error");
    g_assert_cmpstr(qa_run_state_name(QA_RUN_STATE_FINISH_MIGRATE), ==,
                    "finish-migrate");
    g_assert_cmpstr(qa_run_state_name(QA_RUN_STATE_COLO), ==, "colo");
    g_assert_cmpstr(qa_run_state_name(QA_RUN_STATE__MAX), ==, "invalid");
    g_assert_cmpstr(qa_run_state_name((QaRunState)-1), ==, "invalid");
    for (int s = 0; s < QA_RUN_STATE__MAX; s++) {
        g_assert_cmpstr(qa_run_state_name(s), !=, "invalid");
    }
}

#define T(from, to)                                                            \
    {                                                                          \
        QA_RUN_STATE_##from, QA_RUN_STATE_##to                                 \
    }

/* Every move the layer makes (docs/runstate.md), and nothing else. */
static const struct {
    QaRunState from, to;
} allowed[] = {
    T(PRELAUNCH, RUNNING),      T(RUNNING, PAUSED),
    T(RUNNING, SHUTDOWN),       T(RUNNING, SUSPENDED),
    T(RUNNING, GUEST_PANICKED), T(RUNNING, INTERNAL_ERROR),
    T(PAUSED, RUNNING),         T(PAUSED, PRELAUNCH),
    T(SUSPENDED, RUNNING),      T(SUSPENDED, PRELAUNCH),
    T(GUEST_PANICKED, RUNNING), T(GUEST_PANICKED, PRELAUNCH),
    T(SHUTDOWN, PRELAUNCH),     T(INTERNAL_ERROR, PRELAUNCH),
};

static bool in_allowed(QaRunState from, QaRunState to)
{
    for (gsize i = 0; i < G_N_ELEMENTS(allowed); i++) {
        if (allowed[i].from == from && allowed[i].to == to) {
            return true;
        }
    }
    return false;
}

static void test_transitions(void)
{
    for (int from = 0; from < QA_RUN_STATE__MAX; from++) {
        for (int to = 0; to < QA_RUN_STATE__MAX; to++) {
            bool want = from == to || in_allowed(from, to);
            if (qa_run_state_transition_valid(from, to) != want) {
                g_error("%s -> %s: expected %s", qa_run_state_name(from),
                        qa_run_state_name(to), want ? "valid" : "invalid");
            }
        }
    }
    /* a few that must stay refused */
    g_assert_false(qa_run_state_transition_valid(QA_RUN_STATE_SHUTDOWN,
                                                 QA_RUN_STATE_RUNNING));
    g_assert_false(qa_run_state_transition_valid(QA_RUN_STATE_INTERNAL_ERROR,
                                                 QA_RUN_STATE_RUNNING));
    g_assert_false(qa_run_state_transition_valid(QA_RUN_STATE_PAUSED,
                                                 QA_RUN_STATE_SUSPENDED));
    g_assert_false(qa_run_state_transition_valid(QA_RUN_STATE_PRELAUNCH,
                                                 QA_RUN_STATE_PAUSED));
    g_assert_false(
        qa_run_state_transition_valid(QA_RUN_STATE__MAX, QA_RUN_STATE_RUNNING));
    g_assert_false(
        qa_run_state_transition_valid(QA_RUN_STATE_RUNNING, QA_RUN_STATE__MAX));
}

static void test_defaults(void)
{
    QaActions a = qa_actions_default();

    g_assert_cmpint(a.reboot, ==, QA_REBOOT_RESET);
    g_assert_cmpint(a.shutdown, ==, QA_SHUTDOWN_POWEROFF);
    g_assert_cmpint(a.panic, ==, QA_PANIC_SHUTDOWN);
    g_assert_cmpint(a.guest_error, ==, QA_GUEST_ERROR_STOP);
}

static void test_parse(void)
{
    g_autoptr(GError) err = NULL;
    QaActions a = qa_actions_default();

    g_assert_true(qa_actions_parse(&a, "reboot=shutdown,panic=pause", &err));
    g_assert_no_error(err);
    g_assert_cmpint(a.reboot, ==, QA_REBOOT_SHUTDOWN);
    g_assert_cmpint(a.shutdown, ==, QA_SHUTDOWN_POWEROFF);
    g_assert_cmpint(a.panic, ==, QA_PANIC_PAUSE);

    /* later -action options and keys override earlier ones */
    g_assert_true(qa_actions_parse(&a, "panic=none,panic=exit-failure", &err));
    g_assert_cmpint(a.panic, ==, QA_PANIC_EXIT_FAILURE);
    g_assert_true(qa_actions_parse(
        &a, "shutdown=pause,guest-error=ignore,reboot=reset", &err));
    g_assert_cmpint(a.shutdown, ==, QA_SHUTDOWN_PAUSE);
    g_assert_cmpint(a.guest_error, ==, QA_GUEST_ERROR_IGNORE);
    g_assert_cmpint(a.reboot, ==, QA_REBOOT_RESET);
    g_assert_true(qa_actions_parse(&a, "panic=shutdown", &err));
    g_assert_cmpint(a.panic, ==, QA_PANIC_SHUTDOWN);
    g_assert_no_error(err);
}

static void expect_parse_error(const char *spec, const char *message)
{
    g_autoptr(GError) err = NULL;
    QaActions a = qa_actions_default();
    QaActions before = a;

    g_assert_false(qa_actions_parse(&a, spec, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==, message);
    /* a failed parse changes nothing, even after good items */
    g_assert_cmpmem(&a, sizeof(a), &before, sizeof(before));
}

static void test_parse_errors(void)
{
    expect_parse_error("panic=foo", "Invalid value 'foo' for -action panic: "
                                    "expected pause, shutdown, exit-failure "
                                    "or none");
    expect_parse_error("reboot=shutdown,reboot=poweroff",
                       "Invalid value 'poweroff' for -action reboot: "
                       "expected reset or shutdown");
    expect_parse_error("shutdown=", "Invalid value '' for -action shutdown: "
                                    "expected poweroff or pause");
    expect_parse_error("guest-error=shutdown",
                       "Invalid value 'shutdown' for -action guest-error: "
                       "expected stop or ignore");
    expect_parse_error("reboot=shutdown,foo=bar",
                       "Invalid parameter 'foo' for -action: expected "
                       "reboot, shutdown, panic or guest-error");
    expect_parse_error("watchdog=reset",
                       "Invalid parameter 'watchdog' for -action: expected "
                       "reboot, shutdown, panic or guest-error");
    expect_parse_error("panic", "Invalid -action item 'panic': expected "
                                "KEY=VALUE");
    expect_parse_error("reboot=shutdown,", "Invalid -action item '': "
                                           "expected KEY=VALUE");
    expect_parse_error("", "Empty -action: expected KEY=VALUE[,KEY=VALUE...]");
    expect_parse_error("Panic=pause",
                       "Invalid parameter 'Panic' for -action: expected "
                       "reboot, shutdown, panic or guest-error");
}

static void test_set(void)
{
    g_autoptr(GError) err = NULL;
    QaActions a = qa_actions_default();

    /* what main does for -no-reboot and -no-shutdown */
    g_assert_true(qa_actions_set(&a, "reboot", "shutdown", &err));
    g_assert_true(qa_actions_set(&a, "shutdown", "pause", &err));
    g_assert_true(qa_actions_set(&a, "guest-error", "ignore", &err));
    g_assert_no_error(err);
    g_assert_cmpint(a.reboot, ==, QA_REBOOT_SHUTDOWN);
    g_assert_cmpint(a.shutdown, ==, QA_SHUTDOWN_PAUSE);
    g_assert_cmpint(a.guest_error, ==, QA_GUEST_ERROR_IGNORE);
    g_assert_cmpint(a.panic, ==, QA_PANIC_SHUTDOWN);

    g_assert_false(qa_actions_set(&a, "panic", "reset", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_cmpstr(err->message, ==,
                    "Invalid value 'reset' for -action panic: expected "
                    "pause, shutdown, exit-failure or none");
    g_clear_error(&err);
    g_assert_false(qa_actions_set(&a, "bogus", "x", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_cmpint(a.panic, ==, QA_PANIC_SHUTDOWN);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/runstate-action/names", test_names);
    g_test_add_func("/runstate-action/transitions", test_transitions);
    g_test_add_func("/runstate-action/defaults", test_defaults);
    g_test_add_func("/runstate-action/parse", test_parse);
    g_test_add_func("/runstate-action/parse-errors", test_parse_errors);
    g_test_add_func("/runstate-action/set", test_set);
    return g_test_run();
}
