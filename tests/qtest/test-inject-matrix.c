/*
 * Exit injection matrix: every KVM_EXIT_SYSTEM_EVENT type (and unknown
 * ones) x arch x KVM_CAP_SYSTEM_EVENT_DATA x userspace ABI x data, and
 * every kind of request x -action policy, injected with qtest `vcpu_exit`
 * and checked against the QMP events, runstate and exit status that the
 * specs (kvm-system-event.md, qemu-power-behaviour.md) and
 * docs/system-events.md / docs/runstate.md prescribe.
 *
 * The expected outcome is computed here, independently of qaccel's
 * translator, from those documents.
 */
#include <string.h>
#include "libqtest.h"

typedef enum { ARCH_X86, ARCH_ARM64, ARCH_RISCV, N_ARCH } Arch;

static const char *const machines[N_ARCH] = {"q35-lite", "virt-arm64",
                                             "virt-riscv64"};
static const char *const arch_names[N_ARCH] = {"x86_64", "arm64", "riscv64"};

typedef struct Policy {
    const char *name;
    const char *action; /* -action value, NULL = defaults */
    bool reboot_shutdown, shutdown_pause;
    enum { P_PAUSE, P_SHUTDOWN, P_EXIT_FAILURE, P_NONE } panic;
    bool error_ignore;
} Policy;

static const Policy policies[] = {
    {"default", NULL, false, false, P_SHUTDOWN, false},
    {"reboot-shutdown", "reboot=shutdown", true, false, P_SHUTDOWN, false},
    {"all-pause",
     "reboot=shutdown,shutdown=pause,panic=pause,"
     "guest-error=ignore",
     true, true, P_PAUSE, true},
    {"shutdown-pause", "shutdown=pause", false, true, P_SHUTDOWN, false},
    {"panic-none", "panic=none,guest-error=ignore", false, false, P_NONE, true},
    {"exit-failure", "panic=exit-failure", false, false, P_EXIT_FAILURE, false},
    {"exit-failure-pause", "panic=exit-failure,shutdown=pause", false, true,
     P_EXIT_FAILURE, false},
};

/* The "decode" runs use a policy under which nothing exits. */
static const Policy decode_policy = {
    "decode", "shutdown=pause,panic=pause", false, true, P_PAUSE, false,
};

typedef struct Outcome {
    const char *events[6]; /* "NAME" or "NAME {data subset}" */
    int n;
    const char *state; /* runstate afterwards, NULL if exited */
    int exit_status;
} Outcome;

static void ev(Outcome *o, const char *e)
{
    g_assert(o->n < (int)G_N_ELEMENTS(o->events));
    o->events[o->n++] = e;
}

static void shutdown_outcome(const Policy *p, const char *cause, bool hib,
                             bool stopped, Outcome *o)
{
    if (hib) {
        ev(o, "SUSPEND_DISK");
    }
    if (!strcmp(cause, "guest-reset")) {
        ev(o, "SHUTDOWN {\"guest\": true, \"reason\": \"guest-reset\"}");
    } else if (!strcmp(cause, "guest-panic")) {
        ev(o, "SHUTDOWN {\"guest\": true, \"reason\": \"guest-panic\"}");
    } else {
        ev(o, "SHUTDOWN {\"guest\": true, \"reason\": \"guest-shutdown\"}");
    }
    if (p->shutdown_pause) {
        /* vm_stop only stops a running VM */
        if (!stopped) {
            ev(o, "STOP");
            o->state = "shutdown";
        } else {
            o->state = "guest-panicked";
        }
    } else {
        o->state = NULL;
        o->exit_status =
            !strcmp(cause, "guest-panic") && p->panic == P_EXIT_FAILURE;
    }
}

typedef enum {
    K_NONE,
    K_SHUTDOWN,
    K_RESET,
    K_PANIC,
    K_SUSPEND,
    K_WAKEUP,
    K_ERROR
} Kind;

/* The translator's decision (docs/system-events.md section 4). */
static Kind kind_of(Arch a, uint32_t type)
{
    switch (type) {
    case 1:
        return K_SHUTDOWN;
    case 2:
        return K_RESET;
    case 3:
        return K_PANIC;
    case 4:
        return K_WAKEUP;
    case 5:
        return K_SUSPEND;
    case 6:
    case 7:
        return a == ARCH_X86 ? K_PANIC : K_ERROR;
    default:
        return K_ERROR;
    }
}

/* The runstate layer's policy (docs/runstate.md, spec section 5). */
static void outcome_of(const Policy *p, Kind k, bool hib, Outcome *o)
{
    memset(o, 0, sizeof(*o));
    o->state = "running";
    switch (k) {
    case K_SHUTDOWN:
        shutdown_outcome(p, "guest-shutdown", hib, false, o);
        break;
    case K_RESET:
        if (p->reboot_shutdown) {
            shutdown_outcome(p, "guest-reset", false, false, o);
        } else {
            ev(o, "RESET {\"guest\": true, \"reason\": \"guest-reset\"}");
        }
        break;
    case K_PANIC:
        if (p->panic == P_PAUSE ||
            (p->panic == P_SHUTDOWN && p->shutdown_pause)) {
            ev(o, "GUEST_PANICKED {\"action\": \"pause\"}");
            ev(o, "STOP");
            o->state = "guest-panicked";
        } else if (p->panic == P_NONE) {
            ev(o, "GUEST_PANICKED {\"action\": \"run\"}");
        } else {
            ev(o, "GUEST_PANICKED {\"action\": \"poweroff\"}");
            ev(o, "STOP");
            shutdown_outcome(p, "guest-panic", false, true, o);
        }
        break;
    case K_SUSPEND:
        ev(o, "SUSPEND");
        o->state = "suspended";
        break;
    case K_ERROR:
        if (!p->error_ignore) {
            ev(o, "STOP");
            o->state = "internal-error";
        }
        break;
    default:
        break;
    }
}

/* ---- running a case --------------------------------------------------- */

static QTestState *start(Arch a, const Policy *p)
{
    if (p->action) {
        return qtest_initf("-machine %s -action %s", machines[a], p->action);
    }
    return qtest_initf("-machine %s", machines[a]);
}

/* Check the events and the state after one injection.  Returns false if
 * qaccel exited (as expected). */
static bool check(QTestState *qts, const char *what, const Outcome *o)
{
    g_autoptr(GError) err = NULL;

    for (int i = 0; i < o->n; i++) {
        g_autoptr(JsonObject) e = qtest_qmp_event_next(qts, 10000, &err);
        g_autofree char *name = g_strdup(o->events[i]);
        char *data = strchr(name, ' ');
        JsonNode *have;

        if (!e) {
            g_error("%s: expected %s: %s", what, o->events[i], err->message);
        }
        if (data) {
            *data++ = '\0';
        }
        if (strcmp(json_object_get_string_member(e, "event"), name) != 0) {
            g_autoptr(JsonNode) n = json_node_init_object(json_node_alloc(), e);
            g_autofree char *t = qtest_json_to_string(n);
            g_error("%s: got %s, expected %s", what, t, o->events[i]);
        }
        have = json_object_get_member(e, "data");
        if (data) {
            g_autoptr(JsonParser) jp = json_parser_new();
            g_assert_true(json_parser_load_from_data(jp, data, -1, NULL));
            if (!qtest_json_subset(json_parser_get_root(jp), have)) {
                g_autofree char *t = have ? qtest_json_to_string(have) : NULL;
                g_error("%s: %s data %s lacks %s", what, name, t, data);
            }
        }
    }
    if (!o->state) {
        int st = qtest_wait_exit(qts, 10000, &err);
        if (st != o->exit_status) {
            g_error("%s: exit status %d (%s), expected %d", what, st,
                    err ? err->message : "", o->exit_status);
        }
        return false;
    }
    {
        g_autofree char *st = qtest_query_status(qts);
        if (strcmp(st, o->state) != 0) {
            g_error("%s: runstate %s, expected %s", what, st, o->state);
        }
        /* query-status ran after the request was processed: anything
         * else it caused is queued by now. */
        if (qtest_qmp_event_pending(qts)) {
            g_autoptr(JsonObject) e = qtest_qmp_event_next(qts, 0, NULL);
            g_autoptr(JsonNode) n = json_node_init_object(json_node_alloc(), e);
            g_autofree char *t = qtest_json_to_string(n);
            g_error("%s: unexpected event %s", what, t);
        }
    }
    return true;
}

static void inject(QTestState *qts, const char *line)
{
    g_autofree char *r = qtest_rawf(qts, "%s", line);

    if (strcmp(r, "OK") != 0) {
        g_error("'%s' replied '%s'", line, r);
    }
}

/* Bring a VM that did not exit back to running (policy: reboot=reset). */
static void restore(QTestState *qts, const char *state, const char *cap_abi)
{
    if (!strcmp(state, "running")) {
        return;
    }
    if (!strcmp(state, "suspended")) {
        /* a WAKEUP record wakes it, with no RESET (spec rule 4) */
        g_autofree char *l =
            g_strdup_printf("vcpu_exit 0 system_event 4 0 %s", cap_abi);
        inject(qts, l);
        qtest_qmp_eventwait(qts, "WAKEUP");
    } else {
        qtest_qmp_assert_success(qts, "{'execute': 'system_reset'}");
        qtest_qmp_eventwait(qts, "RESET");
        qtest_qmp_assert_success(qts, "{'execute': 'cont'}");
        qtest_qmp_eventwait(qts, "RESUME");
    }
    {
        g_autofree char *st = qtest_query_status(qts);
        g_assert_cmpstr(st, ==, "running");
    }
}

/* ---- decode matrix ----------------------------------------------------- */

static const uint32_t types[] = {1, 2, 3, 4, 5, 6, 7, 0, 8, 200};

typedef struct DataVariant {
    const char *words; /* NDATA and data words */
    bool has_d0;
    uint64_t d0;
} DataVariant;

static const DataVariant variants[] = {
    {"0", false, 0},       {"1 0", true, 0},
    {"1 1", true, 1},      {"1 0x80000001", true, 0x80000001},
    {"0 1", false, 0},     /* stale data past ndata: never read */
    {"20 1 2 3", true, 1}, /* ndata above 16: clamped */
};

/* Is data[0] visible to the translator?  (decoder rules 3 to 5) */
static bool d0_visible(Arch a, bool cap, bool abi32, const DataVariant *v,
                       uint64_t *d0)
{
    if (cap && !abi32) {
        *d0 = v->d0;
        return v->has_d0;
    }
    if (cap && abi32) {
        return false; /* offset 4 holds ndata, not flags */
    }
    if (a == ARCH_X86) {
        return false; /* x86 never wrote flags */
    }
    /* legacy flags word: what sits at data[0] whatever ndata says */
    *d0 = strcmp(v->words, "0")
              ? g_ascii_strtoull(strchr(v->words, ' ') + 1, NULL, 0)
              : 0;
    return true;
}

static void test_decode(gconstpointer opaque)
{
    Arch a = GPOINTER_TO_INT(opaque);
    QTestState *qts = start(a, &decode_policy);
    int cases = 0;

    for (size_t t = 0; t < G_N_ELEMENTS(types); t++) {
        for (int cap = 0; cap <= 1; cap++) {
            for (int abi32 = 0; abi32 <= 1; abi32++) {
                for (size_t v = 0; v < G_N_ELEMENTS(variants); v++) {
                    const DataVariant *dv = &variants[v];
                    g_autofree char *cap_abi = g_strdup_printf(
                        "cap=%d abi=%s", cap, abi32 ? "32old" : "64");
                    g_autofree char *line =
                        g_strdup_printf("vcpu_exit 0 system_event %u %s %s",
                                        types[t], dv->words, cap_abi);
                    g_autofree char *what =
                        g_strdup_printf("%s: %s", arch_names[a], line);
                    uint64_t d0 = 0;
                    bool vis = d0_visible(a, cap, abi32, dv, &d0);
                    Kind k = kind_of(a, types[t]);
                    bool hib =
                        k == K_SHUTDOWN && a == ARCH_ARM64 && vis && (d0 & 1);
                    Outcome o;

                    outcome_of(&decode_policy, k, hib, &o);
                    inject(qts, line);
                    check(qts, what, &o);
                    restore(qts, o.state, cap_abi);
                    cases++;
                }
            }
        }
    }
    /* the x86 triple fault (KVM_EXIT_SHUTDOWN) */
    if (a == ARCH_X86) {
        Outcome o;
        outcome_of(&decode_policy, K_RESET, false, &o);
        inject(qts, "vcpu_exit 0 shutdown");
        check(qts, "x86_64: triple fault", &o);
    } else {
        g_autofree char *r = qtest_rawf(qts, "vcpu_exit 0 shutdown");
        g_assert_true(g_str_has_prefix(r, "FAIL vcpu_exit shutdown: a triple "
                                          "fault exists only on x86_64"));
    }
    g_test_message("%s: %d injected records", arch_names[a], cases);
    qtest_quit(qts);
}

/* ---- policy matrix ----------------------------------------------------- */

typedef struct PolicyCase {
    Arch arch;
    const Policy *policy;
} PolicyCase;

typedef struct KindCase {
    const char *line; /* after "vcpu_exit 0 " */
    Kind kind;
    bool hib;
    unsigned arch_mask; /* 1 << Arch */
} KindCase;

static const KindCase kinds[] = {
    {"system_event shutdown 1 0", K_SHUTDOWN, false, 7},
    {"system_event shutdown 1 1", K_SHUTDOWN, true, 1 << ARCH_ARM64},
    {"system_event reset 1 0", K_RESET, false, 7},
    {"shutdown", K_RESET, false, 1 << ARCH_X86},
    {"system_event crash 0 hv=1,2,3,4,5", K_PANIC, false, 7},
    {"system_event sev-term 1 0x100", K_PANIC, false, 1 << ARCH_X86},
    {"system_event tdx-fatal 0", K_PANIC, false, 1 << ARCH_X86},
    {"system_event sev-term 1 0x100", K_ERROR, false,
     1 << ARCH_ARM64 | 1 << ARCH_RISCV},
    {"system_event 9 0", K_ERROR, false, 7},
    {"system_event suspend 0", K_SUSPEND, false, 7},
    {"system_event wakeup 0", K_WAKEUP, false, 7},
};

static void test_policy(gconstpointer opaque)
{
    const PolicyCase *pc = opaque;

    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
        const KindCase *k = &kinds[i];
        g_autofree char *line = NULL, *what = NULL;
        QTestState *qts;
        Outcome o;

        if (!(k->arch_mask & (1u << pc->arch))) {
            continue;
        }
        line = g_strdup_printf("vcpu_exit 0 %s", k->line);
        what = g_strdup_printf("%s -action %s: %s", arch_names[pc->arch],
                               pc->policy->name, line);
        outcome_of(pc->policy, k->kind, k->hib, &o);
        qts = start(pc->arch, pc->policy);
        inject(qts, line);
        if (!check(qts, what, &o)) {
            qtest_set_expected_status(qts, o.exit_status);
        }
        qtest_quit(qts);
    }
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    for (int a = 0; a < N_ARCH; a++) {
        g_autofree char *path =
            g_strdup_printf("/inject/decode/%s", arch_names[a]);
        g_test_add_data_func(path, GINT_TO_POINTER(a), test_decode);
    }
    for (int a = 0; a < N_ARCH; a++) {
        for (size_t p = 0; p < G_N_ELEMENTS(policies); p++) {
            PolicyCase *pc = g_new(PolicyCase, 1);
            g_autofree char *path = g_strdup_printf(
                "/inject/policy/%s/%s", arch_names[a], policies[p].name);
            pc->arch = a;
            pc->policy = &policies[p];
            g_test_add_data_func_full(path, pc, test_policy, g_free);
        }
    }
    ret = g_test_run();
    return ret;
}
