/*
 * The scenario runner: executes one tests/qtest/scenarios/NAME.scn file
 * against the qaccel binary through libqtest (format: docs/qtest.md,
 * "Scenario files").  Exit status 0 = pass, 1 = fail (the file and line
 * are printed), 77 = skip.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libqtest.h"

#define DEFAULT_WAIT_MS 10000

typedef enum { PENDING_NONE, PENDING_QTEST, PENDING_QMP } PendingKind;

typedef struct Runner {
    const char *file;
    int line; /* current line number */
    QTestState *qts;
    GPtrArray *args; /* extra qaccel arguments */
    bool exited;
    int wait_ms;
    /* the reply of the last command, until checked */
    PendingKind pending;
    int pending_line;
    char *pending_text;       /* qtest reply or the QMP command */
    JsonObject *pending_json; /* QMP reply */
} Runner;

static void G_GNUC_NORETURN G_GNUC_PRINTF(2, 3)
    fail(Runner *r, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s:%d: ", r->file, r->line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static char *json_text(JsonObject *o)
{
    g_autoptr(JsonNode) n = json_node_init_object(json_node_alloc(), o);

    return qtest_json_to_string(n);
}

static JsonNode *parse_json(Runner *r, const char *text)
{
    g_autoptr(JsonParser) p = json_parser_new();
    g_autoptr(GError) err = NULL;

    if (!json_parser_load_from_data(p, text, -1, &err)) {
        fail(r, "bad JSON '%s': %s", text, err->message);
    }
    return json_node_copy(json_parser_get_root(p));
}

static void clear_pending(Runner *r)
{
    r->pending = PENDING_NONE;
    g_clear_pointer(&r->pending_text, g_free);
    g_clear_pointer(&r->pending_json, json_object_unref);
}

/* A reply nobody wrote an expectation for must be a success. */
static void check_pending_default(Runner *r)
{
    int line = r->line;

    r->line = r->pending_line;
    if (r->pending == PENDING_QTEST &&
        !g_str_has_prefix(r->pending_text, "OK")) {
        fail(r, "reply '%s' (add 'expect reply ...' if this is intended)",
             r->pending_text);
    }
    if (r->pending == PENDING_QMP &&
        !json_object_has_member(r->pending_json, "return")) {
        g_autofree char *t = json_text(r->pending_json);
        fail(r, "QMP reply %s (add 'expect reply ...' if intended)", t);
    }
    r->line = line;
    clear_pending(r);
}

static void start(Runner *r)
{
    g_autoptr(GError) err = NULL;

    if (r->qts) {
        return;
    }
    g_ptr_array_add(r->args, NULL);
    r->qts = qtest_init_argv((const char *const *)r->args->pdata, &err);
    if (!r->qts) {
        fail(r, "starting qaccel: %s", err->message);
    }
    qtest_set_timeout(r->qts, r->wait_ms);
}

static void need_running(Runner *r, const char *what)
{
    start(r);
    if (r->exited) {
        fail(r, "%s after qaccel exited", what);
    }
}

static void do_qtest(Runner *r, const char *line)
{
    g_autoptr(GError) err = NULL;
    char *reply;

    need_running(r, "qtest command");
    reply = qtest_raw_full(r->qts, line, &err);
    if (!reply) {
        fail(r, "qtest '%s': %s", line, err->message);
    }
    r->pending = PENDING_QTEST;
    r->pending_line = r->line;
    r->pending_text = reply;
}

static void do_qmp(Runner *r, const char *text, bool raw)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *json = NULL;
    JsonObject *reply;

    need_running(r, "qmp");
    if (raw) {
        json = g_strconcat(text, "\n", NULL);
    } else {
        json = qtest_json_requote(text);
    }
    if (!qtest_qmp_send_raw(r->qts, json, &err)) {
        fail(r, "qmp: %s", err->message);
    }
    reply = qtest_qmp_receive_full(r->qts, &err);
    if (!reply) {
        fail(r, "qmp %s: %s", text, err->message);
    }
    r->pending = PENDING_QMP;
    r->pending_line = r->line;
    r->pending_text = g_strdup(text);
    r->pending_json = reply;
}

static void expect_reply(Runner *r, const char *want)
{
    if (r->pending == PENDING_QTEST) {
        if (!g_pattern_match_simple(want, r->pending_text)) {
            fail(r, "reply '%s', expected '%s'", r->pending_text, want);
        }
    } else if (r->pending == PENDING_QMP) {
        g_autoptr(JsonNode) w = parse_json(r, want);
        g_autoptr(JsonNode) h =
            json_node_init_object(json_node_alloc(), r->pending_json);
        if (!qtest_json_subset(w, h)) {
            g_autofree char *t = json_text(r->pending_json);
            fail(r, "QMP reply %s does not contain %s", t, want);
        }
    } else {
        fail(r, "'expect reply' without a command before it");
    }
    clear_pending(r);
}

static void expect_event(Runner *r, const char *rest)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *name = g_strdup(rest);
    char *data = strchr(name, ' ');
    g_autoptr(JsonObject) ev = NULL;
    g_autofree char *t = NULL;
    const char *got;

    if (data) {
        *data++ = '\0';
    }
    start(r);
    ev = qtest_qmp_event_next(r->qts, r->wait_ms, &err);
    if (!ev) {
        fail(r, "expected event %s: %s", name, err->message);
    }
    got = json_object_get_string_member_with_default(ev, "event", "");
    t = json_text(ev);
    if (strcmp(got, name) != 0) {
        fail(r, "got event %s, expected %s", t, name);
    }
    if (data && *data) {
        g_autoptr(JsonNode) w = parse_json(r, data);
        JsonNode *have = json_object_get_member(ev, "data");
        if (!qtest_json_subset(w, have)) {
            fail(r, "event %s: data does not contain %s", t, data);
        }
    }
}

/* A QMP round trip: events emitted before it are queued afterwards. */
static void sync_qmp(Runner *r)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(JsonObject) reply = NULL;

    if (!qtest_qmp_send_raw(r->qts, "{\"execute\": \"query-status\"}", &err) ||
        !(reply = qtest_qmp_receive_full(r->qts, &err))) {
        fail(r, "query-status: %s", err->message);
    }
}

static void expect_no_event(Runner *r)
{
    g_autoptr(JsonObject) ev = NULL;

    need_running(r, "expect no-event");
    sync_qmp(r);
    if (qtest_qmp_event_pending(r->qts)) {
        g_autofree char *t = NULL;
        ev = qtest_qmp_event_next(r->qts, 0, NULL);
        t = json_text(ev);
        fail(r, "unexpected event %s", t);
    }
}

static void expect_status(Runner *r, const char *want)
{
    g_autofree char *st = NULL;

    need_running(r, "expect status");
    st = qtest_query_status(r->qts);
    if (strcmp(st, want) != 0) {
        fail(r, "status is '%s', expected '%s'", st, want);
    }
}

static void expect_exit(Runner *r, const char *want)
{
    g_autoptr(GError) err = NULL;
    int status;

    start(r);
    status = qtest_wait_exit(r->qts, r->wait_ms, &err);
    if (status < 0) {
        fail(r, "expected exit %s: %s", want, err->message);
    }
    if (status != atoi(want)) {
        fail(r, "qaccel exited with status %d, expected %s", status, want);
    }
    r->exited = true;
}

static void expect_irq(Runner *r, const char *rest)
{
    int n = -1, level = -1;

    need_running(r, "expect irq");
    if (sscanf(rest, "%d %d", &n, &level) != 2 || n < 0 || n > 255) {
        fail(r, "usage: expect irq N 0|1");
    }
    if (qtest_get_irq(r->qts, n) != (level != 0)) {
        fail(r, "IRQ %d is %s, expected %s", n,
             qtest_get_irq(r->qts, n) ? "raised" : "lowered",
             level ? "raised" : "lowered");
    }
}

static void run_expect(Runner *r, const char *rest)
{
    if (g_str_has_prefix(rest, "reply ")) {
        expect_reply(r, rest + 6);
        return;
    }
    if (r->pending) {
        check_pending_default(r);
    }
    if (g_str_has_prefix(rest, "event ")) {
        expect_event(r, rest + 6);
    } else if (!strcmp(rest, "no-event")) {
        expect_no_event(r);
    } else if (g_str_has_prefix(rest, "status ")) {
        expect_status(r, rest + 7);
    } else if (g_str_has_prefix(rest, "exit ")) {
        expect_exit(r, rest + 5);
    } else if (g_str_has_prefix(rest, "irq ")) {
        expect_irq(r, rest + 4);
    } else {
        fail(r, "unknown expectation 'expect %s'", rest);
    }
}

/* C escapes: \\ \r \n \t \xNN (two hex digits). */
static char *unescape(Runner *r, const char *text)
{
    GString *out = g_string_new(NULL);

    for (const char *p = text; *p; p++) {
        if (*p != '\\') {
            g_string_append_c(out, *p);
            continue;
        }
        switch (*++p) {
        case 'r':
            g_string_append_c(out, '\r');
            break;
        case 'n':
            g_string_append_c(out, '\n');
            break;
        case 't':
            g_string_append_c(out, '\t');
            break;
        case '\\':
            g_string_append_c(out, '\\');
            break;
        case 'x':
            if (g_ascii_isxdigit(p[1]) && g_ascii_isxdigit(p[2])) {
                g_string_append_c(out, g_ascii_xdigit_value(p[1]) << 4 |
                                           g_ascii_xdigit_value(p[2]));
                p += 2;
                break;
            }
            /* fall through */
        default:
            fail(r, "bad escape in qtest-raw (use \\r \\n \\t \\\\ \\xNN)");
        }
    }
    return g_string_free(out, FALSE);
}

static void run_line(Runner *r, char *line)
{
    g_strchomp(line);
    if (!line[0] || line[0] == '#') {
        return;
    }
    if (g_str_has_prefix(line, "expect ")) {
        run_expect(r, line + 7);
        return;
    }
    if (r->pending) {
        check_pending_default(r);
    }
    if (g_str_has_prefix(line, "args ")) {
        g_auto(GStrv) argv = NULL;
        g_autoptr(GError) err = NULL;
        if (r->qts) {
            fail(r, "'args' after the first command");
        }
        if (!g_shell_parse_argv(line + 5, NULL, &argv, &err)) {
            fail(r, "args: %s", err->message);
        }
        for (char **a = argv; *a; a++) {
            g_ptr_array_add(r->args, g_strdup(*a));
        }
    } else if (g_str_has_prefix(line, "qmp ")) {
        do_qmp(r, line + 4, false);
    } else if (g_str_has_prefix(line, "qmp-raw ")) {
        do_qmp(r, line + 8, true);
    } else if (g_str_has_prefix(line, "qtest-raw")) {
        g_autofree char *raw = unescape(r, line[9] ? line + 10 : "");
        do_qtest(r, raw);
    } else {
        do_qtest(r, line);
    }
}

static void finish(Runner *r)
{
    g_autoptr(GError) err = NULL;
    int status;

    r->line++;
    if (r->pending) {
        check_pending_default(r);
    }
    start(r);
    if (!r->exited) {
        expect_no_event(r);
    }
    status = qtest_quit_full(r->qts, &err);
    if (!r->exited && status != 0) {
        fail(r, "qaccel did not exit cleanly on SIGTERM: %s",
             err ? err->message : "non-zero status");
    }
}

int main(int argc, char **argv)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) lines = NULL;
    Runner r = {0};
    const char *t = g_getenv("QTEST_TIMEOUT");

    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.scn\n", argv[0]);
        return 2;
    }
    r.file = argv[1];
    r.args = g_ptr_array_new_with_free_func(g_free);
    r.wait_ms = t && atoi(t) > 0 ? atoi(t) * 1000 : DEFAULT_WAIT_MS;
    if (!g_file_get_contents(r.file, &text, NULL, &err)) {
        fprintf(stderr, "%s\n", err->message);
        return 1;
    }
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l && (*l != NULL); l++) {
        r.line++;
        if (!l[1] && !**l) {
            break;
        }
        run_line(&r, *l);
    }
    finish(&r);
    g_ptr_array_free(r.args, TRUE);
    printf("%s: ok\n", r.file);
    return 0;
}
