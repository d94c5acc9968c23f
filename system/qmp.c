/*
 * The QMP server: connections, greeting, capabilities negotiation,
 * request validation and dispatch, error replies and events.
 *
 * Everything runs on the main thread, one request at a time, so a command
 * and the events it causes are written in the order they happen: an event
 * emitted while a command runs (RESET during system_reset, SHUTDOWN during
 * quit) reaches every client before that command's return.
 */
#include <stdio.h>
#include <string.h>
#include "qaccel-config.h"
#include <qaccel/error.h>
#include <qaccel/event.h>

#include "system/chardev.h"
#include "system/qmp-internal.h"
#include "system/qmp-json.h"

struct QmpConn {
    QaQmpServer *s;
    QaChardevConn *conn;
    QmpJsonStreamer *js;
    bool negotiated;
    bool oob;
};

struct QaQmpServer {
    QaSystem *sys;
    QaChardev *chr;
    GPtrArray *conns; /* QmpConn * */
    unsigned event_sub;
    QaConfigSet *configs;     /* borrowed */
    QaConfigSet *own_configs; /* loaded on demand */
    GHashTable *cmds;         /* name -> const QmpCommand * */
};

G_DEFINE_QUARK(qaccel - qmp - error - quark, qmp_error)

const char *qmp_error_class_name(int code)
{
    static const char *const names[] = {
        [QMP_ERROR_GENERIC] = "GenericError",
        [QMP_ERROR_COMMAND_NOT_FOUND] = "CommandNotFound",
        [QMP_ERROR_DEVICE_NOT_ACTIVE] = "DeviceNotActive",
        [QMP_ERROR_DEVICE_NOT_FOUND] = "DeviceNotFound",
        [QMP_ERROR_KVM_MISSING_CAP] = "KVMMissingCap",
    };

    if (code < 0 || (size_t)code >= G_N_ELEMENTS(names)) {
        return "GenericError";
    }
    return names[code];
}

/* ---- output ---------------------------------------------------------- */

static void send_node(QmpConn *c, JsonNode *node)
{
    GString *out = qa_chardev_conn_outbuf(c->conn);

    qmp_json_append(out, node);
    g_string_append_len(out, "\r\n", 2);
}

/* {"return": ret, "id": id} or {"error": {...}, "id": id} */
static void send_response(QmpConn *c, JsonNode *ret, const GError *err,
                          JsonNode *id)
{
    g_autoptr(JsonObject) obj = json_object_new();
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);

    if (err) {
        JsonObject *e = json_object_new();
        int code = err->domain == QMP_ERROR ? err->code : QMP_ERROR_GENERIC;

        json_object_set_string_member(e, "class", qmp_error_class_name(code));
        json_object_set_string_member(e, "desc", err->message);
        json_object_set_object_member(obj, "error", e);
    } else {
        JsonNode *r = ret ? json_node_ref(ret) : json_node_alloc();

        if (!ret) {
            g_autoptr(JsonObject) empty = json_object_new();
            json_node_init_object(r, empty);
        }
        json_object_set_member(obj, "return", r);
    }
    if (id) {
        json_object_set_member(obj, "id", json_node_copy(id));
    }
    json_node_set_object(node, obj);
    send_node(c, node);
}

static void send_error(QmpConn *c, JsonNode *id, int cls, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
static void send_error(QmpConn *c, JsonNode *id, int cls, const char *fmt, ...)
{
    g_autoptr(GError) err = NULL;
    va_list ap;

    va_start(ap, fmt);
    err = g_error_new_valist(QMP_ERROR, cls, fmt, ap);
    va_end(ap);
    send_response(c, NULL, err, id);
}

static void send_greeting(QmpConn *c)
{
    unsigned major = 0, minor = 0, micro = 0;
    GString *out = qa_chardev_conn_outbuf(c->conn);

    sscanf(QACCEL_VERSION, "%u.%u.%u", &major, &minor, &micro);
    g_string_append_printf(out,
                           "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": %u, "
                           "\"minor\": %u, \"major\": %u}, \"package\": "
                           "\"qaccel\"}, \"capabilities\": [\"oob\"]}}\r\n",
                           micro, minor, major);
}

/* ---- events ---------------------------------------------------------- */

static void on_event(const QaEvent *ev, void *opaque)
{
    QaQmpServer *s = opaque;
    g_autoptr(GString) text = g_string_new(NULL);
    g_autofree char *wire = qa_event_format(ev);

    g_string_append(text, wire);
    g_string_append_len(text, "\r\n", 2);
    for (guint i = 0; i < s->conns->len; i++) {
        QmpConn *c = g_ptr_array_index(s->conns, i);
        if (c->negotiated) {
            qa_chardev_conn_write(c->conn, text->str, text->len);
            qa_chardev_conn_flush(c->conn);
        }
    }
}

/* ---- dispatch -------------------------------------------------------- */

static const char *arg_type_name(QmpArgType t)
{
    switch (t) {
    case QMP_ARG_STR:
        return "string";
    case QMP_ARG_INT:
        return "integer";
    case QMP_ARG_BOOL:
        return "boolean";
    case QMP_ARG_STR_LIST:
        return "array";
    default:
        return "any";
    }
}

static bool arg_type_ok(QmpArgType t, JsonNode *n)
{
    GType vt =
        JSON_NODE_HOLDS_VALUE(n) ? json_node_get_value_type(n) : G_TYPE_INVALID;

    switch (t) {
    case QMP_ARG_STR:
        return vt == G_TYPE_STRING;
    case QMP_ARG_INT:
        return vt == G_TYPE_INT64;
    case QMP_ARG_BOOL:
        return vt == G_TYPE_BOOLEAN;
    case QMP_ARG_STR_LIST:
        if (!JSON_NODE_HOLDS_ARRAY(n)) {
            return false;
        }
        for (guint i = 0; i < json_array_get_length(json_node_get_array(n));
             i++) {
            JsonNode *e = json_array_get_element(json_node_get_array(n), i);
            if (!JSON_NODE_HOLDS_VALUE(e) ||
                json_node_get_value_type(e) != G_TYPE_STRING) {
                return false;
            }
        }
        return true;
    default:
        return true;
    }
}

/* QEMU's visitor order: declared members in order, then leftovers. */
static bool check_args(const QmpCommand *cmd, JsonObject *args, GError **error)
{
    JsonObjectIter it;
    const char *name;
    JsonNode *val;

    for (const QmpArg *a = cmd->args; a && a->name; a++) {
        JsonNode *n = json_object_get_member(args, a->name);
        if (!n) {
            if (!a->optional) {
                g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                            "Parameter '%s' is missing", a->name);
                return false;
            }
            continue;
        }
        if (!arg_type_ok(a->type, n)) {
            g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                        "Invalid parameter type for '%s', expected: %s",
                        a->name, arg_type_name(a->type));
            return false;
        }
    }
    json_object_iter_init_ordered(&it, args);
    while (json_object_iter_next_ordered(&it, &name, &val)) {
        const QmpArg *a = cmd->args;
        while (a && a->name && strcmp(a->name, name)) {
            a++;
        }
        if (!a || !a->name) {
            g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                        "Parameter '%s' is unexpected", name);
            return false;
        }
    }
    return true;
}

/* QEMU's qmp_dispatch_check_obj(): the request's own members. */
static bool check_request(QmpConn *c, JsonObject *req, const char **name,
                          bool *is_oob, GError **error)
{
    JsonObjectIter it;
    const char *key;
    JsonNode *val;
    const char *exec = NULL, *oob = NULL;

    json_object_iter_init_ordered(&it, req);
    while (json_object_iter_next_ordered(&it, &key, &val)) {
        if (!strcmp(key, "execute") || (!strcmp(key, "exec-oob") && c->oob)) {
            if (!JSON_NODE_HOLDS_VALUE(val) ||
                json_node_get_value_type(val) != G_TYPE_STRING) {
                g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                            "QMP input member '%s' must be a string", key);
                return false;
            }
            *(key[4] == '-' ? &oob : &exec) = json_node_get_string(val);
        } else if (!strcmp(key, "arguments")) {
            if (!JSON_NODE_HOLDS_OBJECT(val)) {
                g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                            "QMP input member 'arguments' must be an object");
                return false;
            }
        } else if (strcmp(key, "id") != 0) {
            g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                        "QMP input member '%s' is unexpected", key);
            return false;
        }
    }
    if (!exec && !oob) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "QMP input lacks member 'execute'");
        return false;
    }
    if (exec && oob) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "QMP input must not have both 'execute' and 'exec-oob'");
        return false;
    }
    *name = exec ? exec : oob;
    *is_oob = oob != NULL;
    return true;
}

static JsonNode *dispatch(QmpConn *c, JsonObject *req, GError **error)
{
    QaQmpServer *s = c->s;
    JsonNode *argn = json_object_get_member(req, "arguments");
    g_autoptr(JsonObject) empty = json_object_new();
    JsonObject *args;
    const QmpCommand *cmd;
    const char *name;
    bool is_oob;
    QmpCtx ctx = {
        .server = s, .conn = c, .sys = s->sys, .m = qa_system_machine(s->sys)};

    if (!check_request(c, req, &name, &is_oob, error)) {
        return NULL;
    }
    args = argn ? json_node_get_object(argn) : empty;
    cmd = g_hash_table_lookup(s->cmds, name);
    if (!c->negotiated && (!cmd || strcmp(name, "qmp_capabilities"))) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_COMMAND_NOT_FOUND,
                    "Expecting capabilities negotiation with "
                    "'qmp_capabilities'");
        return NULL;
    }
    if (!cmd) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_COMMAND_NOT_FOUND,
                    "The command %s has not been found", name);
        return NULL;
    }
    if (is_oob) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "The command %s does not support OOB", name);
        return NULL;
    }
    if (!check_args(cmd, args, error)) {
        return NULL;
    }
    return cmd->fn(&ctx, args, error);
}

static void handle_message(void *opaque, JsonNode *msg, const char *perr)
{
    QmpConn *c = opaque;
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonNode) ret = NULL;
    JsonObject *req;

    if (!msg) {
        send_error(c, NULL, QMP_ERROR_GENERIC, "%s", perr);
        return;
    }
    if (!JSON_NODE_HOLDS_OBJECT(msg)) {
        send_error(c, NULL, QMP_ERROR_GENERIC,
                   "QMP input must be a JSON object");
        json_node_unref(msg);
        return;
    }
    req = json_node_get_object(msg);
    ret = dispatch(c, req, &err);
    send_response(c, ret, err, json_object_get_member(req, "id"));
    json_node_unref(msg);
}

bool qmp_conn_negotiate(QmpConn *c, bool oob, GError **error)
{
    if (c->negotiated) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_COMMAND_NOT_FOUND,
                    "Capabilities negotiation is already complete, command "
                    "ignored");
        return false;
    }
    c->negotiated = true;
    c->oob = oob;
    return true;
}

/* ---- connections ----------------------------------------------------- */

static void *qmp_open(void *opaque, QaChardevConn *conn)
{
    QaQmpServer *s = opaque;
    QmpConn *c = g_new0(QmpConn, 1);

    c->s = s;
    c->conn = conn;
    c->js = qmp_json_streamer_new(handle_message, c);
    g_ptr_array_add(s->conns, c);
    send_greeting(c);
    return c;
}

static void qmp_input(void *opaque, void *state, char *buf, size_t len)
{
    QmpConn *c = state;

    qmp_json_streamer_feed(c->js, buf, len);
}

static void conn_free(QmpConn *c)
{
    qmp_json_streamer_free(c->js);
    g_free(c);
}

static void qmp_close(void *opaque, void *state)
{
    QaQmpServer *s = opaque;
    QmpConn *c = state;

    g_ptr_array_remove(s->conns, c);
    conn_free(c);
}

static const QaChardevHandlers qmp_handlers = {
    .open = qmp_open,
    .input = qmp_input,
    .close = qmp_close,
};

QaQmpServer *qa_qmp_server_new(QaSystem *sys, const char *spec, GError **error)
{
    QaQmpServer *s = g_new0(QaQmpServer, 1);

    s->sys = sys;
    s->conns = g_ptr_array_new();
    s->cmds = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; i < qa_qmp_commands_len; i++) {
        g_hash_table_insert(s->cmds, (gpointer)qa_qmp_commands[i].name,
                            (gpointer)&qa_qmp_commands[i]);
    }
    s->event_sub = qa_event_bus_subscribe(qa_system_events(sys), on_event, s);
    s->chr = qa_chardev_new(spec, NULL, &qmp_handlers, s, error);
    if (!s->chr) {
        qa_qmp_server_free(s);
        return NULL;
    }
    return s;
}

QaQmpServer *qa_qmp_server_new_mon(QaSystem *sys, const char *mon_spec,
                                   const char *const *chardevs, GError **error)
{
    g_auto(GStrv) opts = g_strsplit(mon_spec, ",", -1);
    const char *id = NULL, *spec;

    for (char **o = opts; *o; o++) {
        if (g_str_has_prefix(*o, "chardev=")) {
            id = *o + 8;
        } else if (!strcmp(*o, "mode=readline")) {
            g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                        "-mon %s: only mode=control (QMP) is supported",
                        mon_spec);
            return NULL;
        } else if (strcmp(*o, "mode=control") != 0 &&
                   strcmp(*o, "pretty=off") != 0) {
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                        "-mon %s: option '%s' is not supported", mon_spec, *o);
            return NULL;
        }
    }
    if (!id) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "-mon %s: chardev=ID is required", mon_spec);
        return NULL;
    }
    spec = qa_chardev_find(chardevs, id, error);
    if (!spec) {
        g_prefix_error(error, "-mon %s: ", mon_spec);
        return NULL;
    }
    return qa_qmp_server_new(sys, spec, error);
}

void qa_qmp_server_set_configs(QaQmpServer *s, QaConfigSet *configs)
{
    s->configs = configs;
}

QaConfigSet *qmp_server_configs(QaQmpServer *s)
{
    if (s->configs) {
        return s->configs;
    }
    if (!s->own_configs) {
        g_auto(GStrv) dirs = qa_config_builtin_dirs();
        s->own_configs = qa_config_set_new();
        for (char **d = dirs; *d; d++) {
            g_autoptr(GError) err = NULL;
            if (!qa_config_set_load_dir(s->own_configs, *d, &err)) {
                g_debug("query-machines: %s", err->message);
            }
        }
    }
    return s->own_configs;
}

void qa_qmp_server_flush(QaQmpServer *s, int timeout_ms)
{
    if (s && s->chr) {
        qa_chardev_flush_all(s->chr, timeout_ms);
    }
}

void qa_qmp_server_free(QaQmpServer *s)
{
    if (!s) {
        return;
    }
    if (s->event_sub) {
        qa_event_bus_unsubscribe(qa_system_events(s->sys), s->event_sub);
    }
    qa_chardev_free(s->chr);
    for (guint i = 0; i < s->conns->len; i++) {
        conn_free(g_ptr_array_index(s->conns, i));
    }
    g_ptr_array_free(s->conns, TRUE);
    g_hash_table_destroy(s->cmds);
    if (s->own_configs) {
        qa_config_set_free(s->own_configs);
    }
    g_free(s);
}
