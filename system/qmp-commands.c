/*
 * The QMP command table (docs/qmp.md).  Handlers validate nothing the
 * dispatcher already checked (argument names and JSON types) and report
 * QEMU's error classes and texts.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "qaccel-config.h"
#include <qaccel/accel.h>
#include <qaccel/config.h>
#include <qaccel/sysevent.h>

#include "system/qmp-internal.h"
#include "system/qmp-json.h"

#define DEFAULT_MACHINE "q35-lite"

/* ---- small JSON helpers ---------------------------------------------- */

static JsonNode *obj_node(JsonObject *o)
{
    JsonNode *n = json_node_alloc();

    json_node_init_object(n, o);
    json_object_unref(o);
    return n;
}

static JsonNode *arr_node(JsonArray *a)
{
    JsonNode *n = json_node_alloc();

    json_node_init_array(n, a);
    json_array_unref(a);
    return n;
}

static const char *arg_str(JsonObject *args, const char *name)
{
    JsonNode *n = json_object_get_member(args, name);

    return n ? json_node_get_string(n) : NULL;
}

/* ---- capabilities, introspection ------------------------------------- */

static JsonNode *qmp_capabilities(QmpCtx *ctx, JsonObject *args, GError **error)
{
    JsonNode *en = json_object_get_member(args, "enable");
    bool oob = false;

    for (guint i = 0; en && i < json_array_get_length(json_node_get_array(en));
         i++) {
        const char *cap =
            json_array_get_string_element(json_node_get_array(en), i);
        if (strcmp(cap, "oob") != 0) {
            g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                        "Parameter 'enable' does not accept value '%s'", cap);
            return NULL;
        }
        oob = true;
    }
    if (!qmp_conn_negotiate(ctx->conn, oob, error)) {
        return NULL;
    }
    return NULL;
}

static JsonNode *query_version(QmpCtx *ctx, JsonObject *args, GError **error)
{
    JsonObject *v = json_object_new(), *q = json_object_new();
    unsigned major = 0, minor = 0, micro = 0;

    sscanf(QACCEL_VERSION, "%u.%u.%u", &major, &minor, &micro);
    json_object_set_int_member(q, "micro", micro);
    json_object_set_int_member(q, "minor", minor);
    json_object_set_int_member(q, "major", major);
    json_object_set_object_member(v, "qemu", q);
    json_object_set_string_member(v, "package", "qaccel");
    return obj_node(v);
}

static JsonNode *query_commands(QmpCtx *ctx, JsonObject *args, GError **error)
{
    JsonArray *a = json_array_new();

    for (size_t i = 0; i < qa_qmp_commands_len; i++) {
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "name", qa_qmp_commands[i].name);
        json_array_add_object_element(a, o);
    }
    return arr_node(a);
}

static JsonNode *query_status(QmpCtx *ctx, JsonObject *args, GError **error)
{
    JsonObject *o = json_object_new();
    QaRunState st = qa_system_runstate(ctx->sys);

    json_object_set_string_member(o, "status", qa_run_state_name(st));
    json_object_set_boolean_member(o, "running", st == QA_RUN_STATE_RUNNING);
    return obj_node(o);
}

static JsonNode *query_machines(QmpCtx *ctx, JsonObject *args, GError **error)
{
    g_autoptr(GSList) list =
        qa_config_set_list(qmp_server_configs(ctx->server));
    JsonArray *a = json_array_new();

    for (GSList *l = list; l; l = l->next) {
        const QaMachineConfig *c = l->data;
        JsonObject *o = json_object_new();

        json_object_set_string_member(o, "name", c->name);
        if (!strcmp(c->name, DEFAULT_MACHINE)) {
            json_object_set_boolean_member(o, "is-default", true);
        }
        json_object_set_int_member(o, "cpu-max", c->max_cpus);
        json_object_set_boolean_member(o, "hotpluggable-cpus", false);
        json_object_set_boolean_member(o, "numa-mem-supported", false);
        json_object_set_boolean_member(o, "deprecated", false);
        json_object_set_string_member(o, "arch", qa_arch_name(c->arch));
        if (c->description) {
            json_object_set_string_member(o, "description", c->description);
        }
        json_array_add_object_element(a, o);
    }
    return arr_node(a);
}

static JsonNode *query_accelerators(QmpCtx *ctx, JsonObject *args,
                                    GError **error)
{
    g_autoptr(GSList) list = qa_accel_list();
    const char *cur = ctx->m->accel ? qa_accel_name(ctx->m->accel) : NULL;
    JsonArray *a = json_array_new();

    for (GSList *l = list; l; l = l->next) {
        QaAccelClass *ac = l->data;
        g_autoptr(GError) err = NULL;
        bool usable = !ac->probe || ac->probe(&err);
        JsonObject *o = json_object_new();

        json_object_set_string_member(o, "name", ac->name);
        json_object_set_boolean_member(o, "usable", usable);
        if (!usable && err) {
            json_object_set_string_member(o, "reason", err->message);
        }
        json_object_set_boolean_member(o, "current",
                                       cur && !strcmp(cur, ac->name));
        json_array_add_object_element(a, o);
    }
    return arr_node(a);
}

static const char *qemu_target_name(QaArch arch)
{
    switch (arch) {
    case QA_ARCH_ARM64:
        return "aarch64";
    case QA_ARCH_RISCV64:
        return "riscv64";
    default:
        return "x86_64";
    }
}

static JsonNode *query_cpus_fast(QmpCtx *ctx, JsonObject *args, GError **error)
{
    JsonArray *a = json_array_new();

    for (uint32_t i = 0; ctx->m->vcpus && i < ctx->m->cpus; i++) {
        JsonObject *o = json_object_new();

        json_object_set_int_member(o, "cpu-index", ctx->m->vcpus[i].index);
        /* vCPU thread ids are not exposed by the accelerator API. */
        json_object_set_int_member(o, "thread-id", getpid());
        json_object_set_string_member(o, "target",
                                      qemu_target_name(ctx->m->arch));
        json_object_set_int_member(o, "arch-id",
                                   (gint64)ctx->m->vcpus[i].arch_id);
        json_array_add_object_element(a, o);
    }
    return arr_node(a);
}

/* ---- run control ----------------------------------------------------- */

static JsonNode *cmd_stop(QmpCtx *ctx, JsonObject *args, GError **error)
{
    qa_system_stop(ctx->sys);
    return NULL;
}

static JsonNode *cmd_cont(QmpCtx *ctx, JsonObject *args, GError **error)
{
    qa_system_cont(ctx->sys, error);
    return NULL;
}

static JsonNode *cmd_system_reset(QmpCtx *ctx, JsonObject *args, GError **error)
{
    qa_system_reset_request(ctx->sys);
    return NULL;
}

static JsonNode *cmd_system_powerdown(QmpCtx *ctx, JsonObject *args,
                                      GError **error)
{
    qa_system_powerdown(ctx->sys);
    return NULL;
}

static JsonNode *cmd_system_wakeup(QmpCtx *ctx, JsonObject *args,
                                   GError **error)
{
    qa_system_wakeup(ctx->sys, error);
    return NULL;
}

static JsonNode *cmd_quit(QmpCtx *ctx, JsonObject *args, GError **error)
{
    qa_system_quit(ctx->sys, QA_CAUSE_HOST_QMP_QUIT);
    return NULL;
}

static JsonNode *cmd_set_action(QmpCtx *ctx, JsonObject *args, GError **error)
{
    static const char *const keys[] = {"reboot", "shutdown", "panic",
                                       "guest-error"};
    static const char *const watchdog[] = {"reset",      "shutdown", "poweroff",
                                           "pause",      "debug",    "none",
                                           "inject-nmi", NULL};
    QaActions a = qa_system_actions(ctx->sys);
    const char *wd = arg_str(args, "watchdog");

    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        const char *v = arg_str(args, keys[i]);
        g_autoptr(GError) err = NULL;

        if (v && !qa_actions_set(&a, keys[i], v, &err)) {
            g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                        "Parameter '%s' does not accept value '%s'", keys[i],
                        v);
            return NULL;
        }
    }
    /* No watchdog device exists; the value is checked, not used. */
    if (wd && !g_strv_contains(watchdog, wd)) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Parameter 'watchdog' does not accept value '%s'", wd);
        return NULL;
    }
    qa_system_set_actions(ctx->sys, &a);
    return NULL;
}

/* ---- QOM ------------------------------------------------------------- */

/* Absolute paths, or a partial path matching exactly one object. */
static QaObject *resolve(const char *path, GError **error)
{
    bool ambiguous = false;
    QaObject *obj = qa_object_resolve_partial(path, &ambiguous);

    if (ambiguous) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Path '%s' is ambiguous", path);
    } else if (!obj) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_DEVICE_NOT_FOUND,
                    "Device '%s' not found", path);
    }
    return obj;
}

static void add_prop_info(JsonArray *a, const char *name, const char *type)
{
    JsonObject *o = json_object_new();

    json_object_set_string_member(o, "name", name);
    json_object_set_string_member(o, "type", type);
    json_array_add_object_element(a, o);
}

static bool list_child(QaObject *child, void *opaque)
{
    g_autofree char *type =
        g_strdup_printf("child<%s>", qa_object_type_name(child));

    add_prop_info(opaque, qa_object_get_name(child), type);
    return true;
}

static void list_prop(const QaProperty *prop, void *opaque)
{
    g_autofree char *type = qa_prop_type_string(prop);

    add_prop_info(opaque, prop->name, type);
}

static JsonNode *qom_list(QmpCtx *ctx, JsonObject *args, GError **error)
{
    QaObject *obj = resolve(arg_str(args, "path"), error);
    JsonArray *a;

    if (!obj) {
        return NULL;
    }
    a = json_array_new();
    add_prop_info(a, "type", "string");
    qa_object_foreach_child(obj, list_child, a);
    qa_class_foreach_property(qa_object_get_class(obj), list_prop, a);
    return arr_node(a);
}

static JsonNode *variant_to_json(GVariant *v)
{
    JsonNode *n = json_node_alloc();

    switch (g_variant_classify(v)) {
    case G_VARIANT_CLASS_BOOLEAN:
        return json_node_init_boolean(n, g_variant_get_boolean(v));
    case G_VARIANT_CLASS_BYTE:
        return json_node_init_int(n, g_variant_get_byte(v));
    case G_VARIANT_CLASS_INT16:
        return json_node_init_int(n, g_variant_get_int16(v));
    case G_VARIANT_CLASS_UINT16:
        return json_node_init_int(n, g_variant_get_uint16(v));
    case G_VARIANT_CLASS_INT32:
        return json_node_init_int(n, g_variant_get_int32(v));
    case G_VARIANT_CLASS_UINT32:
        return json_node_init_int(n, g_variant_get_uint32(v));
    case G_VARIANT_CLASS_INT64:
        return json_node_init_int(n, g_variant_get_int64(v));
    case G_VARIANT_CLASS_UINT64:
        json_node_unref(n);
        return qmp_json_node_new_u64(g_variant_get_uint64(v));
    case G_VARIANT_CLASS_DOUBLE:
        return json_node_init_double(n, g_variant_get_double(v));
    case G_VARIANT_CLASS_STRING:
        return json_node_init_string(n, g_variant_get_string(v, NULL));
    default:
        return json_node_init_null(n);
    }
}

static JsonNode *qom_get(QmpCtx *ctx, JsonObject *args, GError **error)
{
    QaObject *obj = resolve(arg_str(args, "path"), error);
    const char *name = arg_str(args, "property");
    g_autoptr(GVariant) v = NULL;
    QaObject *child;

    if (!obj) {
        return NULL;
    }
    if (!strcmp(name, "type")) {
        return json_node_init_string(json_node_alloc(),
                                     qa_object_type_name(obj));
    }
    if (!qa_object_find_property(obj, name)) {
        child = qa_object_child(obj, name);
        if (child) {
            g_autofree char *path = qa_object_canonical_path(child);
            return json_node_init_string(json_node_alloc(), path);
        }
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Property '%s.%s' not found", qa_object_type_name(obj),
                    name);
        return NULL;
    }
    v = qa_object_get_variant(obj, name, error);
    return v ? variant_to_json(v) : NULL;
}

static JsonNode *qom_set(QmpCtx *ctx, JsonObject *args, GError **error)
{
    QaObject *obj = resolve(arg_str(args, "path"), error);
    const char *name = arg_str(args, "property");
    JsonNode *val = json_object_get_member(args, "value");
    g_autoptr(GVariant) v = NULL;
    g_autoptr(GError) err = NULL;
    GType t;

    if (!obj) {
        return NULL;
    }
    if (!qa_object_find_property(obj, name)) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Property '%s.%s' not found", qa_object_type_name(obj),
                    name);
        return NULL;
    }
    t = JSON_NODE_HOLDS_VALUE(val) ? json_node_get_value_type(val)
                                   : G_TYPE_INVALID;
    if (qmp_json_node_is_big_u64(val)) {
        uint64_t u = 0;
        qmp_json_node_get_u64(val, &u);
        v = g_variant_ref_sink(g_variant_new_uint64(u));
    } else if (t == G_TYPE_INT64) {
        v = g_variant_ref_sink(g_variant_new_int64(json_node_get_int(val)));
    } else if (t == G_TYPE_BOOLEAN) {
        v = g_variant_ref_sink(
            g_variant_new_boolean(json_node_get_boolean(val)));
    } else if (t == G_TYPE_STRING) {
        v = g_variant_ref_sink(g_variant_new_string(json_node_get_string(val)));
    } else if (t == G_TYPE_DOUBLE) {
        v = g_variant_ref_sink(g_variant_new_double(json_node_get_double(val)));
    } else {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Invalid parameter type for '%s', expected: a scalar",
                    name);
        return NULL;
    }
    if (!qa_object_set_variant(obj, name, v, &err)) {
        g_set_error_literal(error, QMP_ERROR, QMP_ERROR_GENERIC, err->message);
    }
    return NULL;
}

/* ---- statistics ------------------------------------------------------ */

static JsonNode *query_sysevent_stats(QmpCtx *ctx, JsonObject *args,
                                      GError **error)
{
    static const char *const src[QA_SYSEVENT_SRC__MAX] = {
        [QA_SYSEVENT_SRC_KERNEL] = "kernel",
        [QA_SYSEVENT_SRC_INJECTED] = "injected",
        [QA_SYSEVENT_SRC_FIRMWARE] = "firmware",
    };
    QaSysEventStats st = qa_machine_stats(ctx->m);
    JsonObject *o = json_object_new(), *req = json_object_new();
    JsonObject *un = json_object_new();
    JsonArray *events = json_array_new();

    /* by_type[0] holds unknown types: list it last. */
    for (unsigned i = 1; i <= G_N_ELEMENTS(st.by_type); i++) {
        unsigned t = i % G_N_ELEMENTS(st.by_type);
        JsonObject *e = json_object_new();

        json_object_set_string_member(e, "type", qa_sysevent_type_name(t));
        if (t) {
            json_object_set_int_member(e, "code", t);
        }
        for (int s = 0; s < QA_SYSEVENT_SRC__MAX; s++) {
            json_object_set_int_member(e, src[s], st.by_type[t][s]);
        }
        json_array_add_object_element(events, e);
    }
    json_object_set_array_member(o, "events", events);
    json_object_set_int_member(o, "unknown", st.unknown);
    json_object_set_int_member(o, "clamped", st.clamped);
    for (int k = QA_REQ_NONE + 1; k < QA_REQ__MAX; k++) {
        json_object_set_int_member(req, qa_request_kind_name(k),
                                   st.requests[k]);
    }
    json_object_set_object_member(o, "requests", req);
    json_object_set_int_member(o, "guest-errors", st.guest_errors);
    if (ctx->m->io) {
        QaAccessStats io = qa_address_space_stats(ctx->m->io);
        json_object_set_int_member(un, "io-reads", io.unassigned_reads);
        json_object_set_int_member(un, "io-writes", io.unassigned_writes);
    }
    if (ctx->m->mem) {
        QaAccessStats mem = qa_address_space_stats(ctx->m->mem);
        json_object_set_int_member(un, "memory-reads", mem.unassigned_reads);
        json_object_set_int_member(un, "memory-writes", mem.unassigned_writes);
    }
    json_object_set_object_member(o, "unassigned", un);
    return obj_node(o);
}

/* ---- the table ------------------------------------------------------- */

static const QmpArg caps_args[] = {
    {"enable", QMP_ARG_STR_LIST, true},
    {NULL},
};
static const QmpArg action_args[] = {
    {"reboot", QMP_ARG_STR, true},      {"shutdown", QMP_ARG_STR, true},
    {"panic", QMP_ARG_STR, true},       {"watchdog", QMP_ARG_STR, true},
    {"guest-error", QMP_ARG_STR, true}, {NULL},
};
static const QmpArg path_args[] = {
    {"path", QMP_ARG_STR, false},
    {NULL},
};
static const QmpArg get_args[] = {
    {"path", QMP_ARG_STR, false},
    {"property", QMP_ARG_STR, false},
    {NULL},
};
static const QmpArg set_args[] = {
    {"path", QMP_ARG_STR, false},
    {"property", QMP_ARG_STR, false},
    {"value", QMP_ARG_ANY, false},
    {NULL},
};

const QmpCommand qa_qmp_commands[] = {
    {"qmp_capabilities", caps_args, qmp_capabilities},
    {"query-version", NULL, query_version},
    {"query-commands", NULL, query_commands},
    {"query-status", NULL, query_status},
    {"query-machines", NULL, query_machines},
    {"query-accelerators", NULL, query_accelerators},
    {"query-cpus-fast", NULL, query_cpus_fast},
    {"stop", NULL, cmd_stop},
    {"cont", NULL, cmd_cont},
    {"system_reset", NULL, cmd_system_reset},
    {"system_powerdown", NULL, cmd_system_powerdown},
    {"system_wakeup", NULL, cmd_system_wakeup},
    {"quit", NULL, cmd_quit},
    {"set-action", action_args, cmd_set_action},
    {"qom-list", path_args, qom_list},
    {"qom-get", get_args, qom_get},
    {"qom-set", set_args, qom_set},
    {"query-sysevent-stats", NULL, query_sysevent_stats},
};
const size_t qa_qmp_commands_len = G_N_ELEMENTS(qa_qmp_commands);
