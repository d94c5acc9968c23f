/*
 * Black-box fuzzing of the qaccel binary's qtest protocol on stdio:
 *
 *   qaccel -machine M -accel qtest -qtest stdio -qtest-log none \
 *          -qmp unix:SOCK -display none
 *
 *   qtest-stdio MACHINE [-lines=N] [-seed=N]
 *
 * Feeds the process N pseudo-random lines (seeded, so a run is
 * reproducible): well-formed commands with random arguments from
 * qtest-gen.c, aimed at the machine's regions and devices, mixed with
 * raw bytes, NULs, CRs, invalid UTF-8, empty and over-long lines, and
 * one line past the 16 MiB limit.  Asserts that every line gets exactly
 * one reply, that replies are OK/FAIL/ERR lines (asynchronous IRQ lines
 * aside) and that nothing else appears on stdout, that the process is
 * still alive after stdin reaches EOF, and that QMP quit ends it with
 * status 0 (a sanitizer report makes the status non-zero).
 *
 * The in-process target (fuzz-qtest.c) covers the same parser faster;
 * this one covers what only the binary has: main.c, the stdio chardev,
 * EOF, and the exit path.  Defaults: -lines from $QA_FUZZ_LINES or 2000.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "qaccel-config.h"
#include <qaccel/config.h>
#include <qaccel/machine.h>
#include <qaccel/object.h>
#include <json-glib/json-glib.h>
#include "fuzz.h"
#include "qtest-gen.h"

/* No progress at all for this long: the process hangs (not a timing
 * check: a healthy run makes progress every few milliseconds). */
#define HANG_MS 60000

static uint64_t rng;

static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static GPid child_pid;
static int child_err = -1; /* the child's stderr: a temporary file */

/* The end of the child's stderr (a sanitizer report, say) on our own. */
static void show_child_stderr(void)
{
    char buf[16384];
    off_t end = child_err >= 0 ? lseek(child_err, 0, SEEK_END) : -1;
    ssize_t n;

    if (end <= 0) {
        return;
    }
    lseek(child_err, end > (off_t)sizeof(buf) ? end - sizeof(buf) : 0,
          SEEK_SET);
    n = read(child_err, buf, sizeof(buf));
    if (n > 0) {
        g_printerr("---- end of qaccel's stderr ----\n%.*s\n----\n", (int)n,
                   buf);
    }
}

/* Fail the test; the child must not outlive it. */
static G_GNUC_NORETURN G_GNUC_PRINTF(1, 2) void die(const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (child_pid > 0) {
        kill(child_pid, SIGKILL);
    }
    show_child_stderr();
    g_printerr("qtest-stdio: %s\n", msg);
    exit(1);
}

/* One junk line (without its newline) of the kind clients get wrong. */
static void junk_line(GString *s)
{
    static const char *const fixed[] = {
        "",
        " readb 0",
        "readb  0",
        "readb 0 ",
        "readb 0\r",
        "endianness\r",
        "\xff\xfe",
        "readb \xc3\x28",
        "vcpu_exit 0 system_event reset 1 1 abi=64 cap=1 x1=0x80000000",
        "clock_set -9223372036854775808",
        "b64write 0 4 ====",
        "irq_intercept_in /machine",
    };
    unsigned n;

    switch (rnd() % 4) {
    case 0:
        if (rnd() % 8 == 0) {
            /* a NUL inside the line */
            g_string_append(s, "write 0 4 0x0102");
            g_string_append_c(s, '\0');
            g_string_append(s, "0304");
        } else {
            g_string_append(s, fixed[rnd() % G_N_ELEMENTS(fixed)]);
        }
        break;
    case 1: /* raw bytes, never a newline */
        n = rnd() % 40;
        for (unsigned i = 0; i < n; i++) {
            char c = rnd();
            g_string_append_c(s, c == '\n' ? '\r' : c);
        }
        break;
    case 2: /* printable words */
        n = 1 + rnd() % 60;
        for (unsigned i = 0; i < n; i++) {
            g_string_append_c(s, 0x20 + rnd() % 95);
        }
        break;
    default: /* long, under the limit */
        n = 1000 + rnd() % 20000;
        g_string_append(s, "writeb 0x0 ");
        for (unsigned i = 0; i < n; i++) {
            g_string_append_c(s, '1');
        }
        break;
    }
}

/* @lines lines of input, and how many there are. */
static GString *make_input(guint lines)
{
    GString *s = g_string_new(NULL);
    guint count = 0, long_at = rnd() % MAX(lines, 1);
    bool long_done = false;

    while (count < lines) {
        if (count >= long_at && !long_done) {
            long_done = true;
            /* the one line past QA_QTEST_LINE_MAX: one FAIL, no more */
            g_string_set_size(s, s->len + 16 * 1024 * 1024 + 17);
            memset(s->str + s->len - (16 * 1024 * 1024 + 17), 'x',
                   16 * 1024 * 1024 + 17);
            g_string_append_c(s, '\n');
            count++;
        } else if (rnd() % 4) {
            uint8_t prog[64];
            size_t n = 1 + rnd() % sizeof(prog), len;
            g_autofree char *gen = NULL;

            for (size_t i = 0; i < n; i++) {
                prog[i] = rnd();
            }
            gen = qtest_gen_lines(prog, n, &len);
            for (size_t i = 0; i < len && count < lines; i++) {
                g_string_append_c(s, gen[i]);
                count += gen[i] == '\n';
            }
        } else {
            junk_line(s);
            g_string_append_c(s, '\n');
            count++;
        }
    }
    return s;
}

typedef struct Child {
    GPid pid;
    int in_fd, out_fd, qmp_fd;
    GString *out; /* stdout bytes not yet split into lines */
    GString *qmp; /* QMP bytes not yet parsed */
    guint replies;
} Child;

static void take_replies(Child *c)
{
    char *nl;

    while ((nl = memchr(c->out->str, '\n', c->out->len))) {
        size_t len = nl - c->out->str;
        const char *l = c->out->str;

        if (!(len >= 4 && !strncmp(l, "IRQ ", 4))) {
            if (!((len >= 2 && !strncmp(l, "OK", 2)) ||
                  (len >= 4 && !strncmp(l, "FAIL", 4)) ||
                  (len >= 3 && !strncmp(l, "ERR", 3)))) {
                die("reply %u is '%.*s': stdout carries something besides "
                    "the protocol",
                    c->replies + 1, (int)MIN(len, (size_t)200), l);
            }
            c->replies++;
        }
        g_string_erase(c->out, 0, len + 1);
    }
}

/* Write @in and read replies until all @lines are answered. */
static void converse(Child *c, GString *in, guint lines)
{
    size_t off = 0;
    gint64 last = g_get_monotonic_time();

    while (c->replies < lines) {
        struct pollfd p[2] = {{c->out_fd, POLLIN, 0}, {c->in_fd, 0, 0}};
        int r;

        p[1].events = off < in->len ? POLLOUT : 0;
        r = poll(p, off < in->len ? 2 : 1, 1000);
        if (r < 0 && errno != EINTR) {
            die("poll: %s", g_strerror(errno));
        }
        if (p[0].revents & (POLLIN | POLLHUP)) {
            char buf[65536];
            ssize_t n = read(c->out_fd, buf, sizeof(buf));
            if (n == 0) {
                die("qaccel closed stdout after %u of %u replies", c->replies,
                    lines);
            }
            if (n > 0) {
                g_string_append_len(c->out, buf, n);
                take_replies(c);
                last = g_get_monotonic_time();
            }
        }
        if (p[1].revents & (POLLOUT | POLLERR)) {
            ssize_t n = write(c->in_fd, in->str + off,
                              MIN(in->len - off, (size_t)65536));
            if (n < 0 && errno != EAGAIN && errno != EINTR) {
                die("write to qaccel: %s", g_strerror(errno));
            }
            if (n > 0) {
                off += n;
                last = g_get_monotonic_time();
            }
        }
        if (g_get_monotonic_time() - last > HANG_MS * 1000) {
            die("no progress: %u of %u replies, %zu of %zu bytes written",
                c->replies, lines, off, in->len);
        }
    }
    /* anything more than one reply per line shows up now or never */
    take_replies(c);
    if (c->replies != lines) {
        die("%u replies to %u lines", c->replies, lines);
    }
}

static int qmp_listen(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0 || strlen(path) >= sizeof(sa.sun_path)) {
        die("socket: %s", g_strerror(errno));
    }
    strcpy(sa.sun_path, path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1)) {
        die("%s: %s", path, g_strerror(errno));
    }
    return fd;
}

/*
 * The next QMP message (one per line): the greeting, an event or a
 * reply.  Returns its top-level member of interest.
 */
static const char *qmp_next(Child *c, GString *in)
{
    char buf[4096], *nl;

    while (!(nl = memchr(in->str, '\n', in->len))) {
        ssize_t n = read(c->qmp_fd, buf, sizeof(buf));
        if (n <= 0) {
            die("QMP connection closed");
        }
        g_string_append_len(in, buf, n);
    }
    {
        g_autoptr(JsonParser) p = json_parser_new();
        g_autoptr(GError) err = NULL;
        size_t len = nl - in->str + 1;
        JsonObject *o;
        const char *what = NULL;

        if (!json_parser_load_from_data(p, in->str, len, &err) ||
            !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
            die("QMP sent '%.*s'", (int)len, in->str);
        }
        o = json_node_get_object(json_parser_get_root(p));
        if (json_object_has_member(o, "error")) {
            die("QMP error: %.*s", (int)len, in->str);
        }
        what = json_object_has_member(o, "return")  ? "return"
               : json_object_has_member(o, "event") ? "event"
               : json_object_has_member(o, "QMP")   ? "QMP"
                                                    : "?";
        g_string_erase(in, 0, len);
        return what;
    }
}

/* Send one QMP command and wait for its return (events are skipped). */
static void qmp(Child *c, GString *in, const char *cmd)
{
    if (write(c->qmp_fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd)) {
        die("QMP write: %s", g_strerror(errno));
    }
    while (strcmp(qmp_next(c, in), "return") != 0) {
    }
}

/* In the child: whatever kills the test kills qaccel too. */
static void die_with_parent(gpointer unused)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void start(Child *c, const char *machine, const char *sock)
{
    const char *bin = g_getenv("QTEST_QACCEL_BINARY");
    g_autofree char *qmp_spec = g_strconcat("unix:", sock, NULL);
    /* guest shutdowns and panics pause: only QMP quit may end it */
    const char *argv[] = {bin,
                          "-machine",
                          machine,
                          "-accel",
                          "qtest",
                          "-qtest",
                          "stdio",
                          "-qtest-log",
                          "none",
                          "-qmp",
                          qmp_spec,
                          "-action",
                          "shutdown=pause,panic=pause",
                          "-display",
                          "none",
                          NULL};
    g_autoptr(GError) err = NULL;
    int lfd = qmp_listen(sock);
    g_autofree char *err_path = NULL;

    if (!bin) {
        die("QTEST_QACCEL_BINARY is not set");
    }
    /* A file, not a pipe: qaccel never blocks on its (chatty) log. */
    child_err = g_file_open_tmp("qa-fuzz-stdio-err-XXXXXX", &err_path, &err);
    if (child_err < 0) {
        die("stderr file: %s", err->message);
    }
    unlink(err_path);
    if (!g_spawn_async_with_pipes_and_fds(
            NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, die_with_parent, NULL,
            -1, -1, child_err, NULL, NULL, 0, &c->pid, &c->in_fd, &c->out_fd,
            NULL, &err)) {
        die("%s: %s", bin, err->message);
    }
    child_pid = c->pid;
    /* qaccel connects while it starts, unless it fails to start */
    for (;;) {
        struct pollfd p = {lfd, POLLIN, 0};
        int status;

        if (poll(&p, 1, 1000) > 0) {
            break;
        }
        if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
            child_pid = 0;
            die("qaccel exited (status 0x%x) before connecting QMP", status);
        }
    }
    c->qmp_fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (c->qmp_fd < 0) {
        die("accept: %s", g_strerror(errno));
    }
    close(lfd);
    unlink(sock);
    c->qmp = g_string_new(NULL);
    if (strcmp(qmp_next(c, c->qmp), "QMP") != 0) {
        die("no QMP greeting");
    }
    qmp(c, c->qmp, "{\"execute\": \"qmp_capabilities\"}");
    fcntl(c->in_fd, F_SETFL, fcntl(c->in_fd, F_GETFL) | O_NONBLOCK);
    c->out = g_string_new(NULL);
}

int main(int argc, char **argv)
{
    const char *machine = NULL, *env = g_getenv("QA_FUZZ_LINES");
    guint64 lines = env ? g_ascii_strtoull(env, NULL, 10) : 2000, seed = 1;
    g_autoptr(GError) err = NULL;
    g_autofree char *conf = NULL, *dir = NULL, *sock = NULL;
    g_autoptr(QaMachineConfig) cfg = NULL;
    GString *input;
    QaMachine *m;
    Child c = {0};
    int status;

    for (int i = 1; i < argc; i++) {
        if (g_str_has_prefix(argv[i], "-lines=")) {
            lines = g_ascii_strtoull(argv[i] + 7, NULL, 10);
        } else if (g_str_has_prefix(argv[i], "-seed=")) {
            seed = g_ascii_strtoull(argv[i] + 6, NULL, 10);
        } else {
            machine = argv[i];
        }
    }
    if (!machine || !lines) {
        die("usage: qtest-stdio MACHINE [-lines=N] [-seed=N]");
    }
    signal(SIGPIPE, SIG_IGN);
    fuzz_quiet_logs();

    /* The same board in process, to aim the generator at its devices. */
    qa_types_register_builtin();
    conf = g_strdup_printf("%s/configs/machines/%s.conf", QACCEL_SOURCE_DIR,
                           machine);
    cfg = qa_machine_config_load(conf, &err);
    m = cfg ? qa_machine_create(cfg, &err) : NULL;
    if (!m) {
        die("%s: %s", machine, err->message);
    }
    qtest_gen_init(m);
    rng = seed;
    input = make_input(lines);

    dir = g_dir_make_tmp("qa-fuzz-stdio-XXXXXX", &err);
    if (!dir) {
        die("tmpdir: %s", err->message);
    }
    sock = g_build_filename(dir, "qmp.sock", NULL);
    start(&c, machine, sock);
    rmdir(dir);
    converse(&c, input, lines);

    /* EOF on stdin closes the session, not the process (docs/qtest.md). */
    close(c.in_fd);
    qmp(&c, c.qmp, "{\"execute\": \"query-status\"}");
    qmp(&c, c.qmp, "{\"execute\": \"quit\"}");
    if (waitpid(c.pid, &status, 0) != c.pid) {
        die("waitpid: %s", g_strerror(errno));
    }
    child_pid = 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        die("qaccel ended with %s %d after quit",
            WIFEXITED(status) ? "status" : "signal",
            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    }
    printf("qtest-stdio %s: %" G_GUINT64_FORMAT
           " lines (%zu bytes, -seed=%" G_GUINT64_FORMAT
           "), every one answered; quit with status 0\n",
           machine, lines, input->len, seed);
    g_string_free(input, TRUE);
    g_string_free(c.out, TRUE);
    g_string_free(c.qmp, TRUE);
    close(c.out_fd);
    close(c.qmp_fd);
    g_spawn_close_pid(c.pid);
    qa_machine_destroy(m);
    return 0;
}
