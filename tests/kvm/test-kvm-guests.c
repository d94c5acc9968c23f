/*
 * kvm suite: every x86 test guest (tests/guests/x86) boots on /dev/kvm
 * through the qaccel binary, and the QMP events, runstates and exit
 * statuses are those of spec/qemu-power-behaviour.md.  Each test skips
 * where /dev/kvm is missing.
 */
#include <string.h>
#include "kvm-test.h"

#define GUEST_SHUTDOWN "{'guest': true, 'reason': 'guest-shutdown'}"
#define GUEST_RESET "{'guest': true, 'reason': 'guest-reset'}"
#define GUEST_PANIC "{'guest': true, 'reason': 'guest-panic'}"
#define HOST_RESET "{'guest': false, 'reason': 'host-qmp-system-reset'}"
#define HOST_QUIT "{'guest': false, 'reason': 'host-qmp-quit'}"

static void test_poweroff(void)
{
    QTestState *s;

    KT_REQUIRE_KVM();
    s = kt_start("poweroff", NULL);
    kt_expect(s, "SHUTDOWN", GUEST_SHUTDOWN);
    kt_expect_exit(s, 0);
}

/* -no-shutdown: the VM stays, and can be reset and run again. */
static void test_poweroff_no_shutdown(void)
{
    g_autoptr(JsonObject) r = NULL;
    QTestState *s;
    KtMailbox mb;

    KT_REQUIRE_KVM();
    s = kt_start("poweroff", "-no-shutdown");
    kt_expect(s, "SHUTDOWN", GUEST_SHUTDOWN);
    kt_expect(s, "STOP", NULL);
    kt_expect_status(s, "shutdown");
    g_assert_true(kt_mailbox(s, 0, &mb));
    g_assert_cmphex(mb.magic, ==, KT_MAILBOX_MAGIC);
    g_assert_cmpuint(mb.kind, ==, KT_MB_SYNC);
    g_assert_cmpuint(mb.stage, ==, 1);
    g_assert_cmpstr(mb.file, ==, "poweroff.c");
    g_assert_cmpuint(mb.seq, ==, 1);

    r = qtest_qmp(s, "{'execute': 'cont'}");
    g_assert_true(json_object_has_member(r, "error"));
    g_assert_cmpstr(json_object_get_string_member(
                        json_object_get_object_member(r, "error"), "desc"),
                    ==, "Resetting the Virtual Machine is required");

    qtest_qmp_assert_success(s, "{'execute': 'system_reset'}");
    kt_expect(s, "RESET", HOST_RESET);
    kt_expect_status(s, "prelaunch");
    qtest_qmp_assert_success(s, "{'execute': 'cont'}");
    kt_expect(s, "RESUME", NULL);
    /* the second boot runs from the reset vector with RAM kept */
    kt_expect(s, "SHUTDOWN", GUEST_SHUTDOWN);
    kt_expect(s, "STOP", NULL);
    g_assert_true(kt_mailbox(s, 0, &mb));
    g_assert_cmpuint(mb.seq, ==, 2);

    qtest_qmp_assert_success(s, "{'execute': 'quit'}");
    kt_expect(s, "SHUTDOWN", HOST_QUIT);
    kt_expect_exit(s, 0);
}

static void test_reset(gconstpointer data)
{
    QTestState *s;

    KT_REQUIRE_KVM();
    s = kt_start(data, NULL);
    kt_expect(s, "RESET", GUEST_RESET);
    kt_expect(s, "RESET", GUEST_RESET);
    kt_expect(s, "SHUTDOWN", GUEST_SHUTDOWN);
    kt_expect_exit(s, 0);
}

static void test_reset_no_reboot(gconstpointer data)
{
    QTestState *s;

    KT_REQUIRE_KVM();
    s = kt_start(data, "-no-reboot");
    kt_expect(s, "SHUTDOWN", GUEST_RESET);
    kt_expect_exit(s, 0);
}

/*
 * A triple fault the guest raises itself.  Not every KVM reports it as
 * KVM_EXIT_SHUTDOWN: hosts without VT-x/AMD-V (nested PVM) have been seen
 * to restart the vCPU silently -- the guest then powers off on its second
 * boot, which the SHUTDOWN reason shows -- or to fail emulating it
 * (internal-error).  Those skip, saying which.
 */
static void test_triple_fault_guest(void)
{
    g_autoptr(JsonObject) ev = NULL;
    const char *name, *reason = NULL;
    QTestState *s;

    KT_REQUIRE_KVM();
    s = kt_start("triple-fault", "-no-reboot");
    ev = kt_next_event(s, "SHUTDOWN");
    name = json_object_get_string_member(ev, "event");
    if (!g_strcmp0(name, "STOP")) {
        kt_expect_status(s, "internal-error");
        qtest_qmp_assert_success(s, "{'execute': 'quit'}");
        kt_expect(s, "SHUTDOWN", HOST_QUIT);
        kt_expect_exit(s, 0);
        g_test_skip("this KVM fails to emulate the triple fault "
                    "(KVM_EXIT_INTERNAL_ERROR) instead of reporting "
                    "KVM_EXIT_SHUTDOWN");
        return;
    }
    g_assert_cmpstr(name, ==, "SHUTDOWN");
    reason = json_object_get_string_member(
        json_object_get_object_member(ev, "data"), "reason");
    kt_expect_exit(s, 0);
    if (!g_strcmp0(reason, "guest-shutdown")) {
        g_test_skip("this KVM does not report a guest triple fault as "
                    "KVM_EXIT_SHUTDOWN (the vCPU restarted silently)");
        return;
    }
    g_assert_cmpstr(reason, ==, "guest-reset");
}

/* qtest `vcpu_exit 0 shutdown` under kvm: a real pending triple fault. */
static void test_triple_fault_inject(void)
{
    g_autofree char *reply = NULL;
    QTestState *s;
    uint32_t seq;

    KT_REQUIRE_KVM();
    s = kt_start("spin", "-no-reboot");
    seq = kt_wait_progress(s, 0, 0);
    kt_wait_progress(s, 0, seq);
    reply = qtest_rawf(s, "vcpu_exit 0 shutdown");
    if (g_str_has_prefix(reply, "FAIL") &&
        strstr(reply, "KVM_CAP_X86_TRIPLE_FAULT_EVENT")) {
        /* this KVM cannot inject one: nothing was done */
        qtest_qmp_assert_success(s, "{'execute': 'quit'}");
        kt_expect(s, "SHUTDOWN", HOST_QUIT);
        kt_expect_exit(s, 0);
        g_test_skip(reply + 5);
        return;
    }
    g_assert_cmpstr(reply, ==, "OK");
    kt_expect(s, "SHUTDOWN", GUEST_RESET);
    kt_expect_exit(s, 0);
}

static void test_pvpanic(void)
{
    QTestState *s;

    KT_REQUIRE_KVM();
    s = kt_start("pvpanic", "-device pvpanic");
    kt_expect(s, "GUEST_CRASHLOADED", "{'action': 'run'}");
    kt_expect(s, "GUEST_PANICKED", "{'action': 'poweroff'}");
    kt_expect(s, "STOP", NULL);
    kt_expect(s, "SHUTDOWN", GUEST_PANIC);
    kt_expect_exit(s, 0);
}

static void test_pvpanic_exit_failure(void)
{
    QTestState *s;

    KT_REQUIRE_KVM();
    s = kt_start("pvpanic", "-device pvpanic -action panic=exit-failure");
    kt_expect(s, "GUEST_CRASHLOADED", "{'action': 'run'}");
    kt_expect(s, "GUEST_PANICKED", "{'action': 'poweroff'}");
    kt_expect(s, "STOP", NULL);
    kt_expect(s, "SHUTDOWN", GUEST_PANIC);
    kt_expect_exit(s, 1);
}

/* panic=none: the guest runs on past the panic and powers off. */
static void test_pvpanic_none(void)
{
    QTestState *s;

    KT_REQUIRE_KVM();
    s = kt_start("pvpanic", "-device pvpanic -action panic=none");
    kt_expect(s, "GUEST_CRASHLOADED", "{'action': 'run'}");
    kt_expect(s, "GUEST_PANICKED", "{'action': 'run'}");
    kt_expect(s, "SHUTDOWN", GUEST_SHUTDOWN);
    kt_expect_exit(s, 0);
}

/* panic=pause: guest-panicked; cont lets the guest finish. */
static void test_pvpanic_pause(void)
{
    QTestState *s;

    KT_REQUIRE_KVM();
    s = kt_start("pvpanic", "-device pvpanic -action panic=pause");
    kt_expect(s, "GUEST_CRASHLOADED", "{'action': 'run'}");
    kt_expect(s, "GUEST_PANICKED", "{'action': 'pause'}");
    kt_expect(s, "STOP", NULL);
    kt_expect_status(s, "guest-panicked");
    qtest_qmp_assert_success(s, "{'execute': 'cont'}");
    kt_expect(s, "RESUME", NULL);
    kt_expect(s, "SHUTDOWN", GUEST_SHUTDOWN);
    kt_expect_exit(s, 0);
}

static void test_hv_crash(void)
{
    QTestState *s;

    KT_REQUIRE_KVM();
    s = kt_start("hv-crash", NULL);
    kt_expect(s, "GUEST_PANICKED",
              "{'action': 'poweroff', 'info': {'type': 'hyper-v', "
              "'arg1': 1229782937960972289, 'arg2': 2459565875921944578, "
              "'arg3': 3689348813882916867, 'arg4': 4919131751843889156, "
              "'arg5': 6148914689804861445}}");
    kt_expect(s, "STOP", NULL);
    kt_expect(s, "SHUTDOWN", GUEST_PANIC);
    kt_expect_exit(s, 0);
}

/* S3, woken by QMP system_wakeup: the guest resumes at the reset vector. */
static void test_s3(void)
{
    QTestState *s;
    KtMailbox mb;

    KT_REQUIRE_KVM();
    s = kt_start("s3", "-no-shutdown");
    kt_expect(s, "SUSPEND", NULL);
    kt_expect_status(s, "suspended");
    g_assert_true(kt_mailbox(s, 0, &mb));
    g_assert_cmpuint(mb.stage, ==, 1);
    qtest_qmp_assert_success(s, "{'execute': 'system_powerdown'}");
    kt_expect(s, "POWERDOWN", NULL);
    kt_expect_status(s, "suspended");
    qtest_qmp_assert_success(s, "{'execute': 'system_wakeup'}");
    kt_expect(s, "WAKEUP", NULL);
    /* no RESET: the wakeup resets the machine silently, as QEMU's q35 */
    kt_expect(s, "SHUTDOWN", GUEST_SHUTDOWN);
    kt_expect(s, "STOP", NULL);
    g_assert_true(kt_mailbox(s, 0, &mb));
    g_assert_cmpuint(mb.kind, ==, KT_MB_SYNC);
    g_assert_cmpuint(mb.stage, ==, 2);
    qtest_qmp_assert_success(s, "{'execute': 'quit'}");
    kt_expect(s, "SHUTDOWN", HOST_QUIT);
    kt_expect_exit(s, 0);
}

/* Four vCPUs race to reset, then to power off: one event each. */
static void test_smp_race(void)
{
    QTestState *s;

    KT_REQUIRE_KVM();
    s = kt_start("smp-race", "-smp 4");
    kt_expect(s, "RESET", GUEST_RESET);
    kt_expect(s, "SHUTDOWN", GUEST_SHUTDOWN);
    kt_expect_exit(s, 0);
}

/* The vCPU is stopped: its mailbox does not move for a while. */
static void assert_no_progress(QTestState *s)
{
    KtMailbox a, b;

    g_assert_true(kt_mailbox(s, 0, &a));
    g_usleep(100 * 1000);
    g_assert_true(kt_mailbox(s, 0, &b));
    g_assert_cmpuint(a.seq, ==, b.seq);
}

static void test_qmp_while_running(void)
{
    QTestState *s;
    uint32_t seq;
    KtMailbox mb;

    KT_REQUIRE_KVM();
    s = kt_start("spin", NULL);
    seq = kt_wait_progress(s, 0, 0);

    qtest_qmp_assert_success(s, "{'execute': 'stop'}");
    kt_expect(s, "STOP", NULL);
    kt_expect_status(s, "paused");
    assert_no_progress(s);
    qtest_qmp_assert_success(s, "{'execute': 'cont'}");
    kt_expect(s, "RESUME", NULL);
    g_assert_true(kt_mailbox(s, 0, &mb));
    seq = kt_wait_progress(s, 0, mb.seq);

    /* a reset while running re-enters at the reset vector, RAM kept */
    qtest_qmp_assert_success(s, "{'execute': 'system_reset'}");
    kt_expect(s, "RESET", HOST_RESET);
    kt_expect_status(s, "running");
    seq = kt_wait_progress(s, 0, seq);

    /* a reset while paused leaves it in prelaunch until cont */
    qtest_qmp_assert_success(s, "{'execute': 'stop'}");
    kt_expect(s, "STOP", NULL);
    qtest_qmp_assert_success(s, "{'execute': 'system_reset'}");
    kt_expect(s, "RESET", HOST_RESET);
    kt_expect_status(s, "prelaunch");
    assert_no_progress(s);
    qtest_qmp_assert_success(s, "{'execute': 'cont'}");
    kt_expect(s, "RESUME", NULL);
    g_assert_true(kt_mailbox(s, 0, &mb));
    kt_wait_progress(s, 0, mb.seq);

    qtest_qmp_assert_success(s, "{'execute': 'quit'}");
    kt_expect(s, "SHUTDOWN", HOST_QUIT);
    kt_expect_exit(s, 0);
}

/* An emulation failure is the internal-error runstate, not an exit. */
static void test_internal_error(void)
{
    g_autoptr(JsonObject) r = NULL;
    QTestState *s;

    KT_REQUIRE_KVM();
    s = kt_start("bad-fetch", NULL);
    kt_expect(s, "STOP", NULL);
    kt_expect_status(s, "internal-error");
    r = qtest_qmp(s, "{'execute': 'cont'}");
    g_assert_true(json_object_has_member(r, "error"));
    qtest_qmp_assert_success(s, "{'execute': 'quit'}");
    kt_expect(s, "SHUTDOWN", HOST_QUIT);
    kt_expect_exit(s, 0);
}

/* The benchmark guests run to S5 (their default N). */
static void test_bench_guest(gconstpointer data)
{
    QTestState *s;

    KT_REQUIRE_KVM();
    s = kt_start(data, NULL);
    kt_expect(s, "SHUTDOWN", GUEST_SHUTDOWN);
    kt_expect_exit(s, 0);
}

/* isa-debugcon output reaches qaccel's console (stdout). */
static void test_console(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GSubprocess) p = NULL;
    g_autofree char *img = NULL;
    g_autofree char *out = NULL;

    KT_REQUIRE_KVM();
    img = kt_guest_image("poweroff");
    p = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE, &err,
                         g_getenv("QTEST_QACCEL_BINARY"), "-machine",
                         "q35-lite", "-accel", "kvm", "-bios", img, "-device",
                         "isa-debugcon", NULL);
    g_assert_no_error(err);
    g_assert_true(
        g_subprocess_communicate_utf8(p, NULL, NULL, &out, NULL, &err));
    g_assert_no_error(err);
    g_assert_true(g_subprocess_get_if_exited(p));
    g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 0);
    g_assert_nonnull(strstr(out, "poweroff guest: hello from the reset "
                                 "vector\n"));
    g_assert_nonnull(strstr(out, "@@SYNC 1 poweroff.c:"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm/poweroff/exit", test_poweroff);
    g_test_add_func("/kvm/poweroff/no-shutdown", test_poweroff_no_shutdown);
    g_test_add_func("/kvm/console", test_console);
    g_test_add_data_func("/kvm/reset/cf9", "reset-cf9", test_reset);
    g_test_add_data_func("/kvm/reset/i8042", "reset-i8042", test_reset);
    g_test_add_data_func("/kvm/reset/cf9-no-reboot", "reset-cf9",
                         test_reset_no_reboot);
    g_test_add_data_func("/kvm/reset/i8042-no-reboot", "reset-i8042",
                         test_reset_no_reboot);
    g_test_add_func("/kvm/triple-fault/guest", test_triple_fault_guest);
    g_test_add_func("/kvm/triple-fault/inject", test_triple_fault_inject);
    g_test_add_func("/kvm/pvpanic/default", test_pvpanic);
    g_test_add_func("/kvm/pvpanic/exit-failure", test_pvpanic_exit_failure);
    g_test_add_func("/kvm/pvpanic/none", test_pvpanic_none);
    g_test_add_func("/kvm/pvpanic/pause", test_pvpanic_pause);
    g_test_add_func("/kvm/hv-crash", test_hv_crash);
    g_test_add_func("/kvm/s3", test_s3);
    g_test_add_func("/kvm/smp-race", test_smp_race);
    g_test_add_func("/kvm/qmp/stop-cont-reset-quit", test_qmp_while_running);
    g_test_add_func("/kvm/internal-error", test_internal_error);
    g_test_add_data_func("/kvm/bench/pio", "bench-pio", test_bench_guest);
    g_test_add_data_func("/kvm/bench/mmio", "bench-mmio", test_bench_guest);
    return g_test_run();
}
