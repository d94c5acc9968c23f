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
 * The machine is the built-in config named by $QA_FUZZ_MACHINE
 * (q35-lite, virt-arm64 or virt-riscv64; default q35-lite).  It lives
 * across inputs, as a qtest session does; a crash that needs earlier
 * inputs is reproduced by re-running the driver with the same -seed.
 * At start-up a fixed session checks the over-long-line path once (a
 * 16 MiB + 1 line is too big for a fuzzer input).
 */
#include <string.h>
#include <qaccel/machine.h>
#include "system/qtest-server.h"
#include "fuzz.h"
#include "fuzz-peer.h"
#include "qtest-gen.h"

/* First byte of a structured input (qtest-gen.c); else the input is text. */
#define QTEST_GEN_MARK 0xff

static struct {
    QaSystem *sys;
    QaQtestServer *srv;
    FuzzPeer peer;
    guint replies; /* reply lines seen since the last reset */
} q;

/* Account for every complete line received so far. */
static void take_lines(void)
{
    GString *rx = q.peer.rx;
    char *nl;

    while ((nl = memchr(rx->str, '\n', rx->len))) {
        size_t len = nl - rx->str;

        if (q.peer.verbose) {
            g_printerr("<< %.*s\n", (int)len, rx->str);
        }
        if (!(len >= 4 && !strncmp(rx->str, "IRQ ", 4))) {
            fuzz_check((len >= 2 && !strncmp(rx->str, "OK", 2)) ||
                           (len >= 4 && !strncmp(rx->str, "FAIL", 4)) ||
                           (len >= 3 && !strncmp(rx->str, "ERR", 3)),
                       "reply '%.*s'", (int)MIN(len, 200), rx->str);
            q.replies++;
        }
        g_string_erase(rx, 0, len + 1);
    }
}

/* Block until @want replies arrived since the count was reset. */
static void wait_replies(guint want)
{
    fuzz_peer_pump(&q.peer);
    take_lines();
    while (q.replies < want) {
        fuzz_peer_wait(&q.peer);
        take_lines();
    }
    fuzz_check(q.replies == want, "%u replies to %u lines", q.replies, want);
}

/* The over-long line: one FAIL, and the connection still works. */
static void check_long_line(void)
{
    size_t n = QA_QTEST_LINE_MAX + 1;
    g_autofree char *line = g_malloc(n);

    memset(line, 'a', n);
    q.replies = 0;
    fuzz_peer_send(&q.peer, line, n);
    fuzz_peer_send(&q.peer, "\nendianness\n", 12);
    wait_replies(2);
}

static void init(void)
{
    g_autofree char *spec = NULL;
    g_autoptr(GError) err = NULL;

    fuzz_quiet_logs();
    q.sys = fuzz_system_start();
    spec = fuzz_peer_listen(&q.peer);
    /* log "none": a long run would write gigabytes of protocol log */
    q.srv = qa_qtest_server_new(q.sys, spec, "none", &err);
    if (!q.srv) {
        g_printerr("fuzz-qtest: %s: %s\n", spec, err->message);
        abort();
    }
    fuzz_peer_accept(&q.peer);
    fuzz_peer_pump(&q.peer);
    check_long_line();
    qtest_gen_init(qa_system_machine(q.sys));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *stream = NULL;
    size_t len = size;
    guint lines = 0;
    FuzzChunker ck;

    if (!q.srv) {
        init();
    }
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
            if (q.peer.verbose) {
                g_printerr(">> %.*s\n", (int)MIN(i - start, (size_t)300),
                           stream + start);
            }
            start = i + 1;
        }
    }

    q.replies = 0;
    fuzz_chunker_init(&ck, data, size);
    for (size_t off = 0, n; off < len; off += n) {
        n = fuzz_chunker_next(&ck, len - off);
        fuzz_peer_send(&q.peer, stream + off, n);
        fuzz_peer_pump(&q.peer);
        take_lines();
    }
    wait_replies(lines);
    /* Requests the lines posted (reset, shutdown, panic) run now. */
    qa_system_process_requests(q.sys);
    return 0;
}
