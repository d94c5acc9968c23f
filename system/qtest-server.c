/*
 * The qtest server: connections, line splitting, lexing, the command
 * table, replies, asynchronous IRQ lines and the -qtest-log file.
 *
 * Replies are appended to the connection's output buffer and written once
 * per input chunk (system/chardev.c), so N pipelined commands cost one
 * read and one write.  Lines are split in the receive buffer in place;
 * only a line that straddles two reads is copied.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <qaccel/error.h>
#include <qaccel/qtest-accel.h>

#include "system/qtest-internal.h"

struct QtestConn {
    QaQtestServer *s;
    QaChardevConn *conn;
    GString *partial; /* an incomplete line from earlier reads */
    bool discarding;  /* skipping the rest of an overlong line */
};

static QaQtestServer *the_server;
static GThread *main_thread;

/*
 * The qtest lock.  qtest connections read on their own threads (blocking
 * recv, no poll per request; system/chardev.c) and run commands with this
 * lock held.  The main thread holds it at all times except while the
 * main context polls, so a command never runs concurrently with main-loop
 * work (QMP, request processing, resets): the object model keeps its
 * single-threaded contract, as under QEMU's big lock.
 */
static GMutex qtest_lock;
static GPollFunc saved_poll;
static GThread *exec_thread; /* thread running a qtest command, or NULL */

static gint locked_poll(GPollFD *fds, guint nfds, gint timeout)
{
    gint r;

    int saved_errno;

    g_mutex_unlock(&qtest_lock);
    r = saved_poll(fds, nfds, timeout);
    /* GLib checks errno (EINTR) after we return: keep poll's */
    saved_errno = errno;
    g_mutex_lock(&qtest_lock);
    errno = saved_errno;
    return r;
}

/* ---- log ------------------------------------------------------------- */

static void log_prefix(QaQtestServer *s, char kind)
{
    gint64 us = g_get_monotonic_time() - s->log_start;

    fprintf(s->log, "[%c +%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT "] ", kind,
            us / G_USEC_PER_SEC, us % G_USEC_PER_SEC);
}

static void log_line(QaQtestServer *s, char kind, const char *text, size_t len)
{
    if (s->log) {
        log_prefix(s, kind);
        fwrite(text, 1, len, s->log);
        fputc('\n', s->log);
    }
}

/* ---- replies --------------------------------------------------------- */

static GString *cur_out(QaQtestServer *s)
{
    g_assert(s->cur);
    return qa_chardev_conn_outbuf(s->cur->conn);
}

GString *qtest_reply_begin(QaQtestServer *s, size_t *start)
{
    GString *out = cur_out(s);

    *start = out->len;
    return out;
}

void qtest_reply_end(QaQtestServer *s, size_t start)
{
    GString *out = cur_out(s);

    log_line(s, 'S', out->str + start, out->len - start);
    g_string_append_c(out, '\n');
}

static void reply_va(QaQtestServer *s, const char *fmt, va_list ap)
{
    size_t start;
    GString *out = qtest_reply_begin(s, &start);

    g_string_append_vprintf(out, fmt, ap);
    qtest_reply_end(s, start);
}

void qtest_reply(QaQtestServer *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    reply_va(s, fmt, ap);
    va_end(ap);
}

void qtest_ok(QaQtestServer *s)
{
    size_t start;
    GString *out = qtest_reply_begin(s, &start);

    g_string_append_len(out, "OK", 2);
    qtest_reply_end(s, start);
}

void qtest_fail(QaQtestServer *s, const char *fmt, ...)
{
    size_t start;
    GString *out = qtest_reply_begin(s, &start);
    va_list ap;

    g_string_append_len(out, "FAIL ", 5);
    va_start(ap, fmt);
    g_string_append_vprintf(out, fmt, ap);
    va_end(ap);
    qtest_reply_end(s, start);
}

void qtest_send_async(QaQtestServer *s, const char *line)
{
    size_t len = strlen(line);

    /* logged once, whether zero or several clients are connected */
    log_line(s, 'S', line, len);
    for (guint i = 0; i < s->conns->len; i++) {
        QtestConn *c = g_ptr_array_index(s->conns, i);
        GString *out = qa_chardev_conn_outbuf(c->conn);

        g_string_append_len(out, line, len);
        g_string_append_c(out, '\n');
        /* The running command's connection is flushed after its input. */
        if (c != s->cur) {
            qa_chardev_conn_flush(c->conn);
        }
    }
}

/* ---- argument helpers ------------------------------------------------ */

static bool parse_u64(const char *w, uint64_t *out)
{
    char *end;

    if (!g_ascii_isdigit(w[0])) {
        return false;
    }
    errno = 0;
    *out = g_ascii_strtoull(w, &end, 0);
    return errno == 0 && *end == '\0';
}

bool qtest_arg_u64(QaQtestServer *s, const char *word, const char *what,
                   uint64_t *out)
{
    if (!parse_u64(word, out)) {
        qtest_fail(s,
                   "invalid %s '%s': expected an unsigned number "
                   "(decimal, 0x hex or 0 octal, at most 64 bits)",
                   what, word);
        return false;
    }
    return true;
}

bool qtest_arg_i64(QaQtestServer *s, const char *word, const char *what,
                   int64_t *out)
{
    bool neg = word[0] == '-';
    uint64_t mag;

    if (!parse_u64(word + neg, &mag) ||
        mag > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) {
        qtest_fail(s, "invalid %s '%s': expected a signed 64-bit number", what,
                   word);
        return false;
    }
    *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return true;
}

bool qtest_arg_cpu(QaQtestServer *s, const char *word, int *cpu)
{
    uint64_t v;

    if (!qtest_arg_u64(s, word, "CPU", &v)) {
        return false;
    }
    if (!s->m->vcpus || v >= s->m->cpus) {
        qtest_fail(s,
                   "CPU %" G_GUINT64_FORMAT " does not exist (the machine "
                   "has %u)",
                   v, s->m->cpus);
        return false;
    }
    *cpu = (int)v;
    return true;
}

QaObject *qtest_resolve_device(const char *path)
{
    QaObject *obj = qa_object_resolve_partial(path, NULL);

    return obj && qa_object_is_a(obj, QA_TYPE_DEVICE) ? obj : NULL;
}

/* ---- lexing and dispatch --------------------------------------------- */

/* Fast check that the line is plain ASCII (the common case). */
static bool is_ascii(const char *p, size_t len)
{
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ull) {
            return false;
        }
    }
    for (; i < len; i++) {
        if ((unsigned char)p[i] & 0x80) {
            return false;
        }
    }
    return true;
}

static void dispatch(QaQtestServer *s, int argc, char **argv)
{
    const QtestCommand *cmd = g_hash_table_lookup(s->cmds, argv[0]);
    int nargs = argc - 1;

    if (cmd && cmd->needs_qtest_accel &&
        !(s->m->accel && qa_accel_is_qtest(s->m->accel))) {
        cmd = NULL;
    }
    if (!cmd) {
        qtest_fail(s, "Unknown command '%s'", argv[0]);
    } else if (nargs < cmd->min_args) {
        qtest_fail(s, "%s: missing argument (usage: %s%s%s)", cmd->name,
                   cmd->name, cmd->usage[0] ? " " : "", cmd->usage);
    } else if (cmd->max_args >= 0 && nargs > cmd->max_args) {
        qtest_fail(s, "%s: too many arguments (usage: %s%s%s)", cmd->name,
                   cmd->name, cmd->usage[0] ? " " : "", cmd->usage);
    } else {
        cmd->fn(s, argc, argv);
    }
}

static void process_line_words(QaQtestServer *s, char *line, size_t len)
{
    char *argv[QTEST_MAX_WORDS + 1];
    int argc = 0;
    char *p = line, *end = line + len;

    log_line(s, 'R', line, len);
    if (len == 0) {
        qtest_fail(s, "empty line");
        return;
    }
    if (memchr(line, '\0', len)) {
        qtest_fail(s, "line contains a NUL byte");
        return;
    }
    if (line[len - 1] == '\r') {
        qtest_fail(s, "line ends with a carriage return (\\r); "
                      "lines end with \\n only");
        return;
    }
    if (!is_ascii(line, len) && !g_utf8_validate_len(line, len, NULL)) {
        qtest_fail(s, "line is not valid UTF-8");
        return;
    }
    /* Words are separated by single spaces; one trailing space is
     * tolerated (QEMU ignores the empty last word). */
    while (p < end) {
        char *sp = memchr(p, ' ', end - p);
        if (sp == p) {
            qtest_fail(s,
                       "empty word (leading or double space) at column "
                       "%d",
                       (int)(p - line) + 1);
            return;
        }
        if (argc == QTEST_MAX_WORDS) {
            qtest_fail(s, "too many words (at most %d)", QTEST_MAX_WORDS);
            return;
        }
        argv[argc++] = p;
        if (!sp) {
            break;
        }
        *sp = '\0';
        p = sp + 1;
    }
    argv[argc] = NULL;
    dispatch(s, argc, argv);
}

static void line_too_long(QaQtestServer *s, QtestConn *c)
{
    qtest_fail(s, "line too long (more than %u bytes)", QA_QTEST_LINE_MAX);
    g_string_truncate(c->partial, 0);
    c->discarding = true;
}

/*
 * Replies are written once per input chunk, but a chunk may hold many
 * requests with large replies (read, b64read of up to 64 MiB): past this
 * much pending output, write it out before the next request.
 */
#define QTEST_OUT_HIGH (16u * 1024 * 1024)

static void process_line(QaQtestServer *s, char *line, size_t len)
{
    QtestConn *c = s->cur;

    process_line_words(s, line, len);
    qa_chardev_conn_drain(c->conn, QTEST_OUT_HIGH);
}

static void feed(QaQtestServer *s, QtestConn *c, char *p, size_t len)
{
    char *end = p + len;

    if (c->discarding) {
        char *nl = memchr(p, '\n', len);
        if (!nl) {
            return;
        }
        c->discarding = false;
        p = nl + 1;
    }
    if (c->partial->len && p < end) {
        char *nl = memchr(p, '\n', end - p);
        size_t n = (nl ? nl : end) - p;

        if (c->partial->len + n > QA_QTEST_LINE_MAX) {
            line_too_long(s, c);
            if (!nl) {
                return;
            }
            c->discarding = false;
        } else {
            g_string_append_len(c->partial, p, n);
            if (!nl) {
                return;
            }
            process_line(s, c->partial->str, c->partial->len);
            g_string_truncate(c->partial, 0);
        }
        p = nl + 1;
    }
    while (p < end) {
        char *nl = memchr(p, '\n', end - p);
        if (!nl) {
            if ((size_t)(end - p) > QA_QTEST_LINE_MAX) {
                line_too_long(s, c);
            } else {
                g_string_append_len(c->partial, p, end - p);
            }
            return;
        }
        if ((size_t)(nl - p) > QA_QTEST_LINE_MAX) {
            qtest_fail(s, "line too long (more than %u bytes)",
                       QA_QTEST_LINE_MAX);
        } else {
            *nl = '\0';
            process_line(s, p, nl - p);
        }
        p = nl + 1;
    }
}

/* ---- connections ----------------------------------------------------- */

static void *qtest_open(void *opaque, QaChardevConn *conn)
{
    QaQtestServer *s = opaque;
    QtestConn *c = g_new0(QtestConn, 1);

    c->s = s;
    c->conn = conn;
    c->partial = g_string_new(NULL);
    g_ptr_array_add(s->conns, c);
    /* As QEMU: a new connection starts with every IRQ level at 0. */
    memset(s->irq_levels, 0, sizeof(s->irq_levels));
    s->log_start = g_get_monotonic_time();
    if (s->log) {
        gint64 now = g_get_real_time();
        fprintf(s->log,
                "[I %" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT "] OPENED\n",
                now / G_USEC_PER_SEC, now % G_USEC_PER_SEC);
        fflush(s->log);
    }
    return c;
}

static void qtest_input(void *opaque, void *state, char *buf, size_t len)
{
    QaQtestServer *s = opaque;
    QtestConn *c = state;

    s->cur = c;
    exec_thread = g_thread_self();
    feed(s, c, buf, len);
    exec_thread = NULL;
    s->cur = NULL;
    if (s->log) {
        fflush(s->log);
    }
}

static void qtest_close(void *opaque, void *state)
{
    QaQtestServer *s = opaque;
    QtestConn *c = state;

    if (s->log) {
        log_prefix(s, 'I');
        fputs("CLOSED\n", s->log);
        fflush(s->log);
    }
    g_ptr_array_remove(s->conns, c);
    g_string_free(c->partial, TRUE);
    g_free(c);
}

static const QaChardevHandlers qtest_handlers = {
    .open = qtest_open,
    .input = qtest_input,
    .close = qtest_close,
};

static bool open_log(QaQtestServer *s, const char *log_path, GError **error)
{
    if (!log_path) {
        s->log = stderr;
        return true;
    }
    if (!strcmp(log_path, "none")) {
        return true;
    }
    s->log = fopen(log_path, "w");
    if (!s->log) {
        g_set_error(error, QA_ERROR, QA_ERROR_IO, "-qtest-log '%s': %s",
                    log_path, g_strerror(errno));
        return false;
    }
    s->log_owned = true;
    return true;
}

static void add_commands(GHashTable *h, const QtestCommand *cmds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g_hash_table_insert(h, (gpointer)cmds[i].name, (gpointer)&cmds[i]);
    }
}

QaQtestServer *qa_qtest_server_new(QaSystem *sys, const char *chardev_spec,
                                   const char *log_path, GError **error)
{
    return qa_qtest_server_new_full(sys, chardev_spec, log_path, 0, error);
}

QaQtestServer *qa_qtest_server_new_full(QaSystem *sys, const char *chardev_spec,
                                        const char *log_path, unsigned flags,
                                        GError **error)
{
    QaQtestServer *s;

    if (the_server) {
        g_set_error(error, QA_ERROR, QA_ERROR_EXISTS,
                    "Only one instance of qtest can be created");
        return NULL;
    }
    s = g_new0(QaQtestServer, 1);
    s->sys = sys;
    s->m = qa_system_machine(sys);
    s->conns = g_ptr_array_new();
    s->cmds = g_hash_table_new(g_str_hash, g_str_equal);
    add_commands(s->cmds, qa_qtest_std_commands, qa_qtest_std_commands_len);
    add_commands(s->cmds, qa_qtest_ext_commands, qa_qtest_ext_commands_len);
    main_thread = g_thread_self();
    the_server = s;
    if (!open_log(s, log_path, error)) {
        qa_qtest_server_free(s);
        return NULL;
    }
    if (flags & QA_QTEST_SERVER_THREADED) {
        /* From here on the main thread holds the lock outside poll(). */
        g_mutex_lock(&qtest_lock);
        saved_poll = g_main_context_get_poll_func(NULL);
        g_main_context_set_poll_func(NULL, locked_poll);
        s->chr = qa_chardev_new_full(chardev_spec, NULL, &qtest_handlers, s,
                                     &qtest_lock, error);
    } else {
        s->chr = qa_chardev_new(chardev_spec, NULL, &qtest_handlers, s, error);
    }
    if (!s->chr) {
        g_prefix_error(error, "-qtest: ");
        qa_qtest_server_free(s);
        return NULL;
    }
    return s;
}

void qa_qtest_server_flush(QaQtestServer *s, int timeout_ms)
{
    if (s && s->chr) {
        qa_chardev_flush_all(s->chr, timeout_ms);
    }
    if (s && s->log) {
        fflush(s->log);
    }
}

void qa_qtest_server_free(QaQtestServer *s)
{
    if (!s) {
        return;
    }
    if (s->irq_dev) {
        qa_object_unref(s->irq_dev);
    }
    qa_chardev_free(s->chr);
    if (saved_poll) {
        g_main_context_set_poll_func(NULL, saved_poll);
        saved_poll = NULL;
        g_mutex_unlock(&qtest_lock);
    }
    for (guint i = 0; i < s->conns->len; i++) {
        QtestConn *c = g_ptr_array_index(s->conns, i);
        g_string_free(c->partial, TRUE);
        g_free(c);
    }
    g_ptr_array_free(s->conns, TRUE);
    g_hash_table_destroy(s->cmds);
    if (s->log) {
        fflush(s->log);
        if (s->log_owned) {
            fclose(s->log);
        }
    }
    if (the_server == s) {
        the_server = NULL;
    }
    g_free(s);
}

/* ---- IRQ interception ------------------------------------------------ */

typedef struct IrqEvent {
    int n, level;
} IrqEvent;

static void irq_report(QaQtestServer *s, int n, int level)
{
    char line[48];

    if (n >= 0 && n < QTEST_MAX_IRQ) {
        if (s->irq_levels[n] == level) {
            return;
        }
        s->irq_levels[n] = level;
    }
    g_snprintf(line, sizeof(line), "IRQ %s %d", level ? "raise" : "lower", n);
    qtest_send_async(s, line);
}

static gboolean irq_report_idle(gpointer opaque)
{
    IrqEvent *ev = opaque;

    if (the_server) {
        irq_report(the_server, ev->n, ev->level);
    }
    return G_SOURCE_REMOVE;
}

void qa_qtest_irq_hook(void *opaque, int n, int level)
{
    IrqEvent *ev;

    if (g_thread_self() == main_thread || g_thread_self() == exec_thread) {
        if (the_server) {
            irq_report(the_server, n, level);
        }
        return;
    }
    /* A vCPU thread: report from the main loop, in order. */
    ev = g_new(IrqEvent, 1);
    ev->n = n;
    ev->level = level;
    g_idle_add_full(G_PRIORITY_HIGH, irq_report_idle, ev, g_free);
}
