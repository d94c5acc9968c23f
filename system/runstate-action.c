/*
 * Runstate names, the runstate transition table and the -action policy
 * (QEMU's system/runstate-action.c and runstate_transitions_def, written
 * for the states qaccel actually enters).
 */
#include <string.h>
#include <qaccel/error.h>
#include <qaccel/runstate.h>

static const char *const run_state_names[QA_RUN_STATE__MAX] = {
    [QA_RUN_STATE_DEBUG] = "debug",
    [QA_RUN_STATE_INMIGRATE] = "inmigrate",
    [QA_RUN_STATE_INTERNAL_ERROR] = "internal-error",
    [QA_RUN_STATE_IO_ERROR] = "io-error",
    [QA_RUN_STATE_PAUSED] = "paused",
    [QA_RUN_STATE_POSTMIGRATE] = "postmigrate",
    [QA_RUN_STATE_PRELAUNCH] = "prelaunch",
    [QA_RUN_STATE_FINISH_MIGRATE] = "finish-migrate",
    [QA_RUN_STATE_RESTORE_VM] = "restore-vm",
    [QA_RUN_STATE_RUNNING] = "running",
    [QA_RUN_STATE_SAVE_VM] = "save-vm",
    [QA_RUN_STATE_SHUTDOWN] = "shutdown",
    [QA_RUN_STATE_SUSPENDED] = "suspended",
    [QA_RUN_STATE_WATCHDOG] = "watchdog",
    [QA_RUN_STATE_GUEST_PANICKED] = "guest-panicked",
    [QA_RUN_STATE_COLO] = "colo",
};

const char *qa_run_state_name(QaRunState state)
{
    if ((unsigned)state >= QA_RUN_STATE__MAX) {
        return "invalid";
    }
    return run_state_names[state];
}

/*
 * Every move the runstate layer makes.  Migration, snapshot, debug, COLO
 * and watchdog states exist only for QMP compatibility: nothing enters
 * them.  Two rules shape the table: a VM only stops from running (QEMU 7.2
 * vm_stop() does nothing otherwise), and any reset of a stopped VM lands
 * in prelaunch, from where cont (or start) runs it.
 */
static const struct {
    QaRunState from, to;
} run_state_transitions[] = {
    {QA_RUN_STATE_PRELAUNCH, QA_RUN_STATE_RUNNING},

    {QA_RUN_STATE_RUNNING, QA_RUN_STATE_PAUSED},
    {QA_RUN_STATE_RUNNING, QA_RUN_STATE_SHUTDOWN},
    {QA_RUN_STATE_RUNNING, QA_RUN_STATE_SUSPENDED},
    {QA_RUN_STATE_RUNNING, QA_RUN_STATE_GUEST_PANICKED},
    {QA_RUN_STATE_RUNNING, QA_RUN_STATE_INTERNAL_ERROR},

    {QA_RUN_STATE_PAUSED, QA_RUN_STATE_RUNNING},
    {QA_RUN_STATE_PAUSED, QA_RUN_STATE_PRELAUNCH},

    {QA_RUN_STATE_SUSPENDED, QA_RUN_STATE_RUNNING},
    {QA_RUN_STATE_SUSPENDED, QA_RUN_STATE_PRELAUNCH},

    {QA_RUN_STATE_GUEST_PANICKED, QA_RUN_STATE_RUNNING},
    {QA_RUN_STATE_GUEST_PANICKED, QA_RUN_STATE_PRELAUNCH},

    /* needs a reset: cont is refused */
    {QA_RUN_STATE_SHUTDOWN, QA_RUN_STATE_PRELAUNCH},
    {QA_RUN_STATE_INTERNAL_ERROR, QA_RUN_STATE_PRELAUNCH},
};

bool qa_run_state_transition_valid(QaRunState from, QaRunState to)
{
    if ((unsigned)from >= QA_RUN_STATE__MAX ||
        (unsigned)to >= QA_RUN_STATE__MAX) {
        return false;
    }
    if (from == to) {
        return true;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(run_state_transitions); i++) {
        if (run_state_transitions[i].from == from &&
            run_state_transitions[i].to == to) {
            return true;
        }
    }
    return false;
}

QaActions qa_actions_default(void)
{
    return (QaActions){
        .reboot = QA_REBOOT_RESET,
        .shutdown = QA_SHUTDOWN_POWEROFF,
        .panic = QA_PANIC_SHUTDOWN,
        .guest_error = QA_GUEST_ERROR_STOP,
    };
}

/* One -action key: its accepted values, indexed by the enum value. */
typedef struct {
    const char *key;
    const char *const *values;
    size_t offset; /* of the enum field in QaActions */
} ActionKey;

static const char *const reboot_values[] = {"reset", "shutdown", NULL};
static const char *const shutdown_values[] = {"poweroff", "pause", NULL};
static const char *const panic_values[] = {"pause", "shutdown", "exit-failure",
                                           "none", NULL};
static const char *const guest_error_values[] = {"stop", "ignore", NULL};

static const ActionKey action_keys[] = {
    {"reboot", reboot_values, offsetof(QaActions, reboot)},
    {"shutdown", shutdown_values, offsetof(QaActions, shutdown)},
    {"panic", panic_values, offsetof(QaActions, panic)},
    {"guest-error", guest_error_values, offsetof(QaActions, guest_error)},
};

/* "a, b, c or d" */
static char *join_alternatives(const char *const *words, gsize n)
{
    GString *s = g_string_new(NULL);

    for (gsize i = 0; i < n; i++) {
        if (i > 0) {
            g_string_append(s, i + 1 == n ? " or " : ", ");
        }
        g_string_append(s, words[i]);
    }
    return g_string_free(s, FALSE);
}

static void set_enum_field(QaActions *actions, size_t offset, int value)
{
    /* Every QaActions member is an enum of int size. */
    G_STATIC_ASSERT(sizeof(QaRebootAction) == sizeof(int));
    G_STATIC_ASSERT(sizeof(QaShutdownAction) == sizeof(int));
    G_STATIC_ASSERT(sizeof(QaPanicAction) == sizeof(int));
    G_STATIC_ASSERT(sizeof(QaGuestErrorAction) == sizeof(int));
    memcpy((char *)actions + offset, &value, sizeof(value));
}

bool qa_actions_set(QaActions *actions, const char *key, const char *value,
                    GError **error)
{
    const ActionKey *k = NULL;

    for (gsize i = 0; i < G_N_ELEMENTS(action_keys); i++) {
        if (g_strcmp0(key, action_keys[i].key) == 0) {
            k = &action_keys[i];
            break;
        }
    }
    if (!k) {
        const char *names[G_N_ELEMENTS(action_keys)];
        for (gsize i = 0; i < G_N_ELEMENTS(action_keys); i++) {
            names[i] = action_keys[i].key;
        }
        g_autofree char *alt = join_alternatives(names, G_N_ELEMENTS(names));
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Invalid parameter '%s' for -action: expected %s",
                    key ? key : "", alt);
        return false;
    }
    for (int v = 0; k->values[v]; v++) {
        if (g_strcmp0(value, k->values[v]) == 0) {
            set_enum_field(actions, k->offset, v);
            return true;
        }
    }
    g_autofree char *alt =
        join_alternatives(k->values, g_strv_length((char **)k->values));
    g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                "Invalid value '%s' for -action %s: expected %s",
                value ? value : "", k->key, alt);
    return false;
}

bool qa_actions_parse(QaActions *actions, const char *spec, GError **error)
{
    /* Apply to a copy so that a bad item leaves @actions untouched. */
    QaActions next = *actions;
    g_auto(GStrv) items = NULL;

    if (!spec || !*spec) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Empty -action: expected KEY=VALUE[,KEY=VALUE...]");
        return false;
    }
    items = g_strsplit(spec, ",", -1);
    for (int i = 0; items[i]; i++) {
        char *eq = strchr(items[i], '=');
        if (!eq) {
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                        "Invalid -action item '%s': expected KEY=VALUE",
                        items[i]);
            return false;
        }
        *eq = '\0';
        if (!qa_actions_set(&next, items[i], eq + 1, error)) {
            return false;
        }
    }
    *actions = next;
    return true;
}
