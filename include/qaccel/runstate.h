/*
 * Runstate and action policy (QEMU's runstate.c, as a library object).
 *
 * A QaSystem owns the runstate of one machine, the -action policy, the
 * latched machine requests and the event bus.  Producers on any thread
 * post requests through qa_system_sink(); a request latches (N posts of
 * one kind before the main loop runs make one action) and wakes the main
 * context, where qa_system_process_requests() applies the policy, resets
 * or stops the machine and emits the QMP events of
 * docs/system-events.md.  Process exit is only *reported*
 * (qa_system_exit_requested); the caller decides to exit.
 */
#ifndef QACCEL_RUNSTATE_H
#define QACCEL_RUNSTATE_H

#include <qaccel/accel.h>
#include <qaccel/event.h>
#include <qaccel/request.h>

G_BEGIN_DECLS

typedef enum {
    QA_RUN_STATE_DEBUG,
    QA_RUN_STATE_INMIGRATE,
    QA_RUN_STATE_INTERNAL_ERROR,
    QA_RUN_STATE_IO_ERROR,
    QA_RUN_STATE_PAUSED,
    QA_RUN_STATE_POSTMIGRATE,
    QA_RUN_STATE_PRELAUNCH,
    QA_RUN_STATE_FINISH_MIGRATE,
    QA_RUN_STATE_RESTORE_VM,
    QA_RUN_STATE_RUNNING,
    QA_RUN_STATE_SAVE_VM,
    QA_RUN_STATE_SHUTDOWN,
    QA_RUN_STATE_SUSPENDED,
    QA_RUN_STATE_WATCHDOG,
    QA_RUN_STATE_GUEST_PANICKED,
    QA_RUN_STATE_COLO,
    QA_RUN_STATE__MAX
} QaRunState;

typedef enum { QA_REBOOT_RESET, QA_REBOOT_SHUTDOWN } QaRebootAction;
typedef enum { QA_SHUTDOWN_POWEROFF, QA_SHUTDOWN_PAUSE } QaShutdownAction;
typedef enum {
    QA_PANIC_PAUSE,
    QA_PANIC_SHUTDOWN,
    QA_PANIC_EXIT_FAILURE,
    QA_PANIC_NONE
} QaPanicAction;
/* qaccel: what to do with an unknown / unhandled guest event */
typedef enum {
    QA_GUEST_ERROR_STOP,   /* internal-error runstate (default) */
    QA_GUEST_ERROR_IGNORE, /* log, count and let the guest run */
} QaGuestErrorAction;

typedef struct QaActions {
    QaRebootAction reboot;
    QaShutdownAction shutdown;
    QaPanicAction panic;
    QaGuestErrorAction guest_error;
} QaActions;

typedef struct QaSystem QaSystem;

/** qa_run_state_name: QEMU's RunState string ("running", ...). */
const char *qa_run_state_name(QaRunState state);

/**
 * qa_run_state_transition_valid: whether the runstate layer's transition
 * table allows @from -> @to (staying in a state is always allowed).
 * Returns false for out-of-range values.
 */
bool qa_run_state_transition_valid(QaRunState from, QaRunState to);

/**
 * qa_actions_default: reboot=reset, shutdown=poweroff, panic=shutdown,
 * guest-error=stop.
 */
QaActions qa_actions_default(void);

/**
 * qa_actions_parse: apply "reboot=shutdown,panic=pause" to @actions.
 * Errors name the key and the accepted values.
 */
bool qa_actions_parse(QaActions *actions, const char *spec, GError **error);

/**
 * qa_actions_set: set one key ("reboot", "shutdown", "panic",
 * "guest-error") to @value.
 */
bool qa_actions_set(QaActions *actions, const char *key, const char *value,
                    GError **error);

/**
 * qa_system_new: the runstate controller for @m (runstate prelaunch),
 * attached to @ctx (NULL = default main context).  Installs itself as
 * m->sink.  The machine must outlive it.
 */
QaSystem *qa_system_new(QaMachine *m, const QaActions *actions,
                        GMainContext *ctx);
void qa_system_free(QaSystem *sys);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QaSystem, qa_system_free)

/** qa_system_events: the event bus. */
QaEventBus *qa_system_events(QaSystem *sys);

/** qa_system_sink: a sink that posts to qa_system_post_request(). */
QaRequestSink qa_system_sink(QaSystem *sys);

/**
 * qa_system_post_request: latch @req and wake the main context.  Any
 * thread.  Requests of the same kind posted before processing coalesce
 * into one (the first one's cause and detail win).
 */
void qa_system_post_request(QaSystem *sys, const QaMachineRequest *req);

/**
 * qa_system_process_requests: apply every latched request (main thread).
 * Called automatically from the main context; exposed for tests and
 * embedders that run their own loop.  Returns true if anything happened.
 */
bool qa_system_process_requests(QaSystem *sys);

/** qa_system_runstate: the current runstate. */
QaRunState qa_system_runstate(QaSystem *sys);

/**
 * qa_system_start: prelaunch -> running (RESUME is not emitted at first
 * start, as in QEMU) and start the accelerator's vCPUs.
 */
bool qa_system_start(QaSystem *sys, GError **error);

/** qa_system_stop: QMP stop (STOP once; repeats are no-ops). */
void qa_system_stop(QaSystem *sys);

/**
 * qa_system_cont: QMP cont.  Fails with QA_ERROR_STATE "Resetting the
 * Virtual Machine is required" in shutdown (and internal-error).
 */
bool qa_system_cont(QaSystem *sys, GError **error);

/**
 * qa_system_wakeup: QMP system_wakeup.  Fails with QA_ERROR_STATE
 * "Unable to wake up: guest is not in suspended state".
 */
bool qa_system_wakeup(QaSystem *sys, GError **error);

/** qa_system_powerdown: QMP system_powerdown (POWERDOWN + board hook). */
void qa_system_powerdown(QaSystem *sys);

/** qa_system_reset_request: QMP system_reset (cause host-qmp-system-reset),
 * processed before returning so RESET precedes the reply. */
void qa_system_reset_request(QaSystem *sys);

/**
 * qa_system_quit: a host shutdown with @cause (host-qmp-quit, host-signal),
 * always powering off; processed before returning.
 */
void qa_system_quit(QaSystem *sys, QaShutdownCause cause);

/** qa_system_actions / qa_system_set_actions: the live policy. */
QaActions qa_system_actions(QaSystem *sys);
void qa_system_set_actions(QaSystem *sys, const QaActions *actions);

/**
 * qa_system_exit_requested: whether the process should exit now, and with
 * which status (0, or 1 for panic=exit-failure).
 */
bool qa_system_exit_requested(QaSystem *sys, int *status);

/**
 * qa_system_set_exit_hook: called (main thread) when an exit becomes
 * requested, so the caller can quit its main loop.
 */
void qa_system_set_exit_hook(QaSystem *sys, void (*fn)(void *opaque),
                             void *opaque);

/** qa_system_machine: the machine this controller drives. */
QaMachine *qa_system_machine(QaSystem *sys);

G_END_DECLS

#endif
