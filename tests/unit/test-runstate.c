/*
 * Runstate layer: the -action policy matrix against the rows of
 * spec/qemu-power-behaviour.md, the QMP command paths, event data details,
 * the effects on the machine, and requests raced from several threads.
 *
 * Expected events are written as "NAME" or "NAME {data}" (the compact form
 * of qa_variant_append_json(), members in emission order) joined by "; ".
 */
#include <string.h>
#include <qaccel/accel.h>
#include <qaccel/config.h>
#include <qaccel/error.h>
#include <qaccel/qtest-accel.h>
#include <qaccel/runstate.h>

/* ---- a recording board and accelerator ------------------------------- */

/* Machine hooks and accelerator calls, in order ("@reset", ...). */
static GPtrArray *trace;
static bool rec_start_fails;

static void trace_add(const char *s)
{
    if (trace) {
        g_ptr_array_add(trace, g_strdup(s));
    }
}

static void rec_machine_reset(QaMachine *m)
{
    trace_add("@reset");
}

static void rec_machine_powerdown(QaMachine *m)
{
    trace_add("@powerdown");
}

static void rec_machine_class_init(QaObjectClass *klass, const void *data)
{
    QaMachineClass *mc = (QaMachineClass *)klass;

    /* wakeup keeps the default: a full machine reset */
    mc->reset = rec_machine_reset;
    mc->powerdown = rec_machine_powerdown;
}

static const QaTypeInfo rec_machine_info = {
    .name = "test-rec-machine",
    .parent = QA_TYPE_MACHINE,
    .class_init = rec_machine_class_init,
};

static bool rec_vcpu_reset(QaAccel *accel, QaVcpu *cpu, GError **error)
{
    g_autofree char *s = g_strdup_printf("@vcpu-reset %d", cpu->index);
    trace_add(s);
    return true;
}

static const QaAccelOps rec_ops = {
    .vcpu_reset = rec_vcpu_reset,
};

static bool rec_start(QaAccel *accel, GError **error)
{
    if (rec_start_fails) {
        g_set_error(error, QA_ERROR, QA_ERROR_FAILED, "cannot start");
        return false;
    }
    trace_add("@start");
    return true;
}

static void rec_accel_class_init(QaObjectClass *klass, const void *data)
{
    QaAccelClass *ac = (QaAccelClass *)klass;

    ac->name = "test-rec";
    ac->start = rec_start;
    ac->ops = &rec_ops;
}

static const QaTypeInfo rec_accel_info = {
    .name = "test-rec-accel",
    .parent = QA_TYPE_QTEST_ACCEL,
    .class_init = rec_accel_class_init,
};

/* ---- fixture ---------------------------------------------------------- */

typedef struct {
    QaMachineConfig *cfg;
    QaMachine *m;
    QaAccel *accel;
    QaSystem *sys;
    GMainContext *ctx;
    GPtrArray *events; /* "NAME {data}" */
    GPtrArray *logs;   /* g_message texts of the runstate layer */
    guint log_handler;
    int exit_hooks;
} Fx;

static void on_event(const QaEvent *ev, void *opaque)
{
    Fx *f = opaque;
    char *s;

    if (ev->data) {
        g_autoptr(GString) json = g_string_new(NULL);

        qa_variant_append_json(json, ev->data, true);
        s = g_strdup_printf("%s %s", ev->name, json->str);
    } else {
        s = g_strdup(ev->name);
    }
    trace_add(s);
    g_ptr_array_add(f->events, s);
}

static void on_log(const char *domain, GLogLevelFlags level, const char *msg,
                   gpointer opaque)
{
    Fx *f = opaque;

    g_ptr_array_add(f->logs, g_strdup(msg));
}

static void on_exit_hook(void *opaque)
{
    ((Fx *)opaque)->exit_hooks++;
}

static void fx_init(Fx *f, const char *board, const char *accel,
                    const QaActions *actions)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *conf = g_strdup_printf("[machine]\n"
                                            "name = test\n"
                                            "type = %s\n"
                                            "arch = x86_64\n"
                                            "cpus = 2\n"
                                            "memory = 1M\n",
                                            board);

    memset(f, 0, sizeof(*f));
    f->cfg = qa_machine_config_parse(conf, strlen(conf), "test.conf", &err);
    g_assert_no_error(err);
    f->m = qa_machine_create(f->cfg, &err);
    g_assert_no_error(err);
    f->accel = qa_accel_select(accel, &err);
    g_assert_no_error(err);
    g_assert_true(qa_accel_init_machine(f->accel, f->m, &err));
    g_assert_no_error(err);

    f->ctx = g_main_context_new();
    f->sys = qa_system_new(f->m, actions, f->ctx);
    g_assert_true(f->m->sink.opaque == f->sys);
    f->events = g_ptr_array_new_with_free_func(g_free);
    f->logs = g_ptr_array_new_with_free_func(g_free);
    qa_event_bus_subscribe(qa_system_events(f->sys), on_event, f);
    qa_system_set_exit_hook(f->sys, on_exit_hook, f);
    f->log_handler =
        g_log_set_handler("qaccel-system", G_LOG_LEVEL_MESSAGE, on_log, f);
    g_assert_cmpint(qa_system_runstate(f->sys), ==, QA_RUN_STATE_PRELAUNCH);
}

static void fx_fini(Fx *f)
{
    g_log_remove_handler("qaccel-system", f->log_handler);
    qa_system_free(f->sys);
    g_assert_null(f->m->sink.post);
    g_main_context_unref(f->ctx);
    qa_accel_teardown(f->accel);
    f->m->accel = NULL;
    qa_object_unref(QA_OBJECT(f->accel));
    qa_machine_destroy(f->m);
    qa_machine_config_free(f->cfg);
    g_ptr_array_unref(f->events);
    g_ptr_array_unref(f->logs);
}

/* The events since the last call, joined by "; " ("" if none). */
static char *take_events(Fx *f)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < f->events->len; i++) {
        if (i) {
            g_string_append(s, "; ");
        }
        g_string_append(s, g_ptr_array_index(f->events, i));
    }
    g_ptr_array_set_size(f->events, 0);
    return g_string_free(s, FALSE);
}

static void drain(Fx *f)
{
    while (g_main_context_iteration(f->ctx, FALSE)) {
    }
}

static void start(Fx *f)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(qa_system_start(f->sys, &err));
    g_assert_no_error(err);
    g_assert_cmpint(qa_system_runstate(f->sys), ==, QA_RUN_STATE_RUNNING);
    g_free(take_events(f));
}

static void assert_exit(Fx *f, int expected)
{
    int status = -42;
    bool ex = qa_system_exit_requested(f->sys, &status);

    if (expected < 0) {
        g_assert_false(ex);
        g_assert_cmpint(f->exit_hooks, ==, 0);
    } else {
        g_assert_true(ex);
        g_assert_cmpint(status, ==, expected);
        g_assert_cmpint(f->exit_hooks, ==, 1);
    }
}

/* ---- triggers ---------------------------------------------------------- */

typedef enum {
    T_RESET_GUEST,
    T_RESET_HOST,
    T_SHUTDOWN,
    T_HIBERNATE,
    T_PVSHUTDOWN,
    T_PANIC,
    T_PANIC_HV,
    T_CRASHLOADED,
    T_SUSPEND,
    T_WAKEUP,
    T_ERROR,
    T_QUIT,
    T_SIGNAL,
    T__MAX
} Trigger;

static const char *const trigger_names[T__MAX] = {
    "reset-guest", "reset-host", "shutdown",    "hibernate", "pvshutdown",
    "panic",       "panic-hv",   "crashloaded", "suspend",   "wakeup",
    "error",       "quit",       "signal",
};

static void guest_request(Trigger t, QaMachineRequest *req)
{
    memset(req, 0, sizeof(*req));
    req->cpu = 1;
    req->source = "test";
    switch (t) {
    case T_RESET_GUEST:
        req->kind = QA_REQ_RESET;
        req->cause = QA_CAUSE_GUEST_RESET;
        break;
    case T_SHUTDOWN:
    case T_HIBERNATE:
    case T_PVSHUTDOWN:
        req->kind = QA_REQ_SHUTDOWN;
        req->cause = QA_CAUSE_GUEST_SHUTDOWN;
        req->hibernate = t == T_HIBERNATE;
        req->pvshutdown = t == T_PVSHUTDOWN;
        break;
    case T_PANIC_HV:
        req->panic.kind = QA_PANIC_INFO_HYPERV;
        for (int i = 0; i < 5; i++) {
            req->panic.args[i] = 0x10 + i;
        }
        /* fall through */
    case T_PANIC:
        req->kind = QA_REQ_PANIC;
        req->cause = QA_CAUSE_GUEST_PANIC;
        break;
    case T_CRASHLOADED:
        req->kind = QA_REQ_CRASHLOADED;
        break;
    case T_SUSPEND:
        req->kind = QA_REQ_SUSPEND;
        break;
    case T_WAKEUP:
        req->kind = QA_REQ_WAKEUP;
        break;
    case T_ERROR:
        req->kind = QA_REQ_ERROR;
        req->event_type = 99;
        req->event_ndata = 2;
        req->event_data[0] = 0xab;
        req->event_data[1] = 0xcd;
        break;
    default:
        g_assert_not_reached();
    }
}

/* Guest requests go through the machine's sink and the main context. */
static void fire(Fx *f, Trigger t)
{
    QaMachineRequest req;

    switch (t) {
    case T_RESET_HOST:
        qa_system_reset_request(f->sys);
        return;
    case T_QUIT:
        qa_system_quit(f->sys, QA_CAUSE_HOST_QMP_QUIT);
        return;
    case T_SIGNAL:
        qa_system_quit(f->sys, QA_CAUSE_HOST_SIGNAL);
        return;
    default:
        guest_request(t, &req);
        qa_machine_post(f->m, &req);
        drain(f);
    }
}

/* ---- the policy matrix -------------------------------------------------- */

#define ANY (-1)
#define ALIVE (-1)

typedef struct {
    Trigger trigger;
    int reboot, shutdown, panic, guest_error; /* ANY or the enum value */
    const char *events;
    QaRunState after;
    int exit; /* ALIVE or the status */
} Row;

#define SD(guest, reason)                                                      \
    "SHUTDOWN {\"guest\":" guest ",\"reason\":\"" reason "\"}"
#define RESET_EV(guest, reason)                                                \
    "RESET {\"guest\":" guest ",\"reason\":\"" reason "\"}"
#define HV_INFO                                                                \
    ",\"info\":{\"type\":\"hyper-v\",\"arg1\":16,\"arg2\":17,\"arg3\":18,"     \
    "\"arg4\":19,\"arg5\":20}"
#define PANICKED(action, info)                                                 \
    "GUEST_PANICKED {\"action\":\"" action "\"" info "}"

#define R_RESET QA_REBOOT_RESET
#define R_SHUT QA_REBOOT_SHUTDOWN
#define S_OFF QA_SHUTDOWN_POWEROFF
#define S_PAUSE QA_SHUTDOWN_PAUSE
#define RUNNING QA_RUN_STATE_RUNNING

/* clang-format off */
#define PANIC_ROWS(t, info)                                                  \
    { t, ANY, ANY, QA_PANIC_PAUSE, ANY,                                      \
      PANICKED("pause", info) "; STOP", QA_RUN_STATE_GUEST_PANICKED, ALIVE },\
    { t, ANY, S_PAUSE, QA_PANIC_SHUTDOWN, ANY,                               \
      PANICKED("pause", info) "; STOP", QA_RUN_STATE_GUEST_PANICKED, ALIVE },\
    { t, ANY, S_OFF, QA_PANIC_SHUTDOWN, ANY,                                 \
      PANICKED("poweroff", info) "; STOP; " SD("true", "guest-panic"),       \
      QA_RUN_STATE_GUEST_PANICKED, 0 },                                      \
    { t, ANY, S_OFF, QA_PANIC_EXIT_FAILURE, ANY,                             \
      PANICKED("poweroff", info) "; STOP; " SD("true", "guest-panic"),       \
      QA_RUN_STATE_GUEST_PANICKED, 1 },                                      \
    /* QEMU: the SHUTDOWN's vm_stop finds the VM already stopped */          \
    { t, ANY, S_PAUSE, QA_PANIC_EXIT_FAILURE, ANY,                           \
      PANICKED("poweroff", info) "; STOP; " SD("true", "guest-panic"),       \
      QA_RUN_STATE_GUEST_PANICKED, ALIVE },                                  \
    { t, ANY, ANY, QA_PANIC_NONE, ANY, PANICKED("run", info), RUNNING, ALIVE }

/*
 * Every trigger fired at a running machine.  For each combination of
 * actions exactly one row must match.  Where the process exits the
 * runstate is left as it was (the caller exits).
 */
static const Row matrix[] = {
    /* guest reset: 0xCF9, i8042, PSCI, SBI, triple fault */
    { T_RESET_GUEST, R_RESET, ANY, ANY, ANY,
      RESET_EV("true", "guest-reset"), RUNNING, ALIVE },
    { T_RESET_GUEST, R_SHUT, S_OFF, ANY, ANY,
      SD("true", "guest-reset"), RUNNING, 0 },
    { T_RESET_GUEST, R_SHUT, S_PAUSE, ANY, ANY,
      SD("true", "guest-reset") "; STOP", QA_RUN_STATE_SHUTDOWN, ALIVE },
    /* QMP system_reset */
    { T_RESET_HOST, R_RESET, ANY, ANY, ANY,
      RESET_EV("false", "host-qmp-system-reset"), RUNNING, ALIVE },
    { T_RESET_HOST, R_SHUT, S_OFF, ANY, ANY,
      SD("false", "host-qmp-system-reset"), RUNNING, 0 },
    { T_RESET_HOST, R_SHUT, S_PAUSE, ANY, ANY,
      SD("false", "host-qmp-system-reset") "; STOP",
      QA_RUN_STATE_SHUTDOWN, ALIVE },
    /* S5, PSCI SYSTEM_OFF */
    { T_SHUTDOWN, ANY, S_OFF, ANY, ANY,
      SD("true", "guest-shutdown"), RUNNING, 0 },
    { T_SHUTDOWN, ANY, S_PAUSE, ANY, ANY,
      SD("true", "guest-shutdown") "; STOP", QA_RUN_STATE_SHUTDOWN, ALIVE },
    /* S4, PSCI SYSTEM_OFF2 hibernate */
    { T_HIBERNATE, ANY, S_OFF, ANY, ANY,
      "SUSPEND_DISK; SHUTDOWN {\"guest\":true,\"reason\":\"guest-shutdown\","
      "\"qaccel-hibernate\":true}", RUNNING, 0 },
    { T_HIBERNATE, ANY, S_PAUSE, ANY, ANY,
      "SUSPEND_DISK; SHUTDOWN {\"guest\":true,\"reason\":\"guest-shutdown\","
      "\"qaccel-hibernate\":true}; STOP", QA_RUN_STATE_SHUTDOWN, ALIVE },
    /* pvpanic SHUTDOWN bit */
    { T_PVSHUTDOWN, ANY, S_OFF, ANY, ANY,
      "GUEST_PVSHUTDOWN; " SD("true", "guest-shutdown"), RUNNING, 0 },
    { T_PVSHUTDOWN, ANY, S_PAUSE, ANY, ANY,
      "GUEST_PVSHUTDOWN; " SD("true", "guest-shutdown") "; STOP",
      QA_RUN_STATE_SHUTDOWN, ALIVE },
    /* pvpanic PANICKED (no info), Hyper-V crash MSRs (info) */
    PANIC_ROWS(T_PANIC, ""),
    PANIC_ROWS(T_PANIC_HV, HV_INFO),
    /* pvpanic CRASH_LOADED: whatever the panic action */
    { T_CRASHLOADED, ANY, ANY, ANY, ANY,
      "GUEST_CRASHLOADED {\"action\":\"run\"}", RUNNING, ALIVE },
    /* S3 */
    { T_SUSPEND, ANY, ANY, ANY, ANY,
      "SUSPEND", QA_RUN_STATE_SUSPENDED, ALIVE },
    /* a wakeup request while running is ignored */
    { T_WAKEUP, ANY, ANY, ANY, ANY, "", RUNNING, ALIVE },
    /* unknown guest event: never a shutdown */
    { T_ERROR, ANY, ANY, ANY, QA_GUEST_ERROR_STOP,
      "STOP", QA_RUN_STATE_INTERNAL_ERROR, ALIVE },
    { T_ERROR, ANY, ANY, ANY, QA_GUEST_ERROR_IGNORE, "", RUNNING, ALIVE },
    /* quit and signals power off even with shutdown=pause */
    { T_QUIT, ANY, ANY, ANY, ANY,
      SD("false", "host-qmp-quit"), RUNNING, 0 },
    { T_SIGNAL, ANY, ANY, ANY, ANY,
      SD("false", "host-signal"), RUNNING, 0 },
};
/* clang-format on */

static bool field_matches(int want, int have)
{
    return want == ANY || want == have;
}

static const Row *find_row(Trigger t, const QaActions *a)
{
    const Row *found = NULL;

    for (gsize i = 0; i < G_N_ELEMENTS(matrix); i++) {
        const Row *r = &matrix[i];
        if (r->trigger == t && field_matches(r->reboot, a->reboot) &&
            field_matches(r->shutdown, a->shutdown) &&
            field_matches(r->panic, a->panic) &&
            field_matches(r->guest_error, a->guest_error)) {
            /* the table must be unambiguous */
            g_assert_null(found);
            found = r;
        }
    }
    g_assert_nonnull(found);
    return found;
}

static void run_row(const QaActions *a, Trigger t, const char *label)
{
    const Row *row = find_row(t, a);
    Fx f;

    g_test_message("%s: %s", label, trigger_names[t]);
    fx_init(&f, QA_TYPE_MACHINE, "qtest", a);
    start(&f);
    fire(&f, t);

    g_autofree char *got = take_events(&f);
    g_assert_cmpstr(got, ==, row->events);
    g_assert_cmpstr(qa_run_state_name(qa_system_runstate(f.sys)), ==,
                    qa_run_state_name(row->after));
    assert_exit(&f, row->exit);
    if (t == T_ERROR) {
        /* one log line that describes the unhandled event */
        g_assert_cmpuint(f.logs->len, ==, 1);
        const char *line = g_ptr_array_index(f.logs, 0);
        g_assert_nonnull(strstr(line, "type=99 ndata=2 data=0xab,0xcd"));
        g_assert_nonnull(
            strstr(line, row->exit == ALIVE && row->after == RUNNING
                             ? "ignored"
                             : "internal-error"));
    }
    fx_fini(&f);
}

static const char *const reboot_names[] = {"reset", "shutdown"};
static const char *const shutdown_names[] = {"poweroff", "pause"};
static const char *const panic_names[] = {"pause", "shutdown", "exit-failure",
                                          "none"};
static const char *const guest_error_names[] = {"stop", "ignore"};

static void test_policy_matrix(void)
{
    for (int r = 0; r < 2; r++) {
        for (int s = 0; s < 2; s++) {
            for (int p = 0; p < 4; p++) {
                for (int g = 0; g < 2; g++) {
                    g_autoptr(GError) err = NULL;
                    g_autofree char *spec = g_strdup_printf(
                        "reboot=%s,shutdown=%s,panic=%s,guest-error=%s",
                        reboot_names[r], shutdown_names[s], panic_names[p],
                        guest_error_names[g]);
                    QaActions a = qa_actions_default();

                    g_assert_true(qa_actions_parse(&a, spec, &err));
                    g_assert_no_error(err);
                    g_assert_cmpint(a.reboot, ==, r);
                    g_assert_cmpint(a.shutdown, ==, s);
                    g_assert_cmpint(a.panic, ==, p);
                    g_assert_cmpint(a.guest_error, ==, g);
                    for (int t = 0; t < T__MAX; t++) {
                        run_row(&a, t, spec);
                    }
                }
            }
        }
    }
}

/*
 * -no-reboot and -no-shutdown, as main maps them (qa_actions_set on top
 * of the defaults or of a -action panic=...), give the same rows.
 */
static void test_policy_no_reboot_no_shutdown(void)
{
    for (int flags = 1; flags < 4; flags++) {
        for (int p = 0; p < 4; p++) {
            g_autoptr(GError) err = NULL;
            g_autofree char *panic =
                g_strdup_printf("panic=%s", panic_names[p]);
            g_autofree char *label = g_strdup_printf(
                "%s%s-action %s", flags & 1 ? "-no-reboot " : "",
                flags & 2 ? "-no-shutdown " : "", panic);
            QaActions a = qa_actions_default();

            g_assert_true(qa_actions_parse(&a, panic, &err));
            if (flags & 1) {
                g_assert_true(qa_actions_set(&a, "reboot", "shutdown", &err));
            }
            if (flags & 2) {
                g_assert_true(qa_actions_set(&a, "shutdown", "pause", &err));
            }
            g_assert_no_error(err);
            for (int t = 0; t < T__MAX; t++) {
                run_row(&a, t, label);
            }
        }
    }
}

/* ---- sequences: the QMP command paths and the non-running rows ---------- */

typedef enum {
    OP_FIRE, /* fire @trigger */
    OP_STOP,
    OP_CONT,
    OP_WAKEUP,
    OP_POWERDOWN,
} Op;

typedef struct {
    Op op;
    Trigger trigger;
    const char *events;
    QaRunState after;
    const char *error; /* expected QA_ERROR_STATE message */
    int exit;
} Step;

typedef struct {
    const char *name;
    const char *actions; /* -action spec, NULL = defaults */
    bool no_start;       /* stay in prelaunch (-S) */
    Step steps[10];
} Sequence;

#define END                                                                    \
    {                                                                          \
        .op = -1                                                               \
    }
#define PAUSED QA_RUN_STATE_PAUSED
#define PRELAUNCH QA_RUN_STATE_PRELAUNCH
#define SUSPENDED QA_RUN_STATE_SUSPENDED
#define NEEDS_RESET "Resetting the Virtual Machine is required"
#define NOT_SUSPENDED "Unable to wake up: guest is not in suspended state"

static const Sequence sequences[] = {
    {"cont in shutdown, then system_reset and cont",
     "shutdown=pause",
     false,
     {{OP_FIRE, T_SHUTDOWN, SD("true", "guest-shutdown") "; STOP",
       QA_RUN_STATE_SHUTDOWN, NULL, ALIVE},
      {OP_CONT, 0, "", QA_RUN_STATE_SHUTDOWN, NEEDS_RESET, ALIVE},
      {OP_FIRE, T_RESET_HOST, RESET_EV("false", "host-qmp-system-reset"),
       PRELAUNCH, NULL, ALIVE},
      {OP_CONT, 0, "RESUME", RUNNING, NULL, ALIVE},
      END}},
    {"S3, S3 again, powerdown, wakeup, wakeup again",
     NULL,
     false,
     {{OP_FIRE, T_SUSPEND, "SUSPEND", SUSPENDED, NULL, ALIVE},
      {OP_FIRE, T_SUSPEND, "", SUSPENDED, NULL, ALIVE},
      {OP_CONT, 0, "", SUSPENDED, NULL, ALIVE},
      {OP_POWERDOWN, 0, "POWERDOWN", SUSPENDED, NULL, ALIVE},
      {OP_WAKEUP, 0, "WAKEUP", RUNNING, NULL, ALIVE},
      {OP_WAKEUP, 0, "", RUNNING, NOT_SUSPENDED, ALIVE},
      END}},
    {"guest wakeup request while suspended",
     NULL,
     false,
     {{OP_FIRE, T_SUSPEND, "SUSPEND", SUSPENDED, NULL, ALIVE},
      {OP_FIRE, T_WAKEUP, "WAKEUP", RUNNING, NULL, ALIVE},
      END}},
    {"stop, guest reset, system_reset, cont",
     NULL,
     false,
     {{OP_STOP, 0, "STOP", PAUSED, NULL, ALIVE},
      {OP_FIRE, T_RESET_GUEST, RESET_EV("true", "guest-reset"), PRELAUNCH, NULL,
       ALIVE},
      {OP_FIRE, T_RESET_HOST, RESET_EV("false", "host-qmp-system-reset"),
       PRELAUNCH, NULL, ALIVE},
      {OP_CONT, 0, "RESUME", RUNNING, NULL, ALIVE},
      END}},
    {"stop, stop, cont, cont",
     NULL,
     false,
     {{OP_STOP, 0, "STOP", PAUSED, NULL, ALIVE},
      {OP_STOP, 0, "", PAUSED, NULL, ALIVE},
      {OP_CONT, 0, "RESUME", RUNNING, NULL, ALIVE},
      {OP_CONT, 0, "", RUNNING, NULL, ALIVE},
      END}},
    {"quit while paused",
     NULL,
     false,
     {{OP_STOP, 0, "STOP", PAUSED, NULL, ALIVE},
      {OP_FIRE, T_QUIT, SD("false", "host-qmp-quit"), PAUSED, NULL, 0},
      END}},
    {"SIGTERM with -no-shutdown",
     "shutdown=pause",
     false,
     {{OP_FIRE, T_SIGNAL, SD("false", "host-signal"), RUNNING, NULL, 0}, END}},
    {"cont in guest-panicked",
     "panic=pause",
     false,
     {{OP_FIRE, T_PANIC, PANICKED("pause", "") "; STOP",
       QA_RUN_STATE_GUEST_PANICKED, NULL, ALIVE},
      {OP_CONT, 0, "RESUME", RUNNING, NULL, ALIVE},
      END}},
    {"reset in guest-panicked",
     "panic=pause",
     false,
     {{OP_FIRE, T_PANIC, PANICKED("pause", "") "; STOP",
       QA_RUN_STATE_GUEST_PANICKED, NULL, ALIVE},
      {OP_FIRE, T_RESET_GUEST, RESET_EV("true", "guest-reset"), PRELAUNCH, NULL,
       ALIVE},
      {OP_CONT, 0, "RESUME", RUNNING, NULL, ALIVE},
      END}},
    {"reset while suspended",
     NULL,
     false,
     {{OP_FIRE, T_SUSPEND, "SUSPEND", SUSPENDED, NULL, ALIVE},
      {OP_FIRE, T_RESET_HOST, RESET_EV("false", "host-qmp-system-reset"),
       PRELAUNCH, NULL, ALIVE},
      {OP_WAKEUP, 0, "", PRELAUNCH, NOT_SUSPENDED, ALIVE},
      {OP_CONT, 0, "RESUME", RUNNING, NULL, ALIVE},
      END}},
    {"internal-error needs a reset",
     NULL,
     false,
     {{OP_FIRE, T_ERROR, "STOP", QA_RUN_STATE_INTERNAL_ERROR, NULL, ALIVE},
      {OP_CONT, 0, "", QA_RUN_STATE_INTERNAL_ERROR, NEEDS_RESET, ALIVE},
      {OP_FIRE, T_RESET_GUEST, RESET_EV("true", "guest-reset"), PRELAUNCH, NULL,
       ALIVE},
      {OP_CONT, 0, "RESUME", RUNNING, NULL, ALIVE},
      END}},
    {"powerdown while running",
     NULL,
     false,
     {{OP_POWERDOWN, 0, "POWERDOWN", RUNNING, NULL, ALIVE}, END}},
    {"-S: stop is a no-op, cont starts",
     NULL,
     true,
     {{OP_STOP, 0, "", PRELAUNCH, NULL, ALIVE},
      {OP_CONT, 0, "RESUME", RUNNING, NULL, ALIVE},
      END}},
    /* QEMU 7.2: a VM that is not running is not stopped again */
    {"guest shutdown while paused, shutdown=pause",
     "shutdown=pause",
     false,
     {{OP_STOP, 0, "STOP", PAUSED, NULL, ALIVE},
      {OP_FIRE, T_SHUTDOWN, SD("true", "guest-shutdown"), PAUSED, NULL, ALIVE},
      END}},
    {"S3 while paused is ignored",
     NULL,
     false,
     {{OP_STOP, 0, "STOP", PAUSED, NULL, ALIVE},
      {OP_FIRE, T_SUSPEND, "", PAUSED, NULL, ALIVE},
      END}},
    {"nothing happens after the exit request",
     NULL,
     false,
     {{OP_FIRE, T_SHUTDOWN, SD("true", "guest-shutdown"), RUNNING, NULL, 0},
      {OP_FIRE, T_RESET_GUEST, "", RUNNING, NULL, 0},
      {OP_FIRE, T_RESET_HOST, "", RUNNING, NULL, 0},
      {OP_FIRE, T_QUIT, "", RUNNING, NULL, 0},
      {OP_STOP, 0, "", RUNNING, NULL, 0},
      {OP_POWERDOWN, 0, "", RUNNING, NULL, 0},
      {OP_WAKEUP, 0, "", RUNNING, NULL, 0},
      {OP_CONT, 0, "", RUNNING, NULL, 0},
      END}},
    {"panic=exit-failure then quit keeps status 1",
     "panic=exit-failure",
     false,
     {{OP_FIRE, T_PANIC,
       PANICKED("poweroff", "") "; STOP; " SD("true", "guest-panic"),
       QA_RUN_STATE_GUEST_PANICKED, NULL, 1},
      {OP_FIRE, T_QUIT, "", QA_RUN_STATE_GUEST_PANICKED, NULL, 1},
      END}},
};

static void run_step(Fx *f, const Step *st)
{
    g_autoptr(GError) err = NULL;
    bool ok = true;

    switch (st->op) {
    case OP_FIRE:
        fire(f, st->trigger);
        break;
    case OP_STOP:
        qa_system_stop(f->sys);
        break;
    case OP_CONT:
        ok = qa_system_cont(f->sys, &err);
        break;
    case OP_WAKEUP:
        ok = qa_system_wakeup(f->sys, &err);
        break;
    case OP_POWERDOWN:
        qa_system_powerdown(f->sys);
        break;
    }
    if (st->error) {
        g_assert_false(ok);
        g_assert_error(err, QA_ERROR, QA_ERROR_STATE);
        g_assert_cmpstr(err->message, ==, st->error);
    } else {
        g_assert_true(ok);
        g_assert_no_error(err);
    }
    g_autofree char *got = take_events(f);
    g_assert_cmpstr(got, ==, st->events);
    g_assert_cmpstr(qa_run_state_name(qa_system_runstate(f->sys)), ==,
                    qa_run_state_name(st->after));
    assert_exit(f, st->exit);
}

static void test_sequences(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(sequences); i++) {
        const Sequence *seq = &sequences[i];
        QaActions a = qa_actions_default();
        Fx f;

        g_test_message("sequence: %s", seq->name);
        if (seq->actions) {
            g_assert_true(qa_actions_parse(&a, seq->actions, NULL));
        }
        fx_init(&f, QA_TYPE_MACHINE, "qtest", &a);
        if (!seq->no_start) {
            start(&f);
        }
        for (gsize s = 0;
             s < G_N_ELEMENTS(seq->steps) && (int)seq->steps[s].op >= 0; s++) {
            run_step(&f, &seq->steps[s]);
        }
        fx_fini(&f);
    }
}

/* ---- event data details ------------------------------------------------ */

/* Post @req to a started default machine; return the events. */
static char *events_for(const QaActions *a, const QaMachineRequest *req)
{
    Fx f;
    char *got;

    fx_init(&f, QA_TYPE_MACHINE, "qtest", a);
    start(&f);
    qa_machine_post(f.m, req);
    drain(&f);
    got = take_events(&f);
    fx_fini(&f);
    return got;
}

static void test_reset_detail(void)
{
    QaActions a = qa_actions_default();
    QaMachineRequest req = {
        .kind = QA_REQ_RESET,
        .cause = QA_CAUSE_GUEST_RESET,
        .cpu = 0,
    };
    char *got;

    req.reset_kind = QA_RESET_TRIPLE_FAULT;
    got = events_for(&a, &req);
    g_assert_cmpstr(got, ==,
                    "RESET {\"guest\":true,\"reason\":\"guest-reset\","
                    "\"qaccel-reset-kind\":\"triple-fault\"}");
    g_free(got);

    /* PSCI SYSTEM_RESET2, architectural warm reset */
    req.reset_kind = QA_RESET_WARM;
    req.has_reset2 = true;
    req.reset_type = 0;
    req.cookie = 0x1234;
    got = events_for(&a, &req);
    g_assert_cmpstr(got, ==,
                    "RESET {\"guest\":true,\"reason\":\"guest-reset\","
                    "\"qaccel-reset-kind\":\"warm\",\"qaccel-reset-type\":0,"
                    "\"qaccel-cookie\":4660}");
    g_free(got);

    /* vendor reset type */
    req.reset_kind = QA_RESET_VENDOR;
    req.reset_type = 0x80000001;
    req.cookie = 7;
    got = events_for(&a, &req);
    g_assert_cmpstr(got, ==,
                    "RESET {\"guest\":true,\"reason\":\"guest-reset\","
                    "\"qaccel-reset-kind\":\"vendor\","
                    "\"qaccel-reset-type\":2147483649,\"qaccel-cookie\":7}");
    g_free(got);

    /* SBI SRST warm reboot, reason system failure */
    memset(&req, 0, sizeof(req));
    req.kind = QA_REQ_RESET;
    req.cause = QA_CAUSE_GUEST_RESET;
    req.reset_kind = QA_RESET_WARM;
    req.has_srst = true;
    req.srst_reason = QA_SRST_REASON_SYSTEM_FAILURE;
    got = events_for(&a, &req);
    g_assert_cmpstr(got, ==,
                    "RESET {\"guest\":true,\"reason\":\"guest-reset\","
                    "\"qaccel-reset-kind\":\"warm\",\"qaccel-srst-reason\":1}");
    g_free(got);

    /* a plain cold reset has exactly QEMU's data */
    memset(&req, 0, sizeof(req));
    req.kind = QA_REQ_RESET;
    req.cause = QA_CAUSE_GUEST_RESET;
    req.reset_kind = QA_RESET_COLD;
    got = events_for(&a, &req);
    g_assert_cmpstr(got, ==, RESET_EV("true", "guest-reset"));
    g_free(got);

    /* -no-reboot: the SHUTDOWN keeps the reset detail */
    a.reboot = QA_REBOOT_SHUTDOWN;
    req.reset_kind = QA_RESET_TRIPLE_FAULT;
    got = events_for(&a, &req);
    g_assert_cmpstr(got, ==,
                    "SHUTDOWN {\"guest\":true,\"reason\":\"guest-reset\","
                    "\"qaccel-reset-kind\":\"triple-fault\"}");
    g_free(got);

    /* causes that never give a RESET event, as in QEMU */
    a.reboot = QA_REBOOT_RESET;
    req.reset_kind = QA_RESET_COLD;
    req.cause = QA_CAUSE_SUBSYSTEM_RESET;
    got = events_for(&a, &req);
    g_assert_cmpstr(got, ==, "");
    g_free(got);
    /* ... and subsystem-reset ignores reboot=shutdown */
    a.reboot = QA_REBOOT_SHUTDOWN;
    got = events_for(&a, &req);
    g_assert_cmpstr(got, ==, "");
    g_free(got);
}

static void test_shutdown_detail(void)
{
    QaActions a = qa_actions_default();
    QaMachineRequest req = {
        .kind = QA_REQ_SHUTDOWN,
        .cause = QA_CAUSE_GUEST_SHUTDOWN,
        .has_srst = true,
        .srst_reason = 0xF0000002u,
    };
    g_autofree char *got = events_for(&a, &req);

    g_assert_cmpstr(got, ==,
                    "SHUTDOWN {\"guest\":true,\"reason\":\"guest-shutdown\","
                    "\"qaccel-srst-reason\":4026531842}");
}

static void test_panic_info(void)
{
    QaActions a = qa_actions_default();
    QaMachineRequest req = {
        .kind = QA_REQ_PANIC,
        .cause = QA_CAUSE_GUEST_PANIC,
    };
    char *got;

    a.panic = QA_PANIC_NONE;

    /* SEV, GHCB MSR protocol termination request */
    req.panic.kind = QA_PANIC_INFO_SEV;
    req.panic.ghcb = 0x0000000000003100ull | (1ull << 12) | (3ull << 16);
    req.panic.sev_msr_form = true;
    req.panic.sev_reason_set = 1;
    req.panic.sev_reason_code = 3;
    got = events_for(&a, &req);
    g_assert_cmpstr(got, ==,
                    "GUEST_PANICKED {\"action\":\"run\",\"info\":{\"type\":"
                    "\"sev\",\"ghcb\":209152,\"reason-set\":1,"
                    "\"reason-code\":3}}");
    g_free(got);

    /* SEV, GHCB GPA */
    memset(&req.panic, 0, sizeof(req.panic));
    req.panic.kind = QA_PANIC_INFO_SEV;
    req.panic.ghcb = 0x7000;
    got = events_for(&a, &req);
    g_assert_cmpstr(got, ==,
                    "GUEST_PANICKED {\"action\":\"run\",\"info\":{\"type\":"
                    "\"sev\",\"ghcb\":28672}}");
    g_free(got);

    /* TDX: QEMU's GuestPanicInformationTdx, error-code is R12[31:0] */
    memset(&req.panic, 0, sizeof(req.panic));
    req.panic.kind = QA_PANIC_INFO_TDX;
    req.panic.error_code = (1ull << 63) | 0x12345678;
    req.panic.gpa = 0x5000;
    req.panic.gpa_valid = true;
    g_strlcpy(req.panic.message, "td panic", sizeof(req.panic.message));
    got = events_for(&a, &req);
    g_assert_cmpstr(got, ==,
                    "GUEST_PANICKED {\"action\":\"run\",\"info\":{\"type\":"
                    "\"tdx\",\"error-code\":305419896,\"message\":"
                    "\"td panic\",\"gpa\":20480}}");
    g_free(got);
    req.panic.gpa_valid = false;
    got = events_for(&a, &req);
    g_assert_cmpstr(got, ==,
                    "GUEST_PANICKED {\"action\":\"run\",\"info\":{\"type\":"
                    "\"tdx\",\"error-code\":305419896,\"message\":"
                    "\"td panic\"}}");
    g_free(got);

    /* crash-loaded carries info too when the producer has some */
    memset(&req, 0, sizeof(req));
    req.kind = QA_REQ_CRASHLOADED;
    req.panic.kind = QA_PANIC_INFO_HYPERV;
    got = events_for(&a, &req);
    g_assert_cmpstr(got, ==,
                    "GUEST_CRASHLOADED {\"action\":\"run\",\"info\":{\"type\":"
                    "\"hyper-v\",\"arg1\":0,\"arg2\":0,\"arg3\":0,"
                    "\"arg4\":0,\"arg5\":0}}");
    g_free(got);
}

static void keep_data(const QaEvent *ev, void *opaque)
{
    GVariant **data = opaque;

    if (ev->data && !*data) {
        *data = g_variant_ref(ev->data);
    }
}

/*
 * u64 members are 't' values: at or above 2^63 they print unsigned, as
 * QEMU does, and an in-process subscriber reads them back exactly.
 */
static void test_panic_info_u64(void)
{
    QaActions a = qa_actions_default();
    QaMachineRequest req = {
        .kind = QA_REQ_PANIC,
        .panic.kind = QA_PANIC_INFO_HYPERV,
        .panic.args = {0xffffffff81000000ull},
    };
    a.panic = QA_PANIC_NONE;
    g_autofree char *got = events_for(&a, &req);
    g_autofree char *want = g_strdup_printf(
        "GUEST_PANICKED {\"action\":\"run\",\"info\":{\"type\":\"hyper-v\","
        "\"arg1\":%" G_GUINT64_FORMAT ",\"arg2\":0,\"arg3\":0,\"arg4\":0,"
        "\"arg5\":0}}",
        (guint64)0xffffffff81000000ull);
    g_assert_cmpstr(got, ==, want);

    /* the dictionary itself: info.arg1 is a 't' holding the value */
    Fx f;
    GVariant *data = NULL;
    guint64 arg1 = 0;

    fx_init(&f, QA_TYPE_MACHINE, "qtest", &a);
    start(&f);
    qa_event_bus_subscribe(qa_system_events(f.sys), keep_data, &data);
    qa_machine_post(f.m, &req);
    drain(&f);
    fx_fini(&f);
    g_assert_nonnull(data);
    g_autoptr(GVariant) info =
        g_variant_lookup_value(data, "info", G_VARIANT_TYPE_VARDICT);
    g_assert_nonnull(info);
    g_assert_true(g_variant_lookup(info, "arg1", "t", &arg1));
    g_assert_cmphex(arg1, ==, 0xffffffff81000000ull);
    g_variant_unref(data);
}

/* ---- latching and processing order ------------------------------------- */

static void post_kind(Fx *f, QaRequestKind kind, QaShutdownCause cause)
{
    QaMachineRequest req = {.kind = kind, .cause = cause, .cpu = 0};

    qa_machine_post(f->m, &req);
}

static void test_coalesce_first_wins(void)
{
    QaActions a = qa_actions_default();
    QaMachineRequest req = {
        .kind = QA_REQ_RESET,
        .cause = QA_CAUSE_GUEST_RESET,
        .reset_kind = QA_RESET_TRIPLE_FAULT,
    };
    Fx f;

    fx_init(&f, QA_TYPE_MACHINE, "qtest", &a);
    start(&f);
    qa_machine_post(f.m, &req);
    req.reset_kind = QA_RESET_COLD;
    req.cause = QA_CAUSE_HOST_QMP_SYSTEM_RESET;
    qa_machine_post(f.m, &req);
    qa_machine_post(f.m, &req);
    g_assert_true(qa_system_process_requests(f.sys));
    g_assert_false(qa_system_process_requests(f.sys));
    drain(&f);
    g_autofree char *got = take_events(&f);
    g_assert_cmpstr(got, ==,
                    "RESET {\"guest\":true,\"reason\":\"guest-reset\","
                    "\"qaccel-reset-kind\":\"triple-fault\"}");
    /* every post counts, the host command too */
    qa_system_reset_request(f.sys);
    QaSysEventStats st = qa_machine_stats(f.m);
    g_assert_cmpuint(st.requests[QA_REQ_RESET], ==, 4);
    fx_fini(&f);
}

typedef struct {
    const char *name;
    const char *actions;
    QaRequestKind kinds[4];
    const char *events;
    QaRunState after;
    int exit;
} OrderCase;

/* Several kinds pending at once, applied in main_loop_should_exit order. */
static const OrderCase order_cases[] = {
    {"crashloaded, suspend, reset",
     NULL,
     {QA_REQ_RESET, QA_REQ_SUSPEND, QA_REQ_CRASHLOADED},
     "GUEST_CRASHLOADED {\"action\":\"run\"}; SUSPEND; " RESET_EV(
         "true", "guest-reset"),
     PRELAUNCH,
     ALIVE},
    {"suspend before wakeup",
     NULL,
     {QA_REQ_WAKEUP, QA_REQ_SUSPEND},
     "SUSPEND; WAKEUP",
     RUNNING,
     ALIVE},
    {"shutdown ends the round",
     NULL,
     {QA_REQ_RESET, QA_REQ_WAKEUP, QA_REQ_ERROR, QA_REQ_SHUTDOWN},
     SD("true", "guest-shutdown"),
     RUNNING,
     0},
    {"shutdown=pause: shutdown, then reset to prelaunch",
     "shutdown=pause",
     {QA_REQ_RESET, QA_REQ_SHUTDOWN},
     SD("true", "guest-shutdown") "; STOP; " RESET_EV("true", "guest-reset"),
     PRELAUNCH,
     ALIVE},
    {"panic replaces a pending shutdown",
     "panic=exit-failure",
     {QA_REQ_SHUTDOWN, QA_REQ_PANIC},
     PANICKED("poweroff", "") "; STOP; " SD("true", "guest-panic"),
     QA_RUN_STATE_GUEST_PANICKED,
     1},
    {"error comes last",
     NULL,
     {QA_REQ_ERROR, QA_REQ_RESET},
     RESET_EV("true", "guest-reset") "; STOP",
     QA_RUN_STATE_INTERNAL_ERROR,
     ALIVE},
};

static void test_process_order(void)
{
    static const QaShutdownCause cause_of[QA_REQ__MAX] = {
        [QA_REQ_RESET] = QA_CAUSE_GUEST_RESET,
        [QA_REQ_SHUTDOWN] = QA_CAUSE_GUEST_SHUTDOWN,
        [QA_REQ_PANIC] = QA_CAUSE_GUEST_PANIC,
    };

    for (gsize i = 0; i < G_N_ELEMENTS(order_cases); i++) {
        const OrderCase *c = &order_cases[i];
        QaActions a = qa_actions_default();
        Fx f;

        g_test_message("order: %s", c->name);
        if (c->actions) {
            g_assert_true(qa_actions_parse(&a, c->actions, NULL));
        }
        fx_init(&f, QA_TYPE_MACHINE, "qtest", &a);
        start(&f);
        for (int k = 0; k < 4 && c->kinds[k] != QA_REQ_NONE; k++) {
            post_kind(&f, c->kinds[k], cause_of[c->kinds[k]]);
        }
        g_assert_true(qa_system_process_requests(f.sys));
        g_autofree char *got = take_events(&f);
        g_assert_cmpstr(got, ==, c->events);
        g_assert_cmpstr(qa_run_state_name(qa_system_runstate(f.sys)), ==,
                        qa_run_state_name(c->after));
        assert_exit(&f, c->exit);
        fx_fini(&f);
    }
}

static void test_invalid_kind(void)
{
    QaActions a = qa_actions_default();
    QaMachineRequest req = {.kind = QA_REQ_NONE};
    Fx f;

    fx_init(&f, QA_TYPE_MACHINE, "qtest", &a);
    start(&f);
    qa_system_post_request(f.sys, &req);
    g_assert_false(qa_system_process_requests(f.sys));
    req.kind = (QaRequestKind)(QA_REQ__MAX + 3);
    g_test_expect_message("qaccel-system", G_LOG_LEVEL_CRITICAL,
                          "*invalid request kind*");
    qa_system_post_request(f.sys, &req);
    g_test_assert_expected_messages();
    g_assert_false(qa_system_process_requests(f.sys));
    g_autofree char *got = take_events(&f);
    g_assert_cmpstr(got, ==, "");
    fx_fini(&f);
}

/* ---- effects on the machine -------------------------------------------- */

static char *take_trace(void)
{
    g_ptr_array_add(trace, NULL);
    char *s = g_strjoinv("; ", (char **)trace->pdata);
    g_ptr_array_set_size(trace, 0);
    return s;
}

static void test_effects(void)
{
    g_autoptr(GError) err = NULL;
    QaActions a = qa_actions_default();
    Fx f;
    char *got;

    trace = g_ptr_array_new_with_free_func(g_free);
    fx_init(&f, "test-rec-machine", "test-rec", &a);
    g_free(take_trace());

    /* -S then cont: the accelerator starts on the first run */
    g_assert_true(qa_system_cont(f.sys, &err));
    got = take_trace();
    g_assert_cmpstr(got, ==, "@start; RESUME");
    g_free(got);

    /* reset: devices, then vCPUs, then the event */
    post_kind(&f, QA_REQ_RESET, QA_CAUSE_GUEST_RESET);
    drain(&f);
    got = take_trace();
    g_assert_cmpstr(got, ==,
                    "@reset; @vcpu-reset 0; @vcpu-reset 1; " RESET_EV(
                        "true", "guest-reset"));
    g_free(got);

    /* powerdown: the board's hook, then the event */
    qa_system_powerdown(f.sys);
    got = take_trace();
    g_assert_cmpstr(got, ==, "@powerdown; POWERDOWN");
    g_free(got);

    /* wakeup: the default hook resets the machine, the vCPUs restart,
     * and there is no RESET event */
    post_kind(&f, QA_REQ_SUSPEND, QA_CAUSE_NONE);
    drain(&f);
    g_assert_true(qa_system_wakeup(f.sys, &err));
    got = take_trace();
    g_assert_cmpstr(got, ==,
                    "SUSPEND; @reset; @vcpu-reset 0; @vcpu-reset 1; WAKEUP");
    g_free(got);

    /* a stopped machine is reset too, and the accelerator not restarted */
    qa_system_stop(f.sys);
    qa_system_reset_request(f.sys);
    g_assert_true(qa_system_cont(f.sys, &err));
    got = take_trace();
    g_assert_cmpstr(got, ==,
                    "STOP; @reset; @vcpu-reset 0; @vcpu-reset 1; " RESET_EV(
                        "false", "host-qmp-system-reset") "; RESUME");
    g_free(got);
    g_assert_no_error(err);

    /* start is only for prelaunch */
    g_assert_false(qa_system_start(f.sys, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_STATE);
    fx_fini(&f);
    g_ptr_array_unref(trace);
    trace = NULL;
}

static void test_start_failure(void)
{
    g_autoptr(GError) err = NULL;
    QaActions a = qa_actions_default();
    Fx f;

    fx_init(&f, "test-rec-machine", "test-rec", &a);
    rec_start_fails = true;
    g_assert_false(qa_system_start(f.sys, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_FAILED);
    g_assert_nonnull(strstr(err->message, "cannot start"));
    g_clear_error(&err);
    g_assert_false(qa_system_cont(f.sys, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_FAILED);
    g_assert_cmpint(qa_system_runstate(f.sys), ==, QA_RUN_STATE_PRELAUNCH);
    g_autofree char *got = take_events(&f);
    g_assert_cmpstr(got, ==, "");
    rec_start_fails = false;
    g_clear_error(&err);
    g_assert_true(qa_system_start(f.sys, &err));
    fx_fini(&f);
}

/* ---- requests raced from several threads ------------------------------- */

#define N_THREADS 8
#define N_POSTS 1000

typedef struct {
    Fx *f;
    gint done; /* threads finished */
    gint go;   /* start barrier */
} Race;

static gpointer race_thread(gpointer opaque)
{
    Race *r = opaque;

    while (!g_atomic_int_get(&r->go)) {
        g_thread_yield();
    }
    for (int i = 0; i < N_POSTS; i++) {
        post_kind(r->f, QA_REQ_RESET, QA_CAUSE_GUEST_RESET);
    }
    g_atomic_int_inc(&r->done);
    /* let a main loop blocked in poll re-check its condition */
    g_main_context_wakeup(r->f->ctx);
    return NULL;
}

static guint count_events(Fx *f, const char *prefix)
{
    guint n = 0;

    for (guint i = 0; i < f->events->len; i++) {
        n += g_str_has_prefix(g_ptr_array_index(f->events, i), prefix);
    }
    return n;
}

static void race_start(Race *r, Fx *f, GThread **threads)
{
    r->f = f;
    r->done = 0;
    r->go = 0;
    for (int i = 0; i < N_THREADS; i++) {
        threads[i] = g_thread_new("poster", race_thread, r);
    }
    g_atomic_int_set(&r->go, 1);
}

/* Processing rounds run by hand, concurrently with the posters. */
static void test_race_rounds(void)
{
    QaActions a = qa_actions_default();
    GThread *threads[N_THREADS];
    guint rounds = 0;
    Race r;
    Fx f;

    fx_init(&f, QA_TYPE_MACHINE, "qtest", &a);
    start(&f);
    race_start(&r, &f, threads);
    while (g_atomic_int_get(&r.done) < N_THREADS) {
        rounds += qa_system_process_requests(f.sys);
    }
    for (int i = 0; i < N_THREADS; i++) {
        g_thread_join(threads[i]);
    }
    /* whatever was posted after the last round is still latched */
    rounds += qa_system_process_requests(f.sys);
    g_assert_false(qa_system_process_requests(f.sys));

    guint resets = count_events(&f, "RESET ");
    g_test_message("%u posts, %u rounds, %u RESET events", N_THREADS * N_POSTS,
                   rounds, resets);
    g_assert_cmpuint(resets, ==, rounds);
    g_assert_cmpuint(resets, >=, 1);
    g_assert_cmpuint(resets, <=, N_THREADS * N_POSTS);
    g_assert_cmpuint(f.events->len, ==, resets);
    g_assert_cmpuint(qa_machine_stats(f.m).requests[QA_REQ_RESET], ==,
                     N_THREADS * N_POSTS);
    g_assert_cmpint(qa_system_runstate(f.sys), ==, QA_RUN_STATE_RUNNING);
    fx_fini(&f);
}

/* The same through the GMainContext, which the posters wake. */
static void test_race_main_context(void)
{
    QaActions a = qa_actions_default();
    GThread *threads[N_THREADS];
    Race r;
    Fx f;

    fx_init(&f, QA_TYPE_MACHINE, "qtest", &a);
    start(&f);
    race_start(&r, &f, threads);
    while (g_atomic_int_get(&r.done) < N_THREADS) {
        g_main_context_iteration(f.ctx, TRUE);
    }
    for (int i = 0; i < N_THREADS; i++) {
        g_thread_join(threads[i]);
    }
    drain(&f);
    g_assert_false(qa_system_process_requests(f.sys));

    guint resets = count_events(&f, "RESET ");
    g_test_message("%u posts, %u RESET events", N_THREADS * N_POSTS, resets);
    g_assert_cmpuint(resets, >=, 1);
    g_assert_cmpuint(resets, <=, N_THREADS * N_POSTS);
    g_assert_cmpuint(f.events->len, ==, resets);
    fx_fini(&f);
}

static gpointer post_one_reset(gpointer opaque)
{
    post_kind(opaque, QA_REQ_RESET, QA_CAUSE_GUEST_RESET);
    return NULL;
}

/* A post from another thread is the only thing that ends the poll. */
static void test_wakeup_from_thread(void)
{
    QaActions a = qa_actions_default();
    Fx f;

    fx_init(&f, QA_TYPE_MACHINE, "qtest", &a);
    start(&f);
    GThread *t = g_thread_new("poster", post_one_reset, &f);
    while (f.events->len == 0) {
        g_main_context_iteration(f.ctx, TRUE);
    }
    g_thread_join(t);
    g_autofree char *got = take_events(&f);
    g_assert_cmpstr(got, ==, RESET_EV("true", "guest-reset"));
    fx_fini(&f);
}

/* A request posted while a round is being applied is not lost. */
static bool reposted;

static void repost_once(const QaEvent *ev, void *opaque)
{
    Fx *f = opaque;

    if (g_str_equal(ev->name, "RESET") && !reposted) {
        reposted = true;
        GThread *t = g_thread_new("poster", post_one_reset, f);
        g_thread_join(t);
        /* and a nested round from a subscriber does nothing */
        g_assert_false(qa_system_process_requests(f->sys));
    }
}

static void test_post_during_round(void)
{
    QaActions a = qa_actions_default();
    Fx f;

    fx_init(&f, QA_TYPE_MACHINE, "qtest", &a);
    start(&f);
    qa_event_bus_subscribe(qa_system_events(f.sys), repost_once, &f);
    post_kind(&f, QA_REQ_RESET, QA_CAUSE_GUEST_RESET);
    g_assert_true(qa_system_process_requests(f.sys));
    g_assert_cmpuint(count_events(&f, "RESET "), ==, 1);
    g_assert_true(qa_system_process_requests(f.sys));
    g_assert_cmpuint(count_events(&f, "RESET "), ==, 2);
    g_assert_false(qa_system_process_requests(f.sys));
    assert_exit(&f, ALIVE);
    fx_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qa_types_register_builtin();
    g_assert_nonnull(qa_type_register(&rec_machine_info, NULL));
    g_assert_nonnull(qa_type_register(&rec_accel_info, NULL));

    g_test_add_func("/runstate/policy-matrix", test_policy_matrix);
    g_test_add_func("/runstate/no-reboot-no-shutdown",
                    test_policy_no_reboot_no_shutdown);
    g_test_add_func("/runstate/sequences", test_sequences);
    g_test_add_func("/runstate/detail/reset", test_reset_detail);
    g_test_add_func("/runstate/detail/shutdown", test_shutdown_detail);
    g_test_add_func("/runstate/detail/panic-info", test_panic_info);
    g_test_add_func("/runstate/detail/panic-info-u64", test_panic_info_u64);
    g_test_add_func("/runstate/coalesce", test_coalesce_first_wins);
    g_test_add_func("/runstate/process-order", test_process_order);
    g_test_add_func("/runstate/invalid-kind", test_invalid_kind);
    g_test_add_func("/runstate/effects", test_effects);
    g_test_add_func("/runstate/start-failure", test_start_failure);
    g_test_add_func("/runstate/race/rounds", test_race_rounds);
    g_test_add_func("/runstate/race/main-context", test_race_main_context);
    g_test_add_func("/runstate/race/wakeup-from-thread",
                    test_wakeup_from_thread);
    g_test_add_func("/runstate/race/post-during-round", test_post_during_round);
    return g_test_run();
}
