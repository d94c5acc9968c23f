/*
 * Socket and stdio transports for qtest and QMP, on GIO and the GLib main
 * loop.  Sockets are created, bound, connected and accepted with GSocket;
 * the data path uses the file descriptors directly (recv/send with
 * MSG_NOSIGNAL) so that a request costs one read and its reply one write.
 */
#include "system/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>

#include <qaccel/error.h>

#define READ_CHUNK (256 * 1024)

struct QaChardevConn {
    QaChardev *chr;
    GSocket *sock; /* NULL for stdio */
    int in_fd, out_fd;
    bool is_socket;
    GSource *in_src;
    GSource *out_src;
    GString *out;
    size_t out_pos; /* bytes of out already written */
    void *state;
    bool closed;     /* dead: output discarded, close pending */
    GThread *reader; /* threaded input (qa_chardev_new_full) */
    bool stopping;   /* the reader must exit without touching us */
};

struct QaChardev {
    QaChardevSpec spec;
    char *desc;
    GMainContext *ctx;
    const QaChardevHandlers *handlers;
    void *opaque;
    GSocket *listener;
    GSource *listen_src;
    GPtrArray *conns;  /* QaChardevConn * */
    GSource *reap_src; /* idle: finalize closed connections */
    char *rbuf;
    GMutex *lock; /* non-NULL: socket input on reader threads */
};

/* ---- connections ----------------------------------------------------- */

/*
 * Stop the reader threads of @conns.  Called with chr->lock held (main
 * thread, outside poll), which the readers may be waiting for: release it
 * while joining.  Every reader is told to stop before the lock is
 * released, so none runs the input handler once teardown has begun.
 */
static void stop_readers(QaChardev *chr, QaChardevConn **conns, guint n)
{
    bool any = false;

    for (guint i = 0; i < n; i++) {
        if (conns[i]->reader) {
            conns[i]->stopping = true;
            shutdown(conns[i]->in_fd, SHUT_RDWR);
            any = true;
        }
    }
    if (!any) {
        return;
    }
    g_mutex_unlock(chr->lock);
    for (guint i = 0; i < n; i++) {
        if (conns[i]->reader) {
            g_thread_join(conns[i]->reader);
            conns[i]->reader = NULL;
        }
    }
    g_mutex_lock(chr->lock);
}

static void conn_free(QaChardevConn *conn)
{
    stop_readers(conn->chr, &conn, 1);
    if (conn->in_src) {
        g_source_destroy(conn->in_src);
        g_source_unref(conn->in_src);
    }
    if (conn->out_src) {
        g_source_destroy(conn->out_src);
        g_source_unref(conn->out_src);
    }
    if (conn->sock) {
        g_socket_close(conn->sock, NULL);
        g_object_unref(conn->sock);
    }
    g_string_free(conn->out, TRUE);
    g_free(conn);
}

static gboolean reap_cb(gpointer opaque)
{
    QaChardev *chr = opaque;

    g_source_unref(chr->reap_src);
    chr->reap_src = NULL;
    for (guint i = 0; i < chr->conns->len;) {
        QaChardevConn *conn = g_ptr_array_index(chr->conns, i);
        if (!conn->closed) {
            i++;
            continue;
        }
        g_ptr_array_remove_index(chr->conns, i);
        if (chr->handlers->close) {
            chr->handlers->close(chr->opaque, conn->state);
        }
        conn_free(conn);
    }
    return G_SOURCE_REMOVE;
}

void qa_chardev_conn_close(QaChardevConn *conn)
{
    QaChardev *chr = conn->chr;

    if (conn->closed) {
        return;
    }
    conn->closed = true;
    g_string_truncate(conn->out, 0);
    conn->out_pos = 0;
    if (!chr->reap_src) {
        chr->reap_src = g_idle_source_new();
        g_source_set_priority(chr->reap_src, G_PRIORITY_HIGH);
        g_source_set_callback(chr->reap_src, reap_cb, chr, NULL);
        g_source_attach(chr->reap_src, chr->ctx);
    }
}

static gboolean out_ready_cb(int fd, GIOCondition cond, gpointer opaque);

/* Write what the peer takes now; returns false on a fatal error. */
static bool conn_try_write(QaChardevConn *conn)
{
    while (conn->out_pos < conn->out->len) {
        const char *p = conn->out->str + conn->out_pos;
        size_t n = conn->out->len - conn->out_pos;
        ssize_t r = conn->is_socket ? send(conn->out_fd, p, n, MSG_NOSIGNAL)
                                    : write(conn->out_fd, p, n);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return true;
            }
            g_debug("chardev %s: write: %s", conn->chr->desc,
                    g_strerror(errno));
            return false;
        }
        conn->out_pos += r;
    }
    g_string_truncate(conn->out, 0);
    conn->out_pos = 0;
    return true;
}

void qa_chardev_conn_flush(QaChardevConn *conn)
{
    if (conn->closed || conn->out_pos >= conn->out->len) {
        return;
    }
    if (!conn_try_write(conn)) {
        qa_chardev_conn_close(conn);
        return;
    }
    if (conn->out->len && !conn->out_src) {
        conn->out_src = g_unix_fd_source_new(conn->out_fd, G_IO_OUT);
        g_source_set_callback(conn->out_src, G_SOURCE_FUNC(out_ready_cb), conn,
                              NULL);
        g_source_attach(conn->out_src, conn->chr->ctx);
    }
}

void qa_chardev_conn_drain(QaChardevConn *conn, size_t max)
{
    while (!conn->closed && conn->out->len - conn->out_pos > max) {
        struct pollfd pfd = {.fd = conn->out_fd, .events = POLLOUT};

        if (!conn_try_write(conn)) {
            qa_chardev_conn_close(conn);
            break;
        }
        if (conn->out->len - conn->out_pos <= max) {
            break;
        }
        if (!conn->chr->lock) {
            /* on the main loop: the peer may be served by this thread */
            qa_chardev_conn_flush(conn);
            break;
        }
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
            qa_chardev_conn_close(conn);
            break;
        }
    }
    if (conn->closed) {
        /* nothing will be written: do not let replies pile up */
        g_string_truncate(conn->out, 0);
        conn->out_pos = 0;
    }
}

static gboolean out_ready_cb(int fd, GIOCondition cond, gpointer opaque)
{
    QaChardevConn *conn = opaque;

    if (!conn_try_write(conn)) {
        qa_chardev_conn_close(conn);
    }
    if (conn->closed || conn->out->len == 0) {
        g_source_unref(conn->out_src);
        conn->out_src = NULL;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean in_ready_cb(int fd, GIOCondition cond, gpointer opaque)
{
    QaChardevConn *conn = opaque;
    QaChardev *chr = conn->chr;
    ssize_t n;

    if (conn->closed) {
        return G_SOURCE_CONTINUE;
    }
    do {
        n = read(conn->in_fd, chr->rbuf, READ_CHUNK);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return G_SOURCE_CONTINUE;
    }
    if (n <= 0) {
        /* Peer gone: deliver nothing more, but keep what it sent. */
        g_source_unref(conn->in_src);
        conn->in_src = NULL;
        qa_chardev_conn_close(conn);
        return G_SOURCE_REMOVE;
    }
    chr->handlers->input(chr->opaque, conn->state, chr->rbuf, n);
    qa_chardev_conn_flush(conn);
    return G_SOURCE_CONTINUE;
}

/*
 * Threaded input: a blocking recv() per request, as a plain server would
 * do, instead of poll() + read() through the main loop.  The handler runs
 * with chr->lock held; output still goes through the non-blocking path
 * above (and the main loop for leftovers), so a peer that does not read
 * can never block the reader.
 */
static gpointer reader_thread(gpointer opaque)
{
    QaChardevConn *conn = opaque;
    QaChardev *chr = conn->chr;
    g_autofree char *buf = g_malloc(READ_CHUNK);

    for (;;) {
        ssize_t n = recv(conn->in_fd, buf, READ_CHUNK, 0);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        g_mutex_lock(chr->lock);
        if (conn->stopping) {
            g_mutex_unlock(chr->lock);
            return NULL;
        }
        if (n <= 0 || conn->closed) {
            qa_chardev_conn_close(conn);
            g_mutex_unlock(chr->lock);
            return NULL;
        }
        chr->handlers->input(chr->opaque, conn->state, buf, n);
        qa_chardev_conn_flush(conn);
        g_mutex_unlock(chr->lock);
    }
}

static QaChardevConn *conn_new(QaChardev *chr, GSocket *sock, int in_fd,
                               int out_fd)
{
    QaChardevConn *conn = g_new0(QaChardevConn, 1);

    conn->chr = chr;
    conn->sock = sock;
    conn->is_socket = sock != NULL;
    conn->in_fd = in_fd;
    conn->out_fd = out_fd;
    conn->out = g_string_sized_new(4096);
    g_ptr_array_add(chr->conns, conn);
    if (chr->handlers->open) {
        conn->state = chr->handlers->open(chr->opaque, conn);
    }
    /* open() may have queued a greeting; send it at once. */
    qa_chardev_conn_flush(conn);
    if (chr->lock && sock) {
        /* blocking receives; sends use MSG_DONTWAIT */
        fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) & ~O_NONBLOCK);
        conn->reader = g_thread_new("qaccel-chardev", reader_thread, conn);
        return conn;
    }
    conn->in_src = g_unix_fd_source_new(in_fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
    /*
     * GLib "blocks" a non-recursive source while dispatching it, which
     * removes and re-adds its fd and signals the context's wakeup fd
     * twice per request: two extra system calls on every round trip.
     * Nothing here runs a nested main loop, so recursion is harmless.
     */
    g_source_set_can_recurse(conn->in_src, TRUE);
    g_source_set_callback(conn->in_src, G_SOURCE_FUNC(in_ready_cb), conn, NULL);
    g_source_attach(conn->in_src, chr->ctx);
    return conn;
}

static gboolean accept_cb(int fd, GIOCondition cond, gpointer opaque)
{
    QaChardev *chr = opaque;
    g_autoptr(GError) err = NULL;
    GSocket *sock = g_socket_accept(chr->listener, NULL, &err);

    if (!sock) {
        if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
            g_warning("chardev %s: accept: %s", chr->desc, err->message);
        }
        return G_SOURCE_CONTINUE;
    }
    g_socket_set_blocking(sock, FALSE);
    conn_new(chr, sock, g_socket_get_fd(sock), g_socket_get_fd(sock));
    return G_SOURCE_CONTINUE;
}

/* ---- chardev --------------------------------------------------------- */

static bool open_client(QaChardev *chr, GError **error)
{
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(chr->spec.path);
    g_autoptr(GError) err = NULL;
    GSocket *sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_DEFAULT, &err);

    if (!sock || !g_socket_connect(sock, addr, NULL, &err)) {
        g_set_error(error, QA_ERROR, QA_ERROR_IO,
                    "Failed to connect to '%s': %s", chr->spec.path,
                    err->message);
        g_clear_object(&sock);
        return false;
    }
    g_socket_set_blocking(sock, FALSE);
    conn_new(chr, sock, g_socket_get_fd(sock), g_socket_get_fd(sock));
    return true;
}

static bool open_server(QaChardev *chr, GError **error)
{
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(chr->spec.path);
    g_autoptr(GError) err = NULL;

    /* As QEMU does: a stale socket file must not stop a restart. */
    unlink(chr->spec.path);
    chr->listener = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_DEFAULT, &err);
    if (!chr->listener || !g_socket_bind(chr->listener, addr, FALSE, &err) ||
        !g_socket_listen(chr->listener, &err)) {
        g_set_error(error, QA_ERROR, QA_ERROR_IO,
                    "Failed to listen on '%s': %s", chr->spec.path,
                    err->message);
        return false;
    }
    g_socket_set_blocking(chr->listener, FALSE);
    chr->listen_src =
        g_unix_fd_source_new(g_socket_get_fd(chr->listener), G_IO_IN);
    g_source_set_callback(chr->listen_src, G_SOURCE_FUNC(accept_cb), chr, NULL);
    g_source_attach(chr->listen_src, chr->ctx);
    return true;
}

QaChardev *qa_chardev_new(const char *spec, GMainContext *ctx,
                          const QaChardevHandlers *handlers, void *opaque,
                          GError **error)
{
    return qa_chardev_new_full(spec, ctx, handlers, opaque, NULL, error);
}

QaChardev *qa_chardev_new_full(const char *spec, GMainContext *ctx,
                               const QaChardevHandlers *handlers, void *opaque,
                               GMutex *lock, GError **error)
{
    g_autoptr(QaChardev) chr = g_new0(QaChardev, 1);
    bool ok;

    chr->desc = g_strdup(spec);
    chr->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
    chr->handlers = handlers;
    chr->opaque = opaque;
    chr->lock = lock;
    chr->conns = g_ptr_array_new();
    chr->rbuf = g_malloc(READ_CHUNK);
    if (!qa_chardev_spec_parse(spec, &chr->spec, error)) {
        return NULL;
    }
    switch (chr->spec.kind) {
    case QA_CHARDEV_UNIX_CLIENT:
        ok = open_client(chr, error);
        break;
    case QA_CHARDEV_UNIX_SERVER:
        ok = open_server(chr, error);
        break;
    default:
        /* A vanished stdout reader must not kill the process. */
        signal(SIGPIPE, SIG_IGN);
        conn_new(chr, NULL, STDIN_FILENO, STDOUT_FILENO);
        ok = true;
        break;
    }
    return ok ? g_steal_pointer(&chr) : NULL;
}

void qa_chardev_flush_all(QaChardev *chr, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (guint i = 0; i < chr->conns->len; i++) {
        QaChardevConn *conn = g_ptr_array_index(chr->conns, i);

        while (!conn->closed && conn->out->len) {
            int left = (deadline - g_get_monotonic_time()) / 1000;
            struct pollfd pfd = {.fd = conn->out_fd, .events = POLLOUT};

            if (!conn_try_write(conn)) {
                qa_chardev_conn_close(conn);
                break;
            }
            if (!conn->out->len || left <= 0 || poll(&pfd, 1, left) <= 0) {
                break;
            }
        }
    }
}

void qa_chardev_free(QaChardev *chr)
{
    if (!chr) {
        return;
    }
    if (chr->conns) {
        qa_chardev_flush_all(chr, 1000);
        stop_readers(chr, (QaChardevConn **)chr->conns->pdata, chr->conns->len);
        for (guint i = 0; i < chr->conns->len; i++) {
            conn_free(g_ptr_array_index(chr->conns, i));
        }
        g_ptr_array_free(chr->conns, TRUE);
    }
    if (chr->reap_src) {
        g_source_destroy(chr->reap_src);
        g_source_unref(chr->reap_src);
    }
    if (chr->listen_src) {
        g_source_destroy(chr->listen_src);
        g_source_unref(chr->listen_src);
    }
    if (chr->listener) {
        g_socket_close(chr->listener, NULL);
        g_object_unref(chr->listener);
        unlink(chr->spec.path);
    }
    if (chr->ctx) {
        g_main_context_unref(chr->ctx);
    }
    qa_chardev_spec_clear(&chr->spec);
    g_free(chr->rbuf);
    g_free(chr->desc);
    g_free(chr);
}

const char *qa_chardev_describe(QaChardev *chr)
{
    return chr->desc;
}

void qa_chardev_conn_write(QaChardevConn *conn, const void *buf, size_t len)
{
    if (!conn->closed) {
        g_string_append_len(conn->out, buf, len);
    }
}

GString *qa_chardev_conn_outbuf(QaChardevConn *conn)
{
    return conn->out;
}
