/*
 * The runstate controller: latched machine requests, the -action policy
 * and the QMP events of docs/runstate.md.
 *
 * Producers on any thread latch requests under sys->lock (one slot per
 * kind: the first request of a kind wins until the slot is consumed) and
 * wake the main context.  A GSource on that context takes the whole set
 * and applies it on the main thread, in QEMU's main_loop_should_exit()
 * order.  A request latched while a round is being applied lands in a
 * fresh slot and is applied by the next round, so none is lost.
 */
#include <qaccel/error.h>
#include <qaccel/runstate.h>
#include <qaccel/sysevent.h> /* qa_request_describe() */
#include "runstate-internal.h"

typedef struct QaSystemSource {
    GSource base;
    QaSystem *sys;
} QaSystemSource;

/* The requests one processing round applies. */
typedef struct {
    bool has[QA_REQ__MAX];
    QaMachineRequest req[QA_REQ__MAX];
} RequestSet;

struct QaSystem {
    QaMachine *machine;
    QaActions actions;
    QaRunState state;
    QaEventBus *bus;
    GMainContext *ctx;
    GSource *source;
    bool started;    /* the accelerator has been started */
    bool processing; /* inside a processing round */
    bool exit_requested;
    int exit_status;
    void (*exit_fn)(void *opaque);
    void *exit_opaque;

    /* Shared with producer threads. */
    GMutex lock;
    bool latched[QA_REQ__MAX];
    QaMachineRequest pending[QA_REQ__MAX];
    gint posted; /* atomic: latched since the last round */
};

/*
 * QEMU's main_loop_should_exit() applies suspend, shutdown, reset, wakeup,
 * powerdown, then vmstop requests.  Panic and crash-loaded notifications
 * are handled synchronously by QEMU when the guest raises them, i.e.
 * before any of those; a panic may add a shutdown that the same round then
 * applies.  An unhandled guest event stops the VM as QEMU's vmstop request
 * does, so it comes last.  Powerdown is a host command here, not a latched
 * request.
 */
static const QaRequestKind process_order[] = {
    QA_REQ_CRASHLOADED, QA_REQ_PANIC,  QA_REQ_SUSPEND, QA_REQ_SHUTDOWN,
    QA_REQ_RESET,       QA_REQ_WAKEUP, QA_REQ_ERROR,
};
G_STATIC_ASSERT(G_N_ELEMENTS(process_order) == QA_REQ__MAX - 1);

/* ---- runstate and vCPUs ---------------------------------------------- */

static bool set_state(QaSystem *sys, QaRunState to)
{
    if (!qa_run_state_transition_valid(sys->state, to)) {
        g_critical("invalid runstate transition '%s' -> '%s'",
                   qa_run_state_name(sys->state), qa_run_state_name(to));
        return false;
    }
    if (sys->state != to) {
        g_debug("runstate %s -> %s", qa_run_state_name(sys->state),
                qa_run_state_name(to));
    }
    sys->state = to;
    return true;
}

static void pause_vcpus(QaSystem *sys)
{
    if (sys->machine->accel) {
        qa_accel_pause_all(sys->machine->accel);
    }
}

static void resume_vcpus(QaSystem *sys)
{
    if (sys->machine->accel) {
        qa_accel_resume_all(sys->machine->accel);
    }
}

/* The first run starts the accelerator (its vCPUs are created paused). */
static bool ensure_started(QaSystem *sys, GError **error)
{
    QaAccel *accel = sys->machine->accel;

    if (!sys->started && accel && !qa_accel_start(accel, error)) {
        return false;
    }
    sys->started = true;
    return true;
}

static void emit(QaSystem *sys, const char *name, GVariant *data)
{
    qa_event_bus_emit(sys->bus, name, data);
}

/*
 * vm_stop: as in QEMU 7.2, only a running VM stops (runstate @to, vCPUs
 * paused, STOP); in any other state this does nothing, so e.g. a shutdown
 * with shutdown=pause while paused emits SHUTDOWN and stays paused.
 */
static void vm_stop(QaSystem *sys, QaRunState to)
{
    if (sys->state != QA_RUN_STATE_RUNNING) {
        return;
    }
    if (!set_state(sys, to)) {
        return;
    }
    pause_vcpus(sys);
    emit(sys, "STOP", NULL);
}

static void request_exit(QaSystem *sys, int status)
{
    if (sys->exit_requested) {
        return;
    }
    sys->exit_requested = true;
    sys->exit_status = status;
    /* The guest must not run on after power-off; the runstate stays. */
    if (sys->state == QA_RUN_STATE_RUNNING) {
        pause_vcpus(sys);
    }
    if (sys->exit_fn) {
        sys->exit_fn(sys->exit_opaque);
    }
}

/*
 * stats.requests[] counts requests as they are posted: qa_machine_post()
 * counts those of devices and vCPUs (every post, coalesced or not), and
 * the host commands below count themselves here.
 */
static void count_request(QaSystem *sys, QaRequestKind kind)
{
    __atomic_add_fetch(&sys->machine->stats.requests[kind], 1,
                       __ATOMIC_RELAXED);
}

/* ---- the policy --------------------------------------------------------- */

/*
 * do_shutdown: SHUTDOWN (after SUSPEND_DISK for hibernation, after
 * GUEST_PVSHUTDOWN for pvpanic), then pause (shutdown=pause) or exit.
 * Host quit and signals pass @force_poweroff.
 */
static void do_shutdown(QaSystem *sys, const QaMachineRequest *req,
                        bool force_poweroff)
{
    if (req->kind == QA_REQ_SHUTDOWN && req->hibernate) {
        emit(sys, "SUSPEND_DISK", NULL);
    }
    if (req->kind == QA_REQ_SHUTDOWN && req->pvshutdown) {
        emit(sys, "GUEST_PVSHUTDOWN", NULL);
    }
    emit(sys, "SHUTDOWN", rs_cause_data(req));
    if (!force_poweroff && sys->actions.shutdown == QA_SHUTDOWN_PAUSE) {
        vm_stop(sys, QA_RUN_STATE_SHUTDOWN);
        return;
    }
    request_exit(sys, req->cause == QA_CAUSE_GUEST_PANIC &&
                              sys->actions.panic == QA_PANIC_EXIT_FAILURE
                          ? 1
                          : 0);
}

static void do_reset(QaSystem *sys, const QaMachineRequest *req)
{
    QaMachine *m = sys->machine;
    bool was_running = sys->state == QA_RUN_STATE_RUNNING;

    /* In any other state the vCPUs are already stopped. */
    if (was_running) {
        pause_vcpus(sys);
    }
    qa_machine_reset(m);
    if (m->accel) {
        qa_accel_reset_vcpus(m->accel);
    }
    switch (req->cause) {
    case QA_CAUSE_NONE:
    case QA_CAUSE_SUBSYSTEM_RESET:
    case QA_CAUSE_SNAPSHOT_LOAD:
        break;
    default:
        emit(sys, "RESET", rs_cause_data(req));
    }
    if (was_running) {
        resume_vcpus(sys);
    } else {
        set_state(sys, QA_RUN_STATE_PRELAUNCH);
    }
}

static void handle_reset(QaSystem *sys, const QaMachineRequest *req)
{
    if (sys->actions.reboot == QA_REBOOT_SHUTDOWN &&
        req->cause != QA_CAUSE_SUBSYSTEM_RESET) {
        do_shutdown(sys, req, false);
        return;
    }
    do_reset(sys, req);
}

static void handle_suspend(QaSystem *sys, const QaMachineRequest *req)
{
    if (sys->state != QA_RUN_STATE_RUNNING) {
        /* Includes a second suspend while suspended (ignored by QEMU). */
        g_debug("suspend request ignored in runstate %s",
                qa_run_state_name(sys->state));
        return;
    }
    pause_vcpus(sys);
    set_state(sys, QA_RUN_STATE_SUSPENDED);
    emit(sys, "SUSPEND", NULL);
}

static bool do_wakeup(QaSystem *sys, GError **error)
{
    if (sys->state != QA_RUN_STATE_SUSPENDED) {
        g_set_error(error, QA_ERROR, QA_ERROR_STATE,
                    "Unable to wake up: guest is not in suspended state");
        return false;
    }
    /*
     * QEMU's q35 wakeup is a full machine reset with cause none, so no
     * RESET event.  The vCPUs are paused while suspended; the board's
     * hook resets the devices (and says why it woke), the vCPUs restart
     * from their reset state as after any reset.
     */
    set_state(sys, QA_RUN_STATE_RUNNING);
    qa_machine_wakeup(sys->machine);
    if (sys->machine->accel) {
        qa_accel_reset_vcpus(sys->machine->accel);
    }
    resume_vcpus(sys);
    emit(sys, "WAKEUP", NULL);
    return true;
}

static void handle_panic(QaSystem *sys, const QaMachineRequest *req,
                         RequestSet *set)
{
    const QaActions *a = &sys->actions;
    g_autofree char *what = qa_request_describe(req);

    g_message("guest panicked: %s", what);
    if (a->panic == QA_PANIC_PAUSE ||
        (a->panic == QA_PANIC_SHUTDOWN && a->shutdown == QA_SHUTDOWN_PAUSE)) {
        emit(sys, "GUEST_PANICKED", rs_panic_data("pause", &req->panic));
        vm_stop(sys, QA_RUN_STATE_GUEST_PANICKED);
    } else if (a->panic == QA_PANIC_SHUTDOWN ||
               a->panic == QA_PANIC_EXIT_FAILURE) {
        QaMachineRequest *sd = &set->req[QA_REQ_SHUTDOWN];

        emit(sys, "GUEST_PANICKED", rs_panic_data("poweroff", &req->panic));
        vm_stop(sys, QA_RUN_STATE_GUEST_PANICKED);
        /* Like QEMU's shutdown request, this replaces a pending one. */
        *sd = (QaMachineRequest){
            .kind = QA_REQ_SHUTDOWN,
            .cause = QA_CAUSE_GUEST_PANIC,
            .cpu = req->cpu,
            .source = req->source,
        };
        set->has[QA_REQ_SHUTDOWN] = true;
    } else {
        emit(sys, "GUEST_PANICKED", rs_panic_data("run", &req->panic));
    }
}

static void handle_error(QaSystem *sys, const QaMachineRequest *req)
{
    g_autofree char *what = qa_request_describe(req);

    if (sys->actions.guest_error == QA_GUEST_ERROR_IGNORE) {
        g_message("guest error ignored (guest-error=ignore): %s", what);
        return;
    }
    g_message("guest error: %s; stopping the VM (runstate internal-error)",
              what);
    vm_stop(sys, QA_RUN_STATE_INTERNAL_ERROR);
}

static void apply_request(QaSystem *sys, RequestSet *set, QaRequestKind kind)
{
    const QaMachineRequest *req = &set->req[kind];

    switch (kind) {
    case QA_REQ_CRASHLOADED:
        g_message("guest crash loaded");
        emit(sys, "GUEST_CRASHLOADED", rs_panic_data("run", &req->panic));
        break;
    case QA_REQ_PANIC:
        handle_panic(sys, req, set);
        break;
    case QA_REQ_SUSPEND:
        handle_suspend(sys, req);
        break;
    case QA_REQ_SHUTDOWN:
        do_shutdown(sys, req, false);
        break;
    case QA_REQ_RESET:
        handle_reset(sys, req);
        break;
    case QA_REQ_WAKEUP:
        if (!do_wakeup(sys, NULL)) {
            g_debug("wakeup request ignored in runstate %s",
                    qa_run_state_name(sys->state));
        }
        break;
    case QA_REQ_ERROR:
        handle_error(sys, req);
        break;
    default:
        g_assert_not_reached();
    }
}

/* ---- latching ---------------------------------------------------------- */

static bool take_requests(QaSystem *sys, RequestSet *set)
{
    bool any = false;

    g_mutex_lock(&sys->lock);
    g_atomic_int_set(&sys->posted, 0);
    for (int k = 0; k < QA_REQ__MAX; k++) {
        set->has[k] = sys->latched[k];
        if (set->has[k]) {
            set->req[k] = sys->pending[k];
            sys->latched[k] = false;
            any = true;
        }
    }
    g_mutex_unlock(&sys->lock);
    return any;
}

void qa_system_post_request(QaSystem *sys, const QaMachineRequest *req)
{
    QaRequestKind kind = req->kind;

    if ((unsigned)kind >= QA_REQ__MAX) {
        g_critical("%s: invalid request kind %d", G_STRFUNC, (int)kind);
        return;
    }
    if (kind == QA_REQ_NONE) {
        return;
    }
    g_mutex_lock(&sys->lock);
    if (!sys->latched[kind]) {
        sys->pending[kind] = *req;
        sys->latched[kind] = true;
    }
    g_atomic_int_set(&sys->posted, 1);
    g_mutex_unlock(&sys->lock);
    g_main_context_wakeup(sys->ctx);
}

bool qa_system_process_requests(QaSystem *sys)
{
    RequestSet set;

    /* A subscriber calling back in must not start a nested round; what
     * is latched meanwhile stays for the next one. */
    if (sys->processing || !take_requests(sys, &set)) {
        return false;
    }
    sys->processing = true;
    for (gsize i = 0; i < G_N_ELEMENTS(process_order); i++) {
        QaRequestKind kind = process_order[i];
        if (!set.has[kind]) {
            continue;
        }
        if (sys->exit_requested) {
            g_debug("%s request dropped: exit requested",
                    qa_request_kind_name(kind));
            continue;
        }
        apply_request(sys, &set, kind);
    }
    sys->processing = false;
    if (sys->machine->accel) {
        qa_accel_requests_done(sys->machine->accel);
    }
    return true;
}

static gboolean source_prepare(GSource *source, gint *timeout)
{
    QaSystem *sys = ((QaSystemSource *)source)->sys;

    *timeout = -1;
    return g_atomic_int_get(&sys->posted) != 0;
}

static gboolean source_check(GSource *source)
{
    QaSystem *sys = ((QaSystemSource *)source)->sys;

    return g_atomic_int_get(&sys->posted) != 0;
}

static gboolean source_dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
    qa_system_process_requests(((QaSystemSource *)source)->sys);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs request_source_funcs = {
    .prepare = source_prepare,
    .check = source_check,
    .dispatch = source_dispatch,
};

static void sink_post(void *opaque, const QaMachineRequest *req)
{
    qa_system_post_request(opaque, req);
}

/* ---- construction ------------------------------------------------------ */

QaSystem *qa_system_new(QaMachine *m, const QaActions *actions,
                        GMainContext *ctx)
{
    QaSystem *sys = g_new0(QaSystem, 1);

    sys->machine = m;
    sys->actions = actions ? *actions : qa_actions_default();
    sys->state = QA_RUN_STATE_PRELAUNCH;
    sys->bus = qa_event_bus_new();
    sys->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
    g_mutex_init(&sys->lock);

    sys->source = g_source_new(&request_source_funcs, sizeof(QaSystemSource));
    ((QaSystemSource *)sys->source)->sys = sys;
    /* Apply requests before serving more client input. */
    g_source_set_priority(sys->source, G_PRIORITY_HIGH);
    g_source_set_name(sys->source, "qaccel machine requests");
    g_source_attach(sys->source, sys->ctx);

    m->sink = qa_system_sink(sys);
    return sys;
}

void qa_system_free(QaSystem *sys)
{
    if (!sys) {
        return;
    }
    if (sys->machine->sink.opaque == sys) {
        sys->machine->sink = (QaRequestSink){0};
    }
    g_source_destroy(sys->source);
    g_source_unref(sys->source);
    g_main_context_unref(sys->ctx);
    qa_event_bus_free(sys->bus);
    g_mutex_clear(&sys->lock);
    g_free(sys);
}

QaEventBus *qa_system_events(QaSystem *sys)
{
    return sys->bus;
}

QaRequestSink qa_system_sink(QaSystem *sys)
{
    return (QaRequestSink){.post = sink_post, .opaque = sys};
}

QaRunState qa_system_runstate(QaSystem *sys)
{
    return sys->state;
}

QaMachine *qa_system_machine(QaSystem *sys)
{
    return sys->machine;
}

QaActions qa_system_actions(QaSystem *sys)
{
    return sys->actions;
}

void qa_system_set_actions(QaSystem *sys, const QaActions *actions)
{
    sys->actions = *actions;
}

bool qa_system_exit_requested(QaSystem *sys, int *status)
{
    if (status) {
        *status = sys->exit_requested ? sys->exit_status : 0;
    }
    return sys->exit_requested;
}

void qa_system_set_exit_hook(QaSystem *sys, void (*fn)(void *opaque),
                             void *opaque)
{
    sys->exit_fn = fn;
    sys->exit_opaque = opaque;
}

/* ---- host commands ------------------------------------------------------
 *
 * Each first applies what the guest asked for before the command arrived,
 * so events keep the order of their causes (a wakeup right after the
 * guest's S3 write finds the machine suspended).  Each then acts at once,
 * so its event precedes the caller's QMP reply.
 */

/*
 * Apply what is latched; false if the process is exiting, in which case
 * the command does nothing (QEMU serves no more commands by then).
 */
static bool host_command_begin(QaSystem *sys)
{
    qa_system_process_requests(sys);
    return !sys->exit_requested;
}

bool qa_system_start(QaSystem *sys, GError **error)
{
    if (!host_command_begin(sys)) {
        g_set_error(error, QA_ERROR, QA_ERROR_STATE,
                    "Cannot start the machine: it is shutting down");
        return false;
    }
    if (sys->state != QA_RUN_STATE_PRELAUNCH) {
        g_set_error(error, QA_ERROR, QA_ERROR_STATE,
                    "Cannot start the machine in runstate %s",
                    qa_run_state_name(sys->state));
        return false;
    }
    if (!ensure_started(sys, error)) {
        return false;
    }
    set_state(sys, QA_RUN_STATE_RUNNING);
    resume_vcpus(sys);
    return true;
}

void qa_system_stop(QaSystem *sys)
{
    if (host_command_begin(sys)) {
        vm_stop(sys, QA_RUN_STATE_PAUSED);
    }
}

bool qa_system_cont(QaSystem *sys, GError **error)
{
    if (!host_command_begin(sys)) {
        return true;
    }
    switch (sys->state) {
    case QA_RUN_STATE_SHUTDOWN:
    case QA_RUN_STATE_INTERNAL_ERROR:
        g_set_error(error, QA_ERROR, QA_ERROR_STATE,
                    "Resetting the Virtual Machine is required");
        return false;
    case QA_RUN_STATE_RUNNING:
    case QA_RUN_STATE_SUSPENDED:
        /* QEMU: no event; a suspended guest waits for system_wakeup. */
        return true;
    default:
        break;
    }
    if (!qa_run_state_transition_valid(sys->state, QA_RUN_STATE_RUNNING)) {
        g_set_error(error, QA_ERROR, QA_ERROR_STATE,
                    "Cannot continue the machine in runstate %s",
                    qa_run_state_name(sys->state));
        return false;
    }
    if (!ensure_started(sys, error)) {
        return false;
    }
    emit(sys, "RESUME", NULL);
    set_state(sys, QA_RUN_STATE_RUNNING);
    resume_vcpus(sys);
    return true;
}

bool qa_system_wakeup(QaSystem *sys, GError **error)
{
    if (!host_command_begin(sys)) {
        return true;
    }
    count_request(sys, QA_REQ_WAKEUP);
    return do_wakeup(sys, error);
}

void qa_system_powerdown(QaSystem *sys)
{
    if (!host_command_begin(sys)) {
        return;
    }
    qa_machine_powerdown(sys->machine);
    emit(sys, "POWERDOWN", NULL);
}

void qa_system_reset_request(QaSystem *sys)
{
    QaMachineRequest req = {
        .kind = QA_REQ_RESET,
        .cause = QA_CAUSE_HOST_QMP_SYSTEM_RESET,
        .cpu = -1,
        .reset_kind = QA_RESET_HOST,
        .source = "qmp",
    };

    if (!host_command_begin(sys)) {
        return;
    }
    count_request(sys, QA_REQ_RESET);
    handle_reset(sys, &req);
}

void qa_system_quit(QaSystem *sys, QaShutdownCause cause)
{
    QaMachineRequest req = {
        .kind = QA_REQ_SHUTDOWN,
        .cause = cause,
        .cpu = -1,
        .source = "host",
    };

    if (!host_command_begin(sys)) {
        return;
    }
    count_request(sys, QA_REQ_SHUTDOWN);
    do_shutdown(sys, &req, true);
}
