/*
 * libqtest: start qaccel as QEMU's harness starts QEMU and talk qtest and
 * QMP to it.  See libqtest.h.  Test code: plain POSIX sockets and
 * processes, GLib and json-glib; no qaccel code.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "libqtest.h"

#define MAX_IRQ 256

struct QTestState {
    pid_t pid;
    bool exited;
    int wstatus;
    int qtest_fd, qmp_fd;
    char *tmpdir;
    char *qtest_path, *qmp_path;
    GString *qtest_in, *qmp_in;
    GQueue events;  /* JsonObject * not yet taken */
    GQueue replies; /* non-event messages read while waiting */
    int timeout_ms;
    int expected_status;
    bool irq_level[MAX_IRQ];
    GPtrArray *extra_paths; /* qtest_tmp_path() results to remove */
};

struct QTestRawConn {
    int fd;
    GString *in;
};

static int default_timeout_ms(void)
{
    const char *t = g_getenv("QTEST_TIMEOUT");
    int v = t ? atoi(t) : 0;

    return (v > 0 ? v : 60) * 1000;
}

/* ---- sockets and the child ------------------------------------------- */

static int listen_unix(const char *path, GError **error)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (strlen(path) >= sizeof(sa.sun_path)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "path too long");
        close(fd);
        return -1;
    }
    strcpy(sa.sun_path, path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, 1) < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                    "listen on %s: %s", path, g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

static bool child_gone(QTestState *s)
{
    if (!s->exited && waitpid(s->pid, &s->wstatus, WNOHANG) == s->pid) {
        s->exited = true;
    }
    return s->exited;
}

/* accept() with a timeout that notices a child that died first. */
static int accept_child(QTestState *s, int lfd, const char *what,
                        GError **error)
{
    gint64 deadline = g_get_monotonic_time() + s->timeout_ms * 1000ll;

    for (;;) {
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        if (poll(&p, 1, 20) > 0) {
            return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        }
        if (child_gone(s)) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                        "qaccel exited (status 0x%x) before connecting %s",
                        s->wstatus, what);
            return -1;
        }
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "qaccel did not connect %s", what);
            return -1;
        }
    }
}

static bool has_option(const char *const *argv, const char *a, const char *b)
{
    for (const char *const *p = argv; p && *p; p++) {
        if (!strcmp(*p, a) || !strcmp(*p, b)) {
            return true;
        }
    }
    return false;
}

static GPtrArray *build_argv(QTestState *s, const char *const *extra)
{
    const char *bin = g_getenv("QTEST_QACCEL_BINARY");
    GPtrArray *av = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_add(av, g_strdup(bin ? bin : "qaccel"));
    g_ptr_array_add(av, g_strdup("-qtest"));
    g_ptr_array_add(av, g_strdup_printf("unix:%s", s->qtest_path));
    g_ptr_array_add(av, g_strdup("-qtest-log"));
    g_ptr_array_add(av, g_strdup(g_getenv("QTEST_LOG") ? "/dev/fd/2" : "none"));
    g_ptr_array_add(av, g_strdup("-chardev"));
    g_ptr_array_add(av,
                    g_strdup_printf("socket,path=%s,id=char0", s->qmp_path));
    g_ptr_array_add(av, g_strdup("-mon"));
    g_ptr_array_add(av, g_strdup("chardev=char0,mode=control"));
    g_ptr_array_add(av, g_strdup("-display"));
    g_ptr_array_add(av, g_strdup("none"));
    if (!has_option(extra, "-machine", "-M")) {
        g_ptr_array_add(av, g_strdup("-machine"));
        g_ptr_array_add(av, g_strdup("q35-lite"));
    }
    if (!has_option(extra, "-accel", "-accel")) {
        g_ptr_array_add(av, g_strdup("-accel"));
        g_ptr_array_add(av, g_strdup("qtest"));
    }
    for (const char *const *p = extra; p && *p; p++) {
        g_ptr_array_add(av, g_strdup(*p));
    }
    g_ptr_array_add(av, NULL);
    return av;
}

static void state_free(QTestState *s)
{
    if (s->qtest_fd >= 0) {
        close(s->qtest_fd);
    }
    if (s->qmp_fd >= 0) {
        close(s->qmp_fd);
    }
    if (s->tmpdir) {
        g_unlink(s->qtest_path);
        g_unlink(s->qmp_path);
        g_rmdir(s->tmpdir);
    }
    g_free(s->tmpdir);
    g_free(s->qtest_path);
    g_free(s->qmp_path);
    g_string_free(s->qtest_in, TRUE);
    g_string_free(s->qmp_in, TRUE);
    if (s->extra_paths) {
        for (guint i = 0; i < s->extra_paths->len; i++) {
            g_unlink(g_ptr_array_index(s->extra_paths, i));
        }
        g_ptr_array_free(s->extra_paths, TRUE);
    }
    g_queue_clear_full(&s->events, (GDestroyNotify)json_object_unref);
    g_queue_clear_full(&s->replies, (GDestroyNotify)json_object_unref);
    g_free(s);
}

QTestState *qtest_init_argv(const char *const *argv, GError **error)
{
    QTestState *s = g_new0(QTestState, 1);
    g_autoptr(GPtrArray) av = NULL;
    g_autoptr(JsonObject) greeting = NULL, ret = NULL;
    int lq = -1, lm = -1;

    s->qtest_fd = s->qmp_fd = -1;
    s->timeout_ms = default_timeout_ms();
    s->qtest_in = g_string_new(NULL);
    s->qmp_in = g_string_new(NULL);
    s->tmpdir = g_dir_make_tmp("qaccel-qtest-XXXXXX", error);
    if (!s->tmpdir) {
        state_free(s);
        return NULL;
    }
    s->qtest_path = g_build_filename(s->tmpdir, "qtest.sock", NULL);
    s->qmp_path = g_build_filename(s->tmpdir, "qmp.sock", NULL);
    lq = listen_unix(s->qtest_path, error);
    lm = lq < 0 ? -1 : listen_unix(s->qmp_path, error);
    if (lm < 0) {
        goto fail;
    }
    av = build_argv(s, argv);
    s->pid = fork();
    if (s->pid == 0) {
        /* Never outlive a crashed test. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        execv(av->pdata[0], (char **)av->pdata);
        fprintf(stderr, "libqtest: exec %s: %s\n", (char *)av->pdata[0],
                g_strerror(errno));
        _exit(127);
    }
    s->qtest_fd = accept_child(s, lq, "the qtest socket", error);
    if (s->qtest_fd < 0) {
        goto fail;
    }
    s->qmp_fd = accept_child(s, lm, "the QMP socket", error);
    if (s->qmp_fd < 0) {
        goto fail;
    }
    close(lq);
    close(lm);
    lq = lm = -1;
    greeting = qtest_qmp_receive_full(s, error);
    if (!greeting || !json_object_has_member(greeting, "QMP")) {
        if (greeting) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                        "no QMP greeting");
        }
        goto fail;
    }
    if (!qtest_qmp_send_raw(s, "{\"execute\": \"qmp_capabilities\"}", error)) {
        goto fail;
    }
    ret = qtest_qmp_receive_full(s, error);
    if (!ret || !json_object_has_member(ret, "return")) {
        if (ret) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                        "qmp_capabilities failed");
        }
        goto fail;
    }
    return s;
fail:
    if (lq >= 0) {
        close(lq);
    }
    if (lm >= 0) {
        close(lm);
    }
    if (s->pid > 0 && !child_gone(s)) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    state_free(s);
    return NULL;
}

QTestState *qtest_init(const char *extra_args)
{
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = NULL;
    QTestState *s;

    if (extra_args && *extra_args &&
        !g_shell_parse_argv(extra_args, NULL, &argv, &err)) {
        g_error("qtest_init: %s", err->message);
    }
    s = qtest_init_argv((const char *const *)argv, &err);
    if (!s) {
        g_error("qtest_init: %s", err->message);
    }
    return s;
}

QTestState *qtest_initf(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *args = NULL;

    va_start(ap, fmt);
    args = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return qtest_init(args);
}

void qtest_set_expected_status(QTestState *s, int status)
{
    s->expected_status = status;
}

void qtest_set_timeout(QTestState *s, int timeout_ms)
{
    s->timeout_ms = timeout_ms;
}

pid_t qtest_pid(QTestState *s)
{
    return s->pid;
}

int qtest_wait_exit(QTestState *s, int timeout_ms, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000ll;

    while (!child_gone(s)) {
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "qaccel did not exit within %d ms", timeout_ms);
            return -1;
        }
        g_usleep(1000);
    }
    if (!WIFEXITED(s->wstatus)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                    "qaccel was killed by signal %d", WTERMSIG(s->wstatus));
        return -1;
    }
    return WEXITSTATUS(s->wstatus);
}

int qtest_quit_full(QTestState *s, GError **error)
{
    int status;

    if (!child_gone(s)) {
        kill(s->pid, SIGTERM);
    }
    status = qtest_wait_exit(s, s->timeout_ms, error);
    if (!s->exited) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    state_free(s);
    return status;
}

void qtest_quit(QTestState *s)
{
    g_autoptr(GError) err = NULL;
    int expected = s->expected_status;
    int status = qtest_quit_full(s, &err);

    g_assert_no_error(err);
    g_assert_cmpint(status, ==, expected);
}

/* ---- line I/O --------------------------------------------------------- */

static char *read_line(QTestState *s, int fd, GString *buf, int timeout_ms,
                       GError **error)
{
    gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000ll;
    char chunk[65536];

    for (;;) {
        char *nl = memchr(buf->str, '\n', buf->len);
        int left;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ssize_t n;

        if (nl) {
            char *line = g_strndup(buf->str, nl - buf->str);
            g_string_erase(buf, 0, nl - buf->str + 1);
            return line;
        }
        left = (deadline - g_get_monotonic_time()) / 1000;
        if (left < 0 || poll(&p, 1, left) == 0) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "no reply within %d ms", timeout_ms);
            return NULL;
        }
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                        "connection closed by qaccel%s",
                        s && child_gone(s) ? " (it exited)" : "");
            return NULL;
        }
        g_string_append_len(buf, chunk, n);
    }
}

static bool write_all(int fd, const void *buf, size_t len, GError **error)
{
    const char *p = buf;

    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                        "write: %s", g_strerror(errno));
            return false;
        }
        p += n;
        len -= n;
    }
    return true;
}

/* ---- qtest ------------------------------------------------------------ */

bool qtest_send_bytes(QTestState *s, const void *buf, size_t len,
                      GError **error)
{
    return write_all(s->qtest_fd, buf, len, error);
}

void qtest_close_qtest(QTestState *s)
{
    if (s->qtest_fd >= 0) {
        close(s->qtest_fd);
        s->qtest_fd = -1;
    }
}

char *qtest_read_reply(QTestState *s, GError **error)
{
    for (;;) {
        char *line =
            read_line(s, s->qtest_fd, s->qtest_in, s->timeout_ms, error);
        int n;

        if (!line || !g_str_has_prefix(line, "IRQ ")) {
            return line;
        }
        n = atoi(line + 10);
        if (n >= 0 && n < MAX_IRQ) {
            s->irq_level[n] = g_str_has_prefix(line, "IRQ raise ");
        }
        g_free(line);
    }
}

char *qtest_raw_full(QTestState *s, const char *line, GError **error)
{
    g_autofree char *l = g_strconcat(line, "\n", NULL);

    if (!write_all(s->qtest_fd, l, strlen(l), error)) {
        return NULL;
    }
    return qtest_read_reply(s, error);
}

char *qtest_rawf(QTestState *s, const char *fmt, ...)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *line = NULL;
    va_list ap;
    char *reply;

    va_start(ap, fmt);
    line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    reply = qtest_raw_full(s, line, &err);
    if (!reply) {
        g_error("qtest '%s': %s", line, err->message);
    }
    return reply;
}

/* Send a command whose reply must start with OK; return what follows. */
static uint64_t cmd_ok_value(QTestState *s, const char *line)
{
    g_autofree char *r = qtest_rawf(s, "%s", line);

    if (!g_str_has_prefix(r, "OK")) {
        g_error("qtest '%s' failed: %s", line, r);
    }
    return r[2] ? g_ascii_strtoull(r + 3, NULL, 0) : 0;
}

#define DEF_OUT(name, type)                                                    \
    void qtest_##name(QTestState *s, uint16_t port, type v)                    \
    {                                                                          \
        g_autofree char *l = g_strdup_printf(#name " 0x%x 0x%x", port, v);     \
        cmd_ok_value(s, l);                                                    \
    }
#define DEF_IN(name, type)                                                     \
    type qtest_##name(QTestState *s, uint16_t port)                            \
    {                                                                          \
        g_autofree char *l = g_strdup_printf(#name " 0x%x", port);             \
        return (type)cmd_ok_value(s, l);                                       \
    }
#define DEF_WRITE(name, type)                                                  \
    void qtest_##name(QTestState *s, uint64_t addr, type v)                    \
    {                                                                          \
        g_autofree char *l = g_strdup_printf(                                  \
            #name " 0x%" PRIx64 " 0x%" PRIx64, addr, (uint64_t)v);             \
        cmd_ok_value(s, l);                                                    \
    }
#define DEF_READ(name, type)                                                   \
    type qtest_##name(QTestState *s, uint64_t addr)                            \
    {                                                                          \
        g_autofree char *l = g_strdup_printf(#name " 0x%" PRIx64, addr);       \
        return (type)cmd_ok_value(s, l);                                       \
    }

DEF_OUT(outb, uint8_t)
DEF_OUT(outw, uint16_t)
DEF_OUT(outl, uint32_t)
DEF_IN(inb, uint8_t)
DEF_IN(inw, uint16_t)
DEF_IN(inl, uint32_t)
DEF_WRITE(writeb, uint8_t)
DEF_WRITE(writew, uint16_t)
DEF_WRITE(writel, uint32_t)
DEF_WRITE(writeq, uint64_t)
DEF_READ(readb, uint8_t)
DEF_READ(readw, uint16_t)
DEF_READ(readl, uint32_t)
DEF_READ(readq, uint64_t)

void qtest_memread(QTestState *s, uint64_t addr, void *buf, size_t size)
{
    g_autofree char *r = qtest_rawf(s, "read 0x%" PRIx64 " 0x%zx", addr, size);
    uint8_t *out = buf;

    g_assert(g_str_has_prefix(r, "OK 0x"));
    g_assert_cmpuint(strlen(r + 5), ==, 2 * size);
    for (size_t i = 0; i < size; i++) {
        out[i] = g_ascii_xdigit_value(r[5 + 2 * i]) << 4 |
                 g_ascii_xdigit_value(r[6 + 2 * i]);
    }
}

void qtest_memwrite(QTestState *s, uint64_t addr, const void *buf, size_t size)
{
    const uint8_t *in = buf;
    GString *l = g_string_new(NULL);
    g_autofree char *r = NULL;

    g_string_printf(l, "write 0x%" PRIx64 " 0x%zx 0x", addr, size);
    for (size_t i = 0; i < size; i++) {
        g_string_append_printf(l, "%02x", in[i]);
    }
    r = qtest_rawf(s, "%s", l->str);
    g_string_free(l, TRUE);
    g_assert_cmpstr(r, ==, "OK");
}

void qtest_bufread(QTestState *s, uint64_t addr, void *buf, size_t size)
{
    g_autofree char *r =
        qtest_rawf(s, "b64read 0x%" PRIx64 " 0x%zx", addr, size);
    g_autofree guchar *data = NULL;
    gsize len;

    g_assert(g_str_has_prefix(r, "OK "));
    data = g_base64_decode(r + 3, &len);
    g_assert_cmpuint(len, ==, size);
    memcpy(buf, data, size);
}

void qtest_bufwrite(QTestState *s, uint64_t addr, const void *buf, size_t size)
{
    g_autofree char *b64 = g_base64_encode(buf, size);
    g_autofree char *r =
        qtest_rawf(s, "b64write 0x%" PRIx64 " 0x%zx %s", addr, size, b64);

    g_assert_cmpstr(r, ==, "OK");
}

void qtest_memset(QTestState *s, uint64_t addr, uint8_t pattern, size_t size)
{
    g_autofree char *r =
        qtest_rawf(s, "memset 0x%" PRIx64 " 0x%zx 0x%02x", addr, size, pattern);

    g_assert_cmpstr(r, ==, "OK");
}

int64_t qtest_clock_step(QTestState *s, int64_t ns)
{
    g_autofree char *l = g_strdup_printf("clock_step %" PRId64, ns);

    return (int64_t)cmd_ok_value(s, l);
}

int64_t qtest_clock_set(QTestState *s, int64_t ns)
{
    g_autofree char *l = g_strdup_printf("clock_set %" PRId64, ns);

    return (int64_t)cmd_ok_value(s, l);
}

void qtest_irq_intercept_in(QTestState *s, const char *path)
{
    g_autofree char *l = g_strdup_printf("irq_intercept_in %s", path);

    cmd_ok_value(s, l);
}

void qtest_irq_intercept_out(QTestState *s, const char *path)
{
    g_autofree char *l = g_strdup_printf("irq_intercept_out %s", path);

    cmd_ok_value(s, l);
}

bool qtest_get_irq(QTestState *s, int n)
{
    g_assert(n >= 0 && n < MAX_IRQ);
    /* Pick up IRQ lines that arrived without a command. */
    return s->irq_level[n];
}

void qtest_set_irq_in(QTestState *s, const char *path, const char *name,
                      int num, int level)
{
    g_autofree char *l =
        g_strdup_printf("set_irq_in %s %s %d %d", path, name, num, level);

    cmd_ok_value(s, l);
}

/* ---- QMP -------------------------------------------------------------- */

static void append_json_string(GString *out, const char *s)
{
    g_autoptr(JsonNode) n = json_node_init_string(json_node_alloc(), s);
    g_autofree char *text = json_to_string(n, FALSE);

    g_string_append(out, text);
}

/* One %-conversion of a template; returns the first char after it. */
static const char *interpolate(GString *out, const char *p, va_list *ap)
{
    int longs = 0;
    bool z = false;

    p++;
    while (*p == 'l' || *p == 'h' || *p == 'z') {
        longs += *p == 'l';
        z |= *p == 'z';
        p++;
    }
    switch (*p) {
    case 's':
        append_json_string(out, va_arg(*ap, const char *));
        break;
    case 'd':
    case 'i':
        g_string_append_printf(out, "%lld",
                               z           ? (long long)va_arg(*ap, ssize_t)
                               : longs > 1 ? va_arg(*ap, long long)
                               : longs     ? (long long)va_arg(*ap, long)
                                           : (long long)va_arg(*ap, int));
        break;
    case 'u':
        g_string_append_printf(
            out, "%llu",
            z           ? (unsigned long long)va_arg(*ap, size_t)
            : longs > 1 ? va_arg(*ap, unsigned long long)
            : longs     ? (unsigned long long)va_arg(*ap, unsigned long)
                        : (unsigned long long)va_arg(*ap, unsigned));
        break;
    case 'f': {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        g_string_append(out,
                        g_ascii_dtostr(buf, sizeof(buf), va_arg(*ap, double)));
        break;
    }
    case '%':
        g_string_append_c(out, '%');
        break;
    default:
        g_error("qtest_vjsonf: unsupported conversion '%%%c'", *p);
    }
    return p + 1;
}

/* Expand a template; @ap NULL: no interpolation ('%' is literal). */
static char *expand(const char *fmt, va_list *ap)
{
    GString *out = g_string_new(NULL);
    const char *p = fmt;

    while (*p) {
        if (*p == '%' && ap) {
            p = interpolate(out, p, ap);
        } else if (*p == '\'' || *p == '"') {
            char q = *p++;
            g_string_append_c(out, '"');
            while (*p && *p != q) {
                if (*p == '\\' && p[1]) {
                    /* \' is not a JSON escape: unescape it */
                    if (p[1] != '\'') {
                        g_string_append_c(out, '\\');
                    }
                    g_string_append_c(out, p[1]);
                    p += 2;
                    continue;
                }
                if (*p == '"') {
                    g_string_append_c(out, '\\');
                }
                g_string_append_c(out, *p++);
            }
            g_string_append_c(out, '"');
            p += *p != '\0';
        } else {
            g_string_append_c(out, *p++);
        }
    }
    return g_string_free(out, FALSE);
}

char *qtest_vjsonf(const char *fmt, va_list ap)
{
    va_list aq;
    char *s;

    va_copy(aq, ap);
    s = expand(fmt, &aq);
    va_end(aq);
    return s;
}

char *qtest_json_requote(const char *text)
{
    return expand(text, NULL);
}

bool qtest_qmp_send_raw(QTestState *s, const char *text, GError **error)
{
    return write_all(s->qmp_fd, text, strlen(text), error);
}

void qtest_qmp_send(QTestState *s, const char *fmt, ...)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, fmt);
    text = qtest_vjsonf(fmt, ap);
    va_end(ap);
    if (!qtest_qmp_send_raw(s, text, &err)) {
        g_error("QMP send: %s", err->message);
    }
}

/* Read and parse one QMP message (any kind). */
static JsonObject *read_message(QTestState *s, int timeout_ms, GError **error)
{
    g_autofree char *line =
        read_line(s, s->qmp_fd, s->qmp_in, timeout_ms, error);
    g_autoptr(JsonParser) parser = NULL;
    JsonNode *root;

    if (!line) {
        return NULL;
    }
    parser = json_parser_new();
    if (!json_parser_load_from_data(parser, line, -1, error)) {
        g_prefix_error(error, "bad QMP message '%s': ", line);
        return NULL;
    }
    root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "QMP message is not an object: %s", line);
        return NULL;
    }
    return json_object_ref(json_node_get_object(root));
}

JsonObject *qtest_qmp_receive_full(QTestState *s, GError **error)
{
    if (!g_queue_is_empty(&s->replies)) {
        return g_queue_pop_head(&s->replies);
    }
    for (;;) {
        JsonObject *msg = read_message(s, s->timeout_ms, error);
        if (!msg || !json_object_has_member(msg, "event")) {
            return msg;
        }
        g_queue_push_tail(&s->events, msg);
    }
}

JsonObject *qtest_qmp_receive(QTestState *s)
{
    g_autoptr(GError) err = NULL;
    JsonObject *r = qtest_qmp_receive_full(s, &err);

    if (!r) {
        g_error("QMP receive: %s", err->message);
    }
    return r;
}

JsonObject *qtest_qmp(QTestState *s, const char *fmt, ...)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *text = NULL;
    va_list ap;

    va_start(ap, fmt);
    text = qtest_vjsonf(fmt, ap);
    va_end(ap);
    if (!qtest_qmp_send_raw(s, text, &err)) {
        g_error("QMP send: %s", err->message);
    }
    return qtest_qmp_receive(s);
}

void qtest_qmp_assert_success(QTestState *s, const char *fmt, ...)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *text = NULL;
    g_autoptr(JsonObject) r = NULL;
    va_list ap;

    va_start(ap, fmt);
    text = qtest_vjsonf(fmt, ap);
    va_end(ap);
    if (!qtest_qmp_send_raw(s, text, &err)) {
        g_error("QMP send: %s", err->message);
    }
    r = qtest_qmp_receive(s);
    if (!json_object_has_member(r, "return")) {
        g_autoptr(JsonNode) n = json_node_init_object(json_node_alloc(), r);
        g_autofree char *t = qtest_json_to_string(n);
        g_error("QMP %s failed: %s", text, t);
    }
}

JsonObject *qtest_qmp_event_next(QTestState *s, int timeout_ms, GError **error)
{
    while (g_queue_is_empty(&s->events)) {
        JsonObject *msg = read_message(s, timeout_ms, error);
        if (!msg) {
            return NULL;
        }
        if (json_object_has_member(msg, "event")) {
            g_queue_push_tail(&s->events, msg);
        } else {
            g_queue_push_tail(&s->replies, msg);
        }
    }
    return g_queue_pop_head(&s->events);
}

guint qtest_qmp_event_pending(QTestState *s)
{
    return g_queue_get_length(&s->events);
}

JsonObject *qtest_qmp_eventwait_ref(QTestState *s, const char *name)
{
    for (;;) {
        g_autoptr(GError) err = NULL;
        JsonObject *ev = qtest_qmp_event_next(s, s->timeout_ms, &err);
        if (!ev) {
            g_error("waiting for event %s: %s", name, err->message);
        }
        if (!g_strcmp0(json_object_get_string_member(ev, "event"), name)) {
            return ev;
        }
        json_object_unref(ev);
    }
}

void qtest_qmp_eventwait(QTestState *s, const char *name)
{
    json_object_unref(qtest_qmp_eventwait_ref(s, name));
}

void qtest_system_reset(QTestState *s)
{
    qtest_qmp_assert_success(s, "{'execute': 'system_reset'}");
    qtest_qmp_eventwait(s, "RESET");
}

char *qtest_query_status(QTestState *s)
{
    g_autoptr(JsonObject) r = qtest_qmp(s, "{'execute': 'query-status'}");
    JsonObject *ret = json_object_get_object_member(r, "return");

    g_assert(ret);
    return g_strdup(json_object_get_string_member(ret, "status"));
}

/* ---- JSON helpers ------------------------------------------------------ */

static bool value_equal(JsonNode *a, JsonNode *b)
{
    GType ta = json_node_get_value_type(a), tb = json_node_get_value_type(b);

    if ((ta == G_TYPE_INT64 || ta == G_TYPE_DOUBLE) &&
        (tb == G_TYPE_INT64 || tb == G_TYPE_DOUBLE)) {
        if (ta == G_TYPE_INT64 && tb == G_TYPE_INT64) {
            return json_node_get_int(a) == json_node_get_int(b);
        }
        return json_node_get_double(a) == json_node_get_double(b);
    }
    if (ta != tb) {
        return false;
    }
    if (ta == G_TYPE_STRING) {
        return !g_strcmp0(json_node_get_string(a), json_node_get_string(b));
    }
    if (ta == G_TYPE_BOOLEAN) {
        return json_node_get_boolean(a) == json_node_get_boolean(b);
    }
    return false;
}

bool qtest_json_subset(JsonNode *want, JsonNode *have)
{
    if (!want || !have) {
        return want == have;
    }
    if (JSON_NODE_TYPE(want) != JSON_NODE_TYPE(have)) {
        return false;
    }
    switch (JSON_NODE_TYPE(want)) {
    case JSON_NODE_OBJECT: {
        JsonObject *w = json_node_get_object(want);
        JsonObject *h = json_node_get_object(have);
        JsonObjectIter it;
        const char *name;
        JsonNode *v;

        json_object_iter_init(&it, w);
        while (json_object_iter_next(&it, &name, &v)) {
            if (!qtest_json_subset(v, json_object_get_member(h, name))) {
                return false;
            }
        }
        return true;
    }
    case JSON_NODE_ARRAY: {
        JsonArray *w = json_node_get_array(want);
        JsonArray *h = json_node_get_array(have);
        guint n = json_array_get_length(w);

        if (n != json_array_get_length(h)) {
            return false;
        }
        for (guint i = 0; i < n; i++) {
            if (!qtest_json_subset(json_array_get_element(w, i),
                                   json_array_get_element(h, i))) {
                return false;
            }
        }
        return true;
    }
    case JSON_NODE_VALUE:
        return value_equal(want, have);
    default:
        return true;
    }
}

char *qtest_json_to_string(JsonNode *node)
{
    return json_to_string(node, FALSE);
}

/* ---- extra raw connections ---------------------------------------------- */

char *qtest_tmp_path(QTestState *s, const char *name)
{
    char *path = g_build_filename(s->tmpdir, name, NULL);

    if (!s->extra_paths) {
        s->extra_paths = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_add(s->extra_paths, g_strdup(path));
    return path;
}

QTestRawConn *qtest_raw_connect(const char *path, GError **error)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    QTestRawConn *c;
    int fd = -1;

    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    for (int tries = 0; tries < 500; tries++) {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            break;
        }
        close(fd);
        fd = -1;
        g_usleep(10000);
    }
    if (fd < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
                    "connect %s: %s", path, g_strerror(errno));
        return NULL;
    }
    c = g_new0(QTestRawConn, 1);
    c->fd = fd;
    c->in = g_string_new(NULL);
    return c;
}

bool qtest_raw_write(QTestRawConn *c, const void *buf, size_t len,
                     GError **error)
{
    return write_all(c->fd, buf, len, error);
}

char *qtest_raw_readline(QTestRawConn *c, int timeout_ms, GError **error)
{
    char *line = read_line(NULL, c->fd, c->in, timeout_ms, error);
    size_t n = line ? strlen(line) : 0;

    if (n && line[n - 1] == '\r') {
        line[n - 1] = '\0';
    }
    return line;
}

void qtest_raw_close(QTestRawConn *c)
{
    if (c) {
        close(c->fd);
        g_string_free(c->in, TRUE);
        g_free(c);
    }
}
