/*
 * Character-device transports for the control plane (qtest and QMP).
 *
 * A QaChardev is built from a QEMU-style spec and runs on a GLib main
 * context.  It hands the server a QaChardevConn for every connection:
 *
 *   unix:PATH                      connect to a listening peer (as QEMU's
 *                                  -qtest unix:PATH does)
 *   unix:PATH,server=on,wait=off   listen on PATH; any number of peers
 *   stdio                          one connection on fds 0 and 1
 *   socket,path=PATH,id=ID[,server=on,wait=off]
 *                                  the -chardev form (client unless
 *                                  server=on)
 *
 * "server" and "nowait" are accepted as the legacy spellings of
 * server=on and wait=off.  wait=on (the QEMU default for a server) is not
 * supported: a listening chardev never blocks start-up.
 *
 * Input is delivered in chunks as it arrives; output is buffered per
 * connection and written when qa_chardev_conn_flush() is called (servers
 * flush once per input chunk, so pipelined requests cost one write), or
 * later from the main loop when the peer is slow.  Nothing is dropped
 * while the peer is connected.  Main thread only.
 */
#ifndef QACCEL_SYSTEM_CHARDEV_H
#define QACCEL_SYSTEM_CHARDEV_H

#include <stdbool.h>
#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    QA_CHARDEV_UNIX_CLIENT,
    QA_CHARDEV_UNIX_SERVER,
    QA_CHARDEV_STDIO,
} QaChardevKind;

typedef struct QaChardevSpec {
    QaChardevKind kind;
    char *path; /* unix kinds */
    char *id;   /* -chardev id=, may be NULL */
} QaChardevSpec;

typedef struct QaChardev QaChardev;
typedef struct QaChardevConn QaChardevConn;

typedef struct QaChardevHandlers {
    /* A connection opened; return per-connection state for the others. */
    void *(*open)(void *opaque, QaChardevConn *conn);
    /* @len bytes arrived on @conn; @buf may be modified in place and is
     * valid only during the call. */
    void (*input)(void *opaque, void *conn_state, char *buf, size_t len);
    /* The peer closed (or an I/O error occurred); @conn is freed after. */
    void (*close)(void *opaque, void *conn_state);
} QaChardevHandlers;

/**
 * qa_chardev_spec_parse: parse @spec (see above) into @out (caller frees
 * with qa_chardev_spec_clear).  Fails with QA_ERROR_INVALID naming the
 * offending option.
 */
bool qa_chardev_spec_parse(const char *spec, QaChardevSpec *out,
                           GError **error);

/** qa_chardev_spec_clear: free the strings of @spec. */
void qa_chardev_spec_clear(QaChardevSpec *spec);

/**
 * qa_chardev_find: among @chardevs (the values of every -chardev option,
 * NULL-terminated, may be NULL) the one whose id= is @id; returns a
 * borrowed pointer or NULL with QA_ERROR_NOT_FOUND.
 */
const char *qa_chardev_find(const char *const *chardevs, const char *id,
                            GError **error);

/**
 * qa_chardev_new: open the transport of @spec on @ctx (NULL = default
 * context).  A client connects synchronously, so the peer sees the
 * connection before this returns; a server is listening on return.
 * Fails with QA_ERROR_IO naming the path and the system error.
 * @handlers and @opaque must outlive the chardev.
 */
QaChardev *qa_chardev_new(const char *spec, GMainContext *ctx,
                          const QaChardevHandlers *handlers, void *opaque,
                          GError **error);

/**
 * qa_chardev_new_full: qa_chardev_new() with threaded input: when @lock
 * is non-NULL, each socket connection gets a reader thread that blocks in
 * recv() and calls the input handler with @lock held (stdio and accepting
 * stay on the main loop).  The caller must hold @lock whenever it runs
 * chardev code or the handlers' shared state on another thread, and when
 * it calls qa_chardev_free().  This saves the poll() of every lock-step
 * round trip (see docs/qtest.md, "Speed").
 */
QaChardev *qa_chardev_new_full(const char *spec, GMainContext *ctx,
                               const QaChardevHandlers *handlers, void *opaque,
                               GMutex *lock, GError **error);

/**
 * qa_chardev_conn_drain: write @conn's pending output until at most @max
 * bytes remain; a closed connection's output is dropped.  With threaded
 * input (a reader thread calls this) it waits for the peer as long as
 * needed, as QEMU's blocking writes do, which bounds the memory pipelined
 * requests with large replies can take; on the main loop it only starts
 * a non-blocking flush.
 */
void qa_chardev_conn_drain(QaChardevConn *conn, size_t max);

/**
 * qa_chardev_free: close every connection (after a blocking flush of
 * pending output, bounded by a short timeout), stop listening and remove
 * the socket file of a server.  NULL is ok.  The close handler is not
 * called.
 */
void qa_chardev_free(QaChardev *chr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QaChardev, qa_chardev_free)

/** qa_chardev_describe: the spec the chardev was made from (borrowed). */
const char *qa_chardev_describe(QaChardev *chr);

/**
 * qa_chardev_conn_write: append @len bytes to @conn's output buffer.
 * Never fails; output to a closed connection is discarded.
 */
void qa_chardev_conn_write(QaChardevConn *conn, const void *buf, size_t len);

/**
 * qa_chardev_conn_outbuf: the output buffer itself, for servers that
 * format replies in place (append only).
 */
GString *qa_chardev_conn_outbuf(QaChardevConn *conn);

/**
 * qa_chardev_conn_flush: write as much buffered output as the peer takes
 * now without blocking; the rest is written from the main loop.
 */
void qa_chardev_conn_flush(QaChardevConn *conn);

/**
 * qa_chardev_flush_all: flush every connection of @chr, blocking up to
 * @timeout_ms for slow peers (used before the process exits).
 */
void qa_chardev_flush_all(QaChardev *chr, int timeout_ms);

/** qa_chardev_conn_close: drop @conn (the close handler runs from idle). */
void qa_chardev_conn_close(QaChardevConn *conn);

G_END_DECLS

#endif
