/*
 * Embedding libqaccel: a host emulator that owns its own main loop and
 * uses qaccel's board model, system-event decoder and runstate layer.
 *
 *   cc embed.c $(pkg-config --cflags --libs qaccel) -o embed
 *
 * Part 1 installs its own request sink and feeds the machine a raw
 * KVM_EXIT_SYSTEM_EVENT record, as a larger emulator with its own KVM code
 * would.  Part 2 lets QaSystem apply QEMU's policy and prints the QMP-shaped
 * events it emits.  Exits 0 when both behave as documented.
 */
#include <stdio.h>
#include <qaccel/accel.h>
#include <qaccel/config.h>
#include <qaccel/runstate.h>
#include <qaccel/sysevent.h>

static const char board[] = "[machine]\n"
                            "name = embedded-arm\n"
                            "arch = arm64\n"
                            "memory = 2M\n"
                            "cpus = 2\n";

static void my_sink(void *opaque, const QaMachineRequest *req)
{
    g_autofree char *d = qa_request_describe(req);

    printf("request: %s\n", d);
    *(QaMachineRequest *)opaque = *req;
}

static void on_event(const QaEvent *ev, void *opaque)
{
    g_autofree char *text = qa_event_format(ev);

    printf("event: %s\n", text);
    (*(int *)opaque)++;
}

int main(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QaMachineConfig) cfg = NULL;
    QaMachineRequest got = {0};
    uint8_t record[QA_SYSEVENT_MEMBER_SIZE];
    uint64_t data[1] = {QA_SYSEVENT_RESET_FLAG_PSCI_RESET2};
    QaExit exit = {.kind = QA_EXIT_SYSTEM_EVENT};
    QaMachine *m;
    int events = 0;

    qa_types_register_builtin();
    cfg = qa_machine_config_parse(board, sizeof(board) - 1, "embedded", &err);
    m = cfg ? qa_machine_create(cfg, &err) : NULL;
    if (!m) {
        fprintf(stderr, "embed: %s\n", err->message);
        return 1;
    }

    /* Part 1: a raw record from "our own" KVM_RUN, decoded by qaccel. */
    m->sink = (QaRequestSink){my_sink, &got};
    qa_sysevent_encode(QA_SYSEVENT_RESET, 1, data, QA_SYSEVENT_ABI_64, record,
                       sizeof(record));
    if (!qa_sysevent_decode(record, sizeof(record), QA_SYSEVENT_ABI_64,
                            QA_KVM_CAP_SYSTEM_EVENT_DATA_BIT, QA_ARCH_ARM64,
                            &exit.u.sysevent.ev, &err)) {
        fprintf(stderr, "embed: %s\n", err->message);
        return 1;
    }
    /* PSCI SYSTEM_RESET2 leaves reset_type/cookie in x1/x2 */
    exit.u.sysevent.regs.has_arm64_x1_x2 = true;
    exit.u.sysevent.regs.x1 = 0x80000001;
    exit.u.sysevent.regs.x2 = 0xc0ffee;
    qa_vcpu_handle_exit(m, &m->vcpus[1], &exit);
    if (got.kind != QA_REQ_RESET || got.reset_kind != QA_RESET_VENDOR ||
        got.cookie != 0xc0ffee || got.cpu != 1) {
        fprintf(stderr, "embed: unexpected translation\n");
        return 1;
    }

    /* Part 2: QEMU's policy (-no-reboot) applied by QaSystem. */
    QaAccel *accel = qa_accel_select("qtest", &err);
    if (!accel || !qa_accel_init_machine(accel, m, &err)) {
        fprintf(stderr, "embed: %s\n", err->message);
        return 1;
    }
    QaActions actions = qa_actions_default();
    qa_actions_set(&actions, "reboot", "shutdown", NULL);
    g_autoptr(QaSystem) sys = qa_system_new(m, &actions, NULL);
    qa_event_bus_subscribe(qa_system_events(sys), on_event, &events);
    if (!qa_system_start(sys, &err)) {
        fprintf(stderr, "embed: %s\n", err->message);
        return 1;
    }
    qa_vcpu_handle_exit(m, &m->vcpus[0], &exit); /* the same reset again */
    qa_system_process_requests(sys);

    int status = -1;
    bool exiting = qa_system_exit_requested(sys, &status);
    printf("runstate %s, exit requested: %s, status %d\n",
           qa_run_state_name(qa_system_runstate(sys)), exiting ? "yes" : "no",
           status);
    /* -no-reboot: the reset became SHUTDOWN {guest: true, guest-reset} */
    return exiting && status == 0 && events == 1 ? 0 : 1;
}
