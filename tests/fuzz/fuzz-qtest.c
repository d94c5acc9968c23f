/*
 * Fuzz target: the qtest line protocol (system/qtest-server.c, -cmds.c,
 * -inject.c) in process, against a real machine on the qtest
 * accelerator, through the server's real transport.
 *
 * The server has no entry point below its chardev, so the harness plays
 * the test side of "-qtest unix:PATH": it listens on a socket, lets the
 * server connect, and writes the input to it, in chunks whose sizes
 * derive from a hash of the input (byte by byte, small random, or
 * whole), pumping the main context between chunks so the server sees
 * them as separate reads.  A missing final newline is added.  An input
 * whose first byte is 0xff is a program for qtest-gen.c instead, which
 * writes well-formed commands aimed at the machine's own regions and
 * devices (blind mutation rarely gets that far).
 *
 * Invariants: every line gets exactly one reply (asynchronous "IRQ"
 * lines aside), every reply starts with OK, FAIL or ERR, and the server
 * never crashes.  A line that never gets its reply blocks the harness,
 * which the driver's -timeout (or libFuzzer's) reports as a hang.
 *
 * The machine is the built-in config named by $QA_FUZZ_QTEST_MACHINE
 * (q35-lite, virt-arm64 or virt-riscv64; default q35-lite).  It lives
 * across inputs, as a qtest session does; a crash that needs earlier
 * inputs is reproduced by re-running the driver with the same -seed.
 * At start-up a fixed session checks the over-long-line path once (a
 * 16 MiB + 1 line is too big for a fuzzer input).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "qaccel-config.h"
#include <qaccel/accel.h>
#include <qaccel/config.h>
#include <qaccel/machine.h>
#include <qaccel/runstate.h>
#include "system/qtest-server.h"
#include "fuzz.h"
#include "qtest-gen.h"

/* First byte of a structured input (qtest-gen.c); else the input is text. */
#define QTEST_GEN_MARK 0xff

static struct {
    QaMachineConfig *cfg;
    QaMachine *m;
    QaSystem *sys;
    QaQtestServer *srv;
    int fd;
    GString *rx;   /* received bytes not yet split into lines */
    guint replies; /* reply lines seen since the last reset */
    bool verbose;  /* $QA_FUZZ_VERBOSE: print every reply */
} q;

static void die(const char *what, const char *why)
{
    g_printerr("fuzz-qtest: %s: %s\n", what, why);
    abort();
}

/* Account for every complete line received so far. */
static void take_lines(void)
{
    char *nl;

    while ((nl = memchr(q.rx->str, '\n', q.rx->len))) {
        size_t len = nl - q.rx->str;

        if (q.verbose) {
            g_printerr("<< %.*s\n", (int)len, q.rx->str);
        }

        if (!(len >= 4 && !strncmp(q.rx->str, "IRQ ", 4))) {
            fuzz_check((len >= 2 && !strncmp(q.rx->str, "OK", 2)) ||
                           (len >= 4 && !strncmp(q.rx->str, "FAIL", 4)) ||
                           (len >= 3 && !strncmp(q.rx->str, "ERR", 3)),
                       "reply '%.*s'", (int)MIN(len, 200), q.rx->str);
            q.replies++;
        }
        g_string_erase(q.rx, 0, len + 1);
    }
}

static void drain(void)
{
    char buf[65536];
    ssize_t n;

    while ((n = recv(q.fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
        g_string_append_len(q.rx, buf, n);
    }
    if (n == 0) {
        die("recv", "the server closed the connection");
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        die("recv", g_strerror(errno));
    }
    take_lines();
}

/* Let the server run until nothing is ready. */
static void pump(void)
{
    while (g_main_context_iteration(NULL, FALSE)) {
    }
    drain();
}

static void send_all(const char *p, size_t len)
{
    while (len) {
        ssize_t n = send(q.fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            p += n;
            len -= n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* the server is behind: let it read (and reply) */
            g_main_context_iteration(NULL, TRUE);
            drain();
        } else if (n < 0 && errno != EINTR) {
            die("send", g_strerror(errno));
        }
    }
}

/* Block until @want replies arrived since the count was reset. */
static void wait_replies(guint want)
{
    pump();
    while (q.replies < want) {
        g_main_context_iteration(NULL, TRUE);
        drain();
    }
    fuzz_check(q.replies == want, "%u replies to %u lines", q.replies, want);
}

static int listen_on(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0 || strlen(path) >= sizeof(sa.sun_path)) {
        die("socket", g_strerror(errno));
    }
    strcpy(sa.sun_path, path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        die(path, g_strerror(errno));
    }
    return fd;
}

/* The over-long line: one FAIL, and the connection still works. */
static void check_long_line(void)
{
    size_t n = QA_QTEST_LINE_MAX + 1;
    g_autofree char *line = g_malloc(n);

    memset(line, 'a', n);
    q.replies = 0;
    send_all(line, n);
    send_all("\nendianness\n", 12);
    wait_replies(2);
}

static void discard(void *opaque, const char *buf, size_t len)
{
}

static void init(void)
{
    const char *name = g_getenv("QA_FUZZ_QTEST_MACHINE");
    g_autofree char *conf = NULL, *dir = NULL, *path = NULL, *spec = NULL;
    g_autoptr(GError) err = NULL;
    QaActions actions = qa_actions_default();
    QaAccel *accel;
    int lfd;

    fuzz_quiet_logs();
    qa_types_register_builtin();
    q.verbose = g_getenv("QA_FUZZ_VERBOSE") != NULL;
    name = name ? name : "q35-lite";
    conf =
        g_strdup_printf("%s/configs/machines/%s.conf", QACCEL_SOURCE_DIR, name);
    q.cfg = qa_machine_config_load(conf, &err);
    q.m = q.cfg ? qa_machine_create(q.cfg, &err) : NULL;
    accel = q.m ? qa_accel_select("qtest", &err) : NULL;
    if (!accel || !qa_accel_init_machine(accel, q.m, &err)) {
        die(name, err->message);
    }
    /* guest console bytes (UART, SBI DBCN, debugcon) are noise here */
    q.m->console = (QaConsoleSink){discard, NULL};
    q.sys = qa_system_new(q.m, &actions, NULL);
    if (!qa_system_start(q.sys, &err)) {
        die("start", err->message);
    }

    dir = g_dir_make_tmp("qa-fuzz-qtest-XXXXXX", &err);
    if (!dir) {
        die("tmpdir", err->message);
    }
    path = g_build_filename(dir, "qtest.sock", NULL);
    lfd = listen_on(path);
    spec = g_strconcat("unix:", path, NULL);
    /* log "none": a long run would write gigabytes of protocol log */
    q.srv = qa_qtest_server_new(q.sys, spec, "none", &err);
    if (!q.srv) {
        die(spec, err->message);
    }
    q.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (q.fd < 0) {
        die("accept", g_strerror(errno));
    }
    close(lfd);
    unlink(path);
    rmdir(dir);
    q.rx = g_string_new(NULL);
    pump();
    check_long_line();
    qtest_gen_init(q.m);
}

static size_t next_chunk(uint64_t *st, unsigned mode, size_t left)
{
    if (mode < 32) {
        return 1;
    }
    if (mode < 128) {
        return left;
    }
    *st = *st * 6364136223846793005ull + 1442695040888963407ull;
    return MIN(left, 1 + (*st >> 33) % 64);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t st = 0xcbf29ce484222325ull;
    g_autofree char *stream = NULL;
    size_t len = size;
    guint lines = 0;
    unsigned mode;

    if (!q.srv) {
        init();
    }
    for (size_t i = 0; i < size; i++) {
        st = (st ^ data[i]) * 0x100000001b3ull;
    }
    mode = st >> 56;
    if (size && data[0] == QTEST_GEN_MARK) {
        stream = qtest_gen_lines(data + 1, size - 1, &len);
    } else {
        stream = g_malloc(size + 1);
        memcpy(stream, data, size);
    }
    if (!len || stream[len - 1] != '\n') {
        stream[len++] = '\n';
    }
    for (size_t i = 0, start = 0; i < len; i++) {
        if (stream[i] == '\n') {
            lines++;
            if (q.verbose) {
                g_printerr(">> %.*s\n", (int)MIN(i - start, (size_t)300),
                           stream + start);
            }
            start = i + 1;
        }
    }

    q.replies = 0;
    for (size_t off = 0, n; off < len; off += n) {
        n = next_chunk(&st, mode, len - off);
        send_all(stream + off, n);
        pump();
    }
    wait_replies(lines);
    /* Requests the lines posted (reset, shutdown, panic) run now. */
    qa_system_process_requests(q.sys);
    return 0;
}
