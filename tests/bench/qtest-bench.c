/*
 * qtest server benchmark (a meson benchmark, never a test): measures, in
 * one run, qaccel's qtest server and a trivial echo server speaking the
 * same transport (the floor, tests/bench/qtest-echo.c):
 *
 *   lock-step    one readl, wait for its reply, repeat
 *   pipelined    batches of 1000 readl written at once, then the replies
 *   b64write     64 KiB per command, lock-step (payload bytes per second)
 *   b64read      64 KiB per command, lock-step
 *   first reply  fork+exec -> accepted connection -> first reply
 *
 * and prints each figure with its ratio to the floor, next to the
 * targets of docs/qtest.md.
 *
 * usage: qtest-bench QACCEL-BINARY ECHO-BINARY [iterations-scale]
 */
#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <glib.h>
#include <glib/gstdio.h>

typedef struct Peer {
    pid_t pid;
    int fd;
    GString *in;
    double spawn_ms; /* fork -> first reply */
} Peer;

extern char **environ;
static char *sock_path;
static double scale = 1.0;

static double now_s(void)
{
    return g_get_monotonic_time() / 1e6;
}

static void die(const char *what)
{
    fprintf(stderr, "qtest-bench: %s: %s\n", what, g_strerror(errno));
    exit(1);
}

static void write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            die("write");
        }
        p += n;
        len -= n;
    }
}

/* Read until @count replies (newlines) arrived; returns the last one. */
static void read_replies(Peer *p, int count)
{
    char buf[256 * 1024];

    while (count > 0) {
        char *nl;
        ssize_t n;

        while (count > 0 && (nl = memchr(p->in->str, '\n', p->in->len))) {
            g_string_erase(p->in, 0, nl - p->in->str + 1);
            count--;
        }
        if (!count) {
            break;
        }
        n = read(p->fd, buf, sizeof(buf));
        if (n <= 0) {
            die("read (server gone?)");
        }
        g_string_append_len(p->in, buf, n);
    }
}

static Peer spawn(char *const argv[])
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    Peer p = {.in = g_string_new(NULL)};
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    double t0;

    g_unlink(sock_path);
    g_strlcpy(sa.sun_path, sock_path, sizeof(sa.sun_path));
    if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(lfd, 1) < 0) {
        die("listen");
    }
    t0 = now_s();
    /* posix_spawn (vfork): measure the server's start, not our fork */
    if (posix_spawn(&p.pid, argv[0], NULL, NULL, argv, environ) != 0) {
        die("posix_spawn");
    }
    p.fd = accept(lfd, NULL, NULL);
    if (p.fd < 0) {
        die("accept");
    }
    close(lfd);
    write_all(p.fd, "readl 0x1000\n", 13);
    read_replies(&p, 1);
    p.spawn_ms = (now_s() - t0) * 1e3;
    return p;
}

static void stop(Peer *p)
{
    close(p->fd);
    kill(p->pid, SIGTERM);
    waitpid(p->pid, NULL, 0);
    g_string_free(p->in, TRUE);
}

typedef struct Result {
    double lockstep_us, pipelined_us, b64w_gbs, b64r_gbs, spawn_ms;
} Result;

static double lockstep(Peer *p)
{
    int n = 5000 * scale;
    double t0 = now_s();

    for (int i = 0; i < n; i++) {
        write_all(p->fd, "readl 0x1000\n", 13);
        read_replies(p, 1);
    }
    return (now_s() - t0) / n * 1e6;
}

static double pipelined(Peer *p)
{
    GString *batch = g_string_new(NULL);
    int batches = 50 * scale;
    double t0;

    for (int i = 0; i < 1000; i++) {
        g_string_append(batch, "readl 0x1000\n");
    }
    t0 = now_s();
    for (int b = 0; b < batches; b++) {
        write_all(p->fd, batch->str, batch->len);
        read_replies(p, 1000);
    }
    g_string_free(batch, TRUE);
    return (now_s() - t0) / (batches * 1000.0) * 1e6;
}

static double b64(Peer *p, bool write)
{
    const size_t size = 64 * 1024;
    int n = 500 * scale;
    g_autofree guchar *data = g_malloc(size);
    g_autofree char *enc = NULL;
    g_autofree char *line = NULL;
    double t0;

    for (size_t i = 0; i < size; i++) {
        data[i] = i * 13;
    }
    enc = g_base64_encode(data, size);
    line = write ? g_strdup_printf("b64write 0x100000 0x%zx %s\n", size, enc)
                 : g_strdup_printf("b64read 0x100000 0x%zx\n", size);
    t0 = now_s();
    for (int i = 0; i < n; i++) {
        write_all(p->fd, line, strlen(line));
        read_replies(p, 1);
    }
    return size * (double)n / (now_s() - t0) / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/*
 * The two servers are measured alternately, several rounds each, and the
 * best round of each is kept: on a shared 2-core machine any other load
 * slows one round, not the comparison.
 */
#define ROUNDS 7
#define SPAWNS 21

static void measure(char *const *argv[2], Result r[2])
{
    double spawns[2][SPAWNS];
    Peer p[2];

    for (int i = 0; i < SPAWNS; i++) {
        for (int k = 0; k < 2; k++) {
            Peer t = spawn(argv[k]);
            spawns[k][i] = t.spawn_ms;
            stop(&t);
        }
    }
    for (int k = 0; k < 2; k++) {
        qsort(spawns[k], SPAWNS, sizeof(double), cmp_double);
        r[k].spawn_ms = spawns[k][SPAWNS / 2];
        r[k].lockstep_us = r[k].pipelined_us = 1e9;
        p[k] = spawn(argv[k]);
        lockstep(&p[k]); /* warm-up */
    }
    for (int round = 0; round < ROUNDS; round++) {
        for (int k = 0; k < 2; k++) {
            r[k].lockstep_us = MIN(r[k].lockstep_us, lockstep(&p[k]));
            r[k].pipelined_us = MIN(r[k].pipelined_us, pipelined(&p[k]));
            r[k].b64w_gbs = MAX(r[k].b64w_gbs, b64(&p[k], true));
            r[k].b64r_gbs = MAX(r[k].b64r_gbs, b64(&p[k], false));
        }
    }
    for (int k = 0; k < 2; k++) {
        stop(&p[k]);
    }
}

int main(int argc, char **argv)
{
    g_autofree char *dir = g_dir_make_tmp("qtest-bench-XXXXXX", NULL);
    g_autofree char *spec = NULL;
    Result r[2] = {0}, q, e;

    if (argc < 3) {
        fprintf(stderr, "usage: %s QACCEL ECHO [scale]\n", argv[0]);
        return 2;
    }
    if (argc > 3) {
        scale = g_ascii_strtod(argv[3], NULL);
    }
    sock_path = g_build_filename(dir, "qtest.sock", NULL);
    spec = g_strdup_printf("unix:%s", sock_path);
    {
        char *qa[] = {argv[1], "-qtest",   spec,       "-qtest-log",
                      "none",  "-machine", "q35-lite", "-accel",
                      "qtest", "-display", "none",     NULL};
        char *ec[] = {argv[2], spec, NULL};
        char *const *argvs[2] = {ec, qa};
        measure(argvs, r);
        e = r[0];
        q = r[1];
    }
    printf("qtest server benchmark (floor = echo server, same transport; "
           "best of %d alternating rounds, spawn: median of %d)\n",
           ROUNDS, SPAWNS);
    printf("%-22s %12s %12s %8s  %s\n", "", "qaccel", "floor", "ratio",
           "target");
    printf("%-22s %9.2f us %9.2f us %7.2fx  <= 1.15x floor\n",
           "lock-step round trip", q.lockstep_us, e.lockstep_us,
           q.lockstep_us / e.lockstep_us);
    printf("%-22s %9.3f us %9.3f us %7.2fx  <= 20x floor\n",
           "pipelined (per cmd)", q.pipelined_us, e.pipelined_us,
           q.pipelined_us / e.pipelined_us);
    printf("%-22s %7.2f GB/s %7.2f GB/s %7.2fx  >= 1 GB/s\n", "b64write 64 KiB",
           q.b64w_gbs, e.b64w_gbs, e.b64w_gbs / q.b64w_gbs);
    printf("%-22s %7.2f GB/s %7.2f GB/s %7.2fx  >= 1 GB/s\n", "b64read 64 KiB",
           q.b64r_gbs, e.b64r_gbs, e.b64r_gbs / q.b64r_gbs);
    printf("%-22s %9.2f ms %9.2f ms %7.2fx  <= 3 ms after spawn\n",
           "spawn -> first reply", q.spawn_ms, e.spawn_ms,
           q.spawn_ms / e.spawn_ms);
    g_unlink(sock_path);
    g_rmdir(dir);
    g_free(sock_path);
    return 0;
}
