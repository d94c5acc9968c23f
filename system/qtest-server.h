/*
 * The qtest server: QEMU's qtest line protocol (docs/qtest.md) over a
 * chardev (system/chardev.h), plus qaccel's own commands (vcpu_exit,
 * hvc/smc, ecall, rdmsr/wrmsr).
 *
 * Use from main.c:
 *
 *     QaQtestServer *qt = qa_qtest_server_new(sys, "unix:/tmp/q.sock",
 *                                              log_path, &err);
 *     ... run the main loop ...
 *     qa_qtest_server_free(qt);   // flushes pending replies
 *
 * One server per process, as in QEMU.  Main thread only.
 */
#ifndef QACCEL_SYSTEM_QTEST_SERVER_H
#define QACCEL_SYSTEM_QTEST_SERVER_H

#include <qaccel/runstate.h>

G_BEGIN_DECLS

/* Longest request line accepted (bytes, without the newline): larger
 * lines get "FAIL line too long" and are discarded. */
#define QA_QTEST_LINE_MAX (16u * 1024 * 1024)

typedef struct QaQtestServer QaQtestServer;

/**
 * qa_qtest_server_new: serve qtest for @sys on @chardev_spec ("unix:PATH"
 * connects to a listening test, "unix:PATH,server=on,wait=off" listens,
 * "stdio", or a "socket,path=..." -chardev value).  @log_path is the
 * -qtest-log value: NULL logs to stderr (as QEMU does), "none" disables
 * the log, anything else is a file created or truncated.  Fails with
 * QA_ERROR_INVALID (bad spec), QA_ERROR_IO (socket or log file) or
 * QA_ERROR_EXISTS (a server already exists).
 */
QaQtestServer *qa_qtest_server_new(QaSystem *sys, const char *chardev_spec,
                                   const char *log_path, GError **error);

typedef enum {
    /*
     * Read the connection on its own thread (blocking recv) and run each
     * command under the qtest lock, which the main thread holds except
     * while its GLib main context polls: a lock-step request then costs
     * the same system calls as in a plain blocking server.  Only for a
     * process whose main thread runs the default main context in a loop
     * (g_main_loop_run), like qaccel's main.c.  Without it, input is read
     * from the main context, which an embedder may pump by hand.
     */
    QA_QTEST_SERVER_THREADED = 1 << 0,
} QaQtestServerFlags;

/**
 * qa_qtest_server_new_full: qa_qtest_server_new() with @flags
 * (QaQtestServerFlags).
 */
QaQtestServer *qa_qtest_server_new_full(QaSystem *sys, const char *chardev_spec,
                                        const char *log_path, unsigned flags,
                                        GError **error);

/**
 * qa_qtest_server_free: flush pending replies (bounded wait), close the
 * connection and the log.  NULL is ok.
 */
void qa_qtest_server_free(QaQtestServer *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QaQtestServer, qa_qtest_server_free)

/**
 * qa_qtest_server_flush: write out pending replies, blocking up to
 * @timeout_ms (call before exit() if the server is not freed).
 */
void qa_qtest_server_flush(QaQtestServer *s, int timeout_ms);

G_END_DECLS

#endif
