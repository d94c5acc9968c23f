/*
 * Fuzz target: the QMP server (system/qmp.c, system/qmp-commands.c) in
 * process, through its real transport, against a real machine: request
 * validation, argument checking and every command, qom-set on live
 * devices included.
 *
 * As fuzz-qtest.c, the harness is the client of "-qmp unix:PATH": it
 * reads the greeting, negotiates capabilities once, then writes each
 * input in chunks (fuzz-peer.c) followed by bytes that reset the
 * server's JSON parser, so that no partial message leaks into the next
 * input.  The input bytes go to a private streamer as well: the
 * server must answer each message or parse error it gives with exactly
 * one reply (events aside), a JSON object with "return" or "error".
 *
 * An input whose first byte is 0xfe is a program instead: it becomes a
 * sequence of well-formed requests (command names from query-commands,
 * QOM paths and properties of the machine, values of every JSON type).
 * The board is $QA_FUZZ_MACHINE (default q35-lite).
 */
#include <string.h>
#include <qaccel/machine.h>
#include <qaccel/object.h>
#include "system/qmp-json.h"
#include "system/qmp.h"
#include "fuzz.h"
#include "fuzz-peer.h"

#define QMP_GEN_MARK 0xfe

static struct {
    QaSystem *sys;
    QaQmpServer *srv;
    FuzzPeer peer;
    guint replies, events;
    GPtrArray *paths; /* QOM paths (char *) */
    GPtrArray *props; /* "path\0prop" pairs as two strings */
} q;

static void count_message(void *opaque, JsonNode *msg, const char *error)
{
    (*(guint *)opaque)++;
    if (msg) {
        json_node_unref(msg);
    }
}

/* Take every complete reply line (QMP ends each message with CRLF). */
static void take_replies(void)
{
    GString *rx = q.peer.rx;
    char *nl;

    while ((nl = memchr(rx->str, '\n', rx->len))) {
        size_t len = nl - rx->str + 1;
        g_autoptr(JsonParser) p = json_parser_new();
        JsonObject *o;

        if (q.peer.verbose) {
            g_printerr("<< %.*s", (int)len, rx->str);
        }
        fuzz_check(json_parser_load_from_data(p, rx->str, len, NULL) &&
                       JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)),
                   "reply '%.*s' is not a JSON object", (int)MIN(len, 300),
                   rx->str);
        o = json_node_get_object(json_parser_get_root(p));
        if (json_object_has_member(o, "event")) {
            q.events++;
        } else {
            fuzz_check(json_object_has_member(o, "return") ||
                           json_object_has_member(o, "error"),
                       "reply '%.*s' has no return or error",
                       (int)MIN(len, 300), rx->str);
            q.replies++;
        }
        g_string_erase(rx, 0, len);
    }
}

static void wait_replies(guint want)
{
    fuzz_peer_pump(&q.peer);
    take_replies();
    while (q.replies < want) {
        fuzz_peer_wait(&q.peer);
        take_replies();
    }
    fuzz_check(q.replies == want, "%u replies to %u messages", q.replies, want);
}

static bool add_path(QaObject *child, void *opaque)
{
    g_autofree char *path = qa_object_canonical_path(child);

    g_ptr_array_add(q.paths, g_strdup(path));
    qa_object_foreach_child(child, add_path, NULL);
    return true;
}

static void add_prop(const QaProperty *prop, void *opaque)
{
    g_ptr_array_add(q.props, g_strdup(opaque));
    g_ptr_array_add(q.props, g_strdup(prop->name));
}

static void init(void)
{
    g_autofree char *spec = NULL;
    g_autoptr(GError) err = NULL;
    const char *nego = "{\"execute\": \"qmp_capabilities\"}";

    fuzz_quiet_logs();
    q.sys = fuzz_system_start();
    spec = fuzz_peer_listen(&q.peer);
    q.srv = qa_qmp_server_new(q.sys, spec, &err);
    if (!q.srv) {
        g_printerr("fuzz-qmp: %s: %s\n", spec, err->message);
        abort();
    }
    fuzz_peer_accept(&q.peer);
    /* the greeting has no "return": count it by hand */
    while (!memchr(q.peer.rx->str, '\n', q.peer.rx->len)) {
        fuzz_peer_wait(&q.peer);
    }
    g_string_erase(q.peer.rx, 0,
                   (char *)memchr(q.peer.rx->str, '\n', q.peer.rx->len) -
                       q.peer.rx->str + 1);
    fuzz_peer_send(&q.peer, nego, strlen(nego));
    wait_replies(1);

    q.paths = g_ptr_array_new_with_free_func(g_free);
    q.props = g_ptr_array_new_with_free_func(g_free);
    add_path(QA_OBJECT(qa_system_machine(q.sys)), NULL);
    for (guint i = 0; i < q.paths->len; i++) {
        const char *path = g_ptr_array_index(q.paths, i);
        QaObject *obj = qa_object_resolve_path(path, NULL);
        if (obj) {
            qa_class_foreach_property(qa_object_get_class(obj), add_prop,
                                      (void *)path);
        }
    }
}

/* ---- structured requests --------------------------------------------- */

static const char *const commands[] = {
    "qmp_capabilities",
    "query-version",
    "query-commands",
    "query-status",
    "query-machines",
    "query-accelerators",
    "query-cpus-fast",
    "stop",
    "cont",
    "system_reset",
    "system_powerdown",
    "system_wakeup",
    "set-action",
    "qom-list",
    "qom-get",
    "qom-set",
    "query-sysevent-stats",
    "quit",
    "no-such-command",
};

static void gen_value(GString *s, FuzzIn *in, int depth)
{
    uint8_t k = fuzz_u8(in);

    switch (k % (depth > 2 ? 6 : 8)) {
    case 0:
        g_string_append_printf(s, "%u", fuzz_u8(in));
        break;
    case 1:
        g_string_append_printf(s, "%" G_GINT64_FORMAT, (gint64)fuzz_u64(in));
        break;
    case 2:
        g_string_append(s, k & 0x80 ? "true" : "false");
        break;
    case 3:
        g_string_append(s, "null");
        break;
    case 4: {
        static const char *const strs[] = {"on",
                                           "off",
                                           "0x10",
                                           "1",
                                           "-1",
                                           "pause",
                                           "reset",
                                           "none",
                                           "shutdown",
                                           "poweroff",
                                           "exit-failure",
                                           "ignore",
                                           "stop",
                                           "1.3",
                                           "hvc",
                                           "smc",
                                           "",
                                           "18446744073709551615",
                                           "4294967296",
                                           "128M",
                                           "x"};
        g_string_append_printf(s, "\"%s\"",
                               strs[(k >> 3) % G_N_ELEMENTS(strs)]);
        break;
    }
    case 5:
        g_string_append_printf(s, "%g", (double)(int8_t)fuzz_u8(in) / 3);
        break;
    case 6:
        g_string_append_c(s, '[');
        for (unsigned i = 0, n = fuzz_u8(in) % 4; i < n; i++) {
            g_string_append(s, i ? ", " : "");
            gen_value(s, in, depth + 1);
        }
        g_string_append_c(s, ']');
        break;
    default:
        g_string_append(s, "{\"a\": ");
        gen_value(s, in, depth + 1);
        g_string_append_c(s, '}');
        break;
    }
}

static void gen_args(GString *s, FuzzIn *in, const char *cmd)
{
    uint8_t k = fuzz_u8(in);
    guint npairs = q.props->len / 2;

    if (g_str_has_prefix(cmd, "qom-") && npairs) {
        guint i = fuzz_u32(in) % npairs;
        const char *path = g_ptr_array_index(q.props, 2 * i);
        const char *prop = g_ptr_array_index(q.props, 2 * i + 1);

        if (k % 8 == 0) {
            path = g_ptr_array_index(q.paths, fuzz_u8(in) % q.paths->len);
        }
        g_string_append_printf(s, ", \"arguments\": {\"path\": \"%s\"", path);
        if (strcmp(cmd, "qom-list") != 0) {
            g_string_append_printf(s, ", \"property\": \"%s\"", prop);
        }
        if (!strcmp(cmd, "qom-set") || k % 16 == 1) {
            g_string_append(s, ", \"value\": ");
            gen_value(s, in, 0);
        }
        g_string_append_c(s, '}');
    } else if (!strcmp(cmd, "set-action") || k % 8 == 2) {
        static const char *const keys[] = {"reboot",   "shutdown",    "panic",
                                           "watchdog", "guest-error", "bogus"};
        g_string_append(s, ", \"arguments\": {");
        for (unsigned i = 0, n = 1 + fuzz_u8(in) % 3; i < n; i++) {
            g_string_append_printf(s, "%s\"%s\": ", i ? ", " : "",
                                   keys[fuzz_u8(in) % G_N_ELEMENTS(keys)]);
            gen_value(s, in, 0);
        }
        g_string_append_c(s, '}');
    } else if (k % 8 == 3) {
        g_string_append(s, ", \"arguments\": ");
        gen_value(s, in, 0);
    }
}

/* One request per few bytes; quit only rarely (it shuts the machine). */
static char *gen_requests(const uint8_t *data, size_t size, size_t *len)
{
    FuzzIn in = {data, size};
    GString *s = g_string_new(NULL);

    while (in.n) {
        uint8_t k = fuzz_u8(&in);
        const char *cmd = commands[k % G_N_ELEMENTS(commands)];

        if (!strcmp(cmd, "quit") && fuzz_u8(&in) % 16) {
            cmd = "query-status";
        }
        g_string_append_printf(s, "{\"%s\": \"%s\"",
                               fuzz_u8(&in) % 16 ? "execute" : "exec-oob", cmd);
        gen_args(s, &in, cmd);
        if (fuzz_u8(&in) % 4 == 0) {
            g_string_append(s, ", \"id\": ");
            gen_value(s, &in, 0);
        }
        g_string_append(s, "}\n");
    }
    *len = s->len;
    return g_string_free(s, FALSE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *stream = NULL;
    size_t len = size;
    guint messages = 0;
    QmpJsonStreamer *js;
    FuzzChunker ck;

    if (!q.srv) {
        init();
    }
    if (size && data[0] == QMP_GEN_MARK) {
        stream = gen_requests(data + 1, size - 1, &len);
    } else {
        stream = g_malloc(size + 1);
        memcpy(stream, data, size);
    }
    /*
     * 0xff makes the parser drop whatever is pending (QEMU's rule), but
     * inside a string it is a lexical error that leaves the lexer
     * skipping to the next control character: hence 0xff, newline, 0xff.
     */
    stream = g_realloc(stream, len + 3);
    memcpy(stream + len, "\xff\n\xff", 3);
    len += 3;
    if (q.peer.verbose) {
        g_printerr(">> %.*s\n", (int)len, stream);
    }

    js = qmp_json_streamer_new(count_message, &messages);
    qmp_json_streamer_feed(js, stream, len);
    qmp_json_streamer_free(js);

    q.replies = 0;
    fuzz_chunker_init(&ck, data, size);
    for (size_t off = 0, n; off < len; off += n) {
        n = fuzz_chunker_next(&ck, len - off);
        fuzz_peer_send(&q.peer, stream + off, n);
        fuzz_peer_pump(&q.peer);
        take_replies();
    }
    wait_replies(messages);
    qa_system_process_requests(q.sys);
    return 0;
}
