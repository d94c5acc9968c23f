/*
 * kvm suite, in process: the KVM accelerator and the vCPU loop driven
 * through the embedding API (machine, accelerator, QaSystem), where the
 * test owns the main loop and can look at guest RAM directly.
 *
 * - a triple fault injected with the accelerator's inject_triple_fault
 *   hook (KVM_SET_VCPU_EVENTS) comes back as a real KVM_EXIT_SHUTDOWN;
 * - pause/resume never misses a vCPU, however often it is repeated;
 * - a vCPU that posted a request does not run on until the main loop
 *   has consumed it.
 */
#include <string.h>
#include <qaccel/accel.h>
#include <qaccel/config.h>
#include <qaccel/error.h>
#include <qaccel/runstate.h>
#include "kvm-test.h"

#define WAIT_MS 20000

typedef struct Vm {
    QaMachine *m;
    QaMachineConfig *cfg; /* the machine points at it, does not own it */
    QaAccel *accel;
    QaSystem *sys;
    GPtrArray *events; /* "NAME data-json" strings */
} Vm;

static void on_event(const QaEvent *ev, void *opaque)
{
    Vm *vm = opaque;
    g_autoptr(GString) text = g_string_new(NULL);

    if (ev->data) {
        qa_variant_append_json(text, ev->data, true);
    }
    g_ptr_array_add(vm->events, g_strdup_printf("%s %s", ev->name,
                                                ev->data ? text->str : "{}"));
}

static void vm_start(Vm *vm, const char *image, unsigned cpus,
                     const char *actions_spec)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *conf =
        g_build_filename(g_getenv("QACCEL_SOURCE_DIR"), "configs", "machines",
                         "q35-lite.conf", NULL);
    g_autofree char *img = kt_guest_image(image);
    g_autofree char *ncpus = g_strdup_printf("%u", cpus);
    QaActions actions = qa_actions_default();

    qa_types_register_builtin();
    vm->cfg = qa_machine_config_load(conf, &err);
    g_assert_no_error(err);
    vm->m = qa_machine_new(vm->cfg, &err);
    g_assert_no_error(err);
    g_assert_true(qa_object_set_str(QA_OBJECT(vm->m), "bios", img, &err));
    g_assert_true(qa_object_set_str(QA_OBJECT(vm->m), "cpus", ncpus, &err));
    g_assert_true(qa_machine_realize(vm->m, &err));
    g_assert_no_error(err);
    vm->accel = qa_accel_select("kvm", &err);
    g_assert_no_error(err);
    g_assert_true(qa_accel_init_machine(vm->accel, vm->m, &err));
    if (actions_spec) {
        g_assert_true(qa_actions_parse(&actions, actions_spec, &err));
    }
    vm->sys = qa_system_new(vm->m, &actions, NULL);
    vm->events = g_ptr_array_new_with_free_func(g_free);
    qa_event_bus_subscribe(qa_system_events(vm->sys), on_event, vm);
    g_assert_true(qa_system_start(vm->sys, &err));
    g_assert_no_error(err);
}

static void vm_stop(Vm *vm)
{
    qa_accel_teardown(vm->accel);
    qa_system_free(vm->sys);
    qa_machine_destroy(vm->m);
    qa_machine_config_free(vm->cfg);
    qa_object_unref(QA_OBJECT(vm->accel));
    g_ptr_array_unref(vm->events);
}

static volatile KtMailbox *mailbox(Vm *vm, int cpu)
{
    return (volatile KtMailbox *)(vm->m->ram + KT_MAILBOX_ADDR + cpu * 128);
}

static uint32_t mailbox_seq(Vm *vm, int cpu)
{
    return __atomic_load_n(&mailbox(vm, cpu)->seq, __ATOMIC_ACQUIRE);
}

/* Run the main context until @cond holds (or fail after WAIT_MS). */
static void run_until(Vm *vm, bool (*cond)(Vm *vm, void *opaque), void *opaque,
                      const char *what)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000ll;

    while (!cond(vm, opaque)) {
        if (g_get_monotonic_time() > deadline) {
            g_error("timed out waiting for %s", what);
        }
        g_main_context_iteration(NULL, FALSE);
        g_usleep(500);
    }
}

static bool seq_moved(Vm *vm, void *opaque)
{
    uint32_t *want = opaque;
    return mailbox_seq(vm, (int)want[0]) > want[1];
}

static void wait_progress(Vm *vm, int cpu)
{
    uint32_t want[2] = {(uint32_t)cpu, mailbox_seq(vm, cpu)};

    run_until(vm, seq_moved, want, "vCPU progress");
}

static bool exit_requested(Vm *vm, void *opaque)
{
    return qa_system_exit_requested(vm->sys, NULL);
}

static bool has_event(Vm *vm, void *opaque)
{
    for (guint i = 0; i < vm->events->len; i++) {
        if (g_str_has_prefix(g_ptr_array_index(vm->events, i), opaque)) {
            return true;
        }
    }
    return false;
}

static void test_inject_triple_fault(void)
{
    QaAccelClass *ac;
    g_autoptr(GError) err = NULL;
    Vm vm = {0};

    KT_REQUIRE_KVM();
    vm_start(&vm, "spin", 1, "reboot=shutdown");
    wait_progress(&vm, 0);
    ac = QA_ACCEL_GET_CLASS(vm.accel);
    g_assert_nonnull(ac->inject_triple_fault);
    g_assert_false(ac->inject_triple_fault(vm.accel, 7, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_clear_error(&err);
    if (!ac->inject_triple_fault(vm.accel, 0, &err)) {
        g_assert_error(err, QA_ERROR, QA_ERROR_UNSUPPORTED);
        g_test_skip(err->message);
        vm_stop(&vm);
        return;
    }
    /* nothing but the real KVM_EXIT_SHUTDOWN can post this request here */
    run_until(&vm, exit_requested, NULL, "the triple-fault shutdown");
    g_assert_cmpuint(vm.events->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(vm.events, 0), ==,
                    "SHUTDOWN {\"guest\":true,\"reason\":\"guest-reset\","
                    "\"qaccel-reset-kind\":\"triple-fault\"}");
    vm_stop(&vm);
}

/* With the default policy the machine resets and the guest boots again. */
static void test_inject_triple_fault_reset(void)
{
    g_autoptr(GError) err = NULL;
    Vm vm = {0};

    KT_REQUIRE_KVM();
    vm_start(&vm, "spin", 1, NULL);
    wait_progress(&vm, 0);
    if (!QA_ACCEL_GET_CLASS(vm.accel)->inject_triple_fault(vm.accel, 0, &err)) {
        g_test_skip(err->message);
        vm_stop(&vm);
        return;
    }
    run_until(&vm, has_event, "RESET", "RESET");
    g_assert_cmpstr(g_ptr_array_index(vm.events, 0), ==,
                    "RESET {\"guest\":true,\"reason\":\"guest-reset\","
                    "\"qaccel-reset-kind\":\"triple-fault\"}");
    /* rebooted from the reset vector: the stage count starts again */
    wait_progress(&vm, 0);
    g_assert_cmpuint(mailbox(&vm, 0)->stage, <, 1000);
    g_assert_cmpuint(qa_system_runstate(vm.sys), ==, QA_RUN_STATE_RUNNING);
    vm_stop(&vm);
}

/*
 * A vCPU halted with interrupts off waits in the loop (no interrupt
 * controller to wake it): an injected triple fault must still reach it,
 * or the shutdown would wait for some unrelated release.
 */
static void test_inject_triple_fault_halted(void)
{
    g_autoptr(GError) err = NULL;
    Vm vm = {0};
    uint32_t synced[2] = {0, 0}; /* vCPU 0 past seq 0: its one SYNC */

    KT_REQUIRE_KVM();
    vm_start(&vm, "halt", 1, "reboot=shutdown");
    run_until(&vm, seq_moved, synced, "the halt guest's SYNC");
    /* not an assertion: just let the vCPU reach its HLT exit */
    g_usleep(100 * 1000);
    if (!QA_ACCEL_GET_CLASS(vm.accel)->inject_triple_fault(vm.accel, 0, &err)) {
        g_test_skip(err->message);
        vm_stop(&vm);
        return;
    }
    run_until(&vm, exit_requested, NULL, "the triple-fault shutdown");
    g_assert_cmpuint(vm.events->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(vm.events, 0), ==,
                    "SHUTDOWN {\"guest\":true,\"reason\":\"guest-reset\","
                    "\"qaccel-reset-kind\":\"triple-fault\"}");
    vm_stop(&vm);
}

/*
 * Pause and resume over and over with two spinning vCPUs: every pause
 * must return (no vCPU missed on its way into KVM_RUN), and while paused
 * neither mailbox moves.
 */
static void test_pause_resume_storm(void)
{
    Vm vm = {0};

    KT_REQUIRE_KVM();
    vm_start(&vm, "spin", 2, NULL);
    wait_progress(&vm, 0);
    wait_progress(&vm, 1);
    for (int i = 0; i < 300; i++) {
        uint32_t a0, a1;

        qa_accel_pause_all(vm.accel);
        a0 = mailbox_seq(&vm, 0);
        a1 = mailbox_seq(&vm, 1);
        if (i % 50 == 0) {
            g_usleep(20 * 1000);
        }
        g_assert_cmpuint(mailbox_seq(&vm, 0), ==, a0);
        g_assert_cmpuint(mailbox_seq(&vm, 1), ==, a1);
        qa_accel_resume_all(vm.accel);
        if (i % 50 == 0) {
            wait_progress(&vm, 0);
            wait_progress(&vm, 1);
        }
    }
    vm_stop(&vm);
}

/*
 * The poweroff guest asserts right after its S5 write.  As long as the
 * main loop has not consumed the shutdown request, the vCPU must hold:
 * the mailbox still shows the SYNC from before S5, not the assertion.
 */
static void test_hold_until_consumed(void)
{
    Vm vm = {0};
    volatile KtMailbox *mb;

    KT_REQUIRE_KVM();
    vm_start(&vm, "poweroff", 1, "shutdown=pause");
    mb = mailbox(&vm, 0);
    for (int i = 0; i < 2000 && mb->seq == 0; i++) {
        g_usleep(1000); /* no main-loop iteration: requests stay latched */
    }
    g_assert_cmpuint(mb->seq, ==, 1);
    g_usleep(100 * 1000);
    g_assert_cmpuint(mb->kind, ==, KT_MB_SYNC);
    g_assert_cmpuint(mb->seq, ==, 1);
    run_until(&vm, has_event, "STOP", "STOP");
    g_assert_cmpuint(qa_system_runstate(vm.sys), ==, QA_RUN_STATE_SHUTDOWN);
    g_assert_cmpuint(mb->kind, ==, KT_MB_SYNC);
    vm_stop(&vm);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm/vcpu/inject-triple-fault", test_inject_triple_fault);
    g_test_add_func("/kvm/vcpu/inject-triple-fault-reset",
                    test_inject_triple_fault_reset);
    g_test_add_func("/kvm/vcpu/inject-triple-fault-halted",
                    test_inject_triple_fault_halted);
    g_test_add_func("/kvm/vcpu/pause-resume-storm", test_pause_resume_storm);
    g_test_add_func("/kvm/vcpu/hold-until-consumed", test_hold_until_consumed);
    return g_test_run();
}
