/*
 * libqtest: a black-box test client for qaccel, in the shape of QEMU's
 * tests/qtest/libqtest.h.  It links no qaccel code: it starts the qaccel
 * binary (path from $QTEST_QACCEL_BINARY, set by meson) the way QEMU's
 * harness starts QEMU -- it listens on two UNIX sockets and runs
 *
 *   qaccel -qtest unix:QTEST -qtest-log none
 *          -chardev socket,path=QMP,id=char0 -mon chardev=char0,mode=control
 *          -display none -machine q35-lite -accel qtest EXTRA...
 *
 * (-machine and -accel are left out when EXTRA names its own), then
 * accepts the qtest connection, then the QMP one, and negotiates QMP
 * capabilities.  Set QTEST_LOG=1 to send the qtest log to stderr.
 *
 * The plain functions assert (g_assert / g_error) on protocol errors, as
 * QEMU's do; the *_full/_raw/_next functions return errors instead, for
 * the scenario runner.  JSON values are json-glib objects owned by the
 * caller (json_object_unref).  Every wait has a timeout ($QTEST_TIMEOUT
 * seconds, default 60).
 */
#ifndef QACCEL_LIBQTEST_H
#define QACCEL_LIBQTEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <glib.h>
#include <json-glib/json-glib.h>

typedef struct QTestState QTestState;

/* ---- life cycle ------------------------------------------------------ */

/**
 * qtest_init_argv: start qaccel with the extra arguments @argv
 * (NULL-terminated, may be NULL).  Returns NULL with an error if the
 * binary cannot be started or does not connect in time.
 */
QTestState *qtest_init_argv(const char *const *argv, GError **error);

/** qtest_init: start qaccel with @extra_args (shell-split); asserts. */
QTestState *qtest_init(const char *extra_args);

/** qtest_initf: qtest_init() with printf-style arguments. */
QTestState *qtest_initf(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/**
 * qtest_set_expected_status: the exit status qtest_quit() expects
 * (default 0).
 */
void qtest_set_expected_status(QTestState *s, int status);

/**
 * qtest_wait_exit: wait up to @timeout_ms for qaccel to exit by itself;
 * returns its exit status, or -1 with an error (timeout, killed by a
 * signal).  Does not kill it.
 */
int qtest_wait_exit(QTestState *s, int timeout_ms, GError **error);

/**
 * qtest_quit: if qaccel still runs, send SIGTERM; wait for it, assert the
 * expected exit status (or that it was not killed by a signal), and free
 * @s.
 */
void qtest_quit(QTestState *s);

/**
 * qtest_quit_full: the same without asserting: returns the exit status,
 * or -1 with an error.  Frees @s.
 */
int qtest_quit_full(QTestState *s, GError **error);

/** qtest_pid: the qaccel process. */
pid_t qtest_pid(QTestState *s);

/** qtest_set_timeout: per-wait timeout in ms for later calls. */
void qtest_set_timeout(QTestState *s, int timeout_ms);

/* ---- qtest protocol -------------------------------------------------- */

/**
 * qtest_raw_full: send @line (no newline) and return the reply line
 * without its newline, skipping (and recording) asynchronous IRQ lines.
 * NULL with an error on timeout or EOF.
 */
char *qtest_raw_full(QTestState *s, const char *line, GError **error);

/** qtest_rawf: printf-style qtest_raw_full(); asserts a reply came. */
char *qtest_rawf(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/**
 * qtest_send_bytes: write raw bytes to the qtest socket (for tests of
 * malformed input); the caller reads the replies with qtest_read_reply.
 */
bool qtest_send_bytes(QTestState *s, const void *buf, size_t len,
                      GError **error);

/** qtest_close_qtest: hang up the qtest connection (QMP stays). */
void qtest_close_qtest(QTestState *s);

/** qtest_read_reply: the next non-IRQ reply line (see qtest_raw_full). */
char *qtest_read_reply(QTestState *s, GError **error);

void qtest_outb(QTestState *s, uint16_t port, uint8_t v);
void qtest_outw(QTestState *s, uint16_t port, uint16_t v);
void qtest_outl(QTestState *s, uint16_t port, uint32_t v);
uint8_t qtest_inb(QTestState *s, uint16_t port);
uint16_t qtest_inw(QTestState *s, uint16_t port);
uint32_t qtest_inl(QTestState *s, uint16_t port);
void qtest_writeb(QTestState *s, uint64_t addr, uint8_t v);
void qtest_writew(QTestState *s, uint64_t addr, uint16_t v);
void qtest_writel(QTestState *s, uint64_t addr, uint32_t v);
void qtest_writeq(QTestState *s, uint64_t addr, uint64_t v);
uint8_t qtest_readb(QTestState *s, uint64_t addr);
uint16_t qtest_readw(QTestState *s, uint64_t addr);
uint32_t qtest_readl(QTestState *s, uint64_t addr);
uint64_t qtest_readq(QTestState *s, uint64_t addr);
/* read/write (hex) */
void qtest_memread(QTestState *s, uint64_t addr, void *buf, size_t size);
void qtest_memwrite(QTestState *s, uint64_t addr, const void *buf, size_t size);
/* b64read/b64write */
void qtest_bufread(QTestState *s, uint64_t addr, void *buf, size_t size);
void qtest_bufwrite(QTestState *s, uint64_t addr, const void *buf, size_t size);
void qtest_memset(QTestState *s, uint64_t addr, uint8_t pattern, size_t size);

/** qtest_clock_step: advance the virtual clock by @ns; the new value. */
int64_t qtest_clock_step(QTestState *s, int64_t ns);
/** qtest_clock_set: advance the virtual clock to @ns; the new value. */
int64_t qtest_clock_set(QTestState *s, int64_t ns);

void qtest_irq_intercept_in(QTestState *s, const char *path);
void qtest_irq_intercept_out(QTestState *s, const char *path);
/** qtest_get_irq: the last level reported for intercepted line @n. */
bool qtest_get_irq(QTestState *s, int n);
void qtest_set_irq_in(QTestState *s, const char *path, const char *name,
                      int num, int level);

/* ---- QMP ------------------------------------------------------------- */

/**
 * qtest_vjsonf: expand a JSON template: 'single-quoted' strings become
 * JSON strings; %s interpolates a JSON string, %d %i %u (with h, l, ll,
 * z) integers, %f a double, %% a percent sign.  Returns a new string.
 */
char *qtest_vjsonf(const char *fmt, va_list ap);

/**
 * qtest_json_requote: @text with 'single-quoted' strings turned into JSON
 * strings and nothing interpolated (new string).
 */
char *qtest_json_requote(const char *text);

/** qtest_qmp_send_raw: write @text (not checked) to the QMP socket. */
bool qtest_qmp_send_raw(QTestState *s, const char *text, GError **error);

/** qtest_qmp_send: send a JSON command built from a template. */
void qtest_qmp_send(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/**
 * qtest_qmp_receive_full: the next QMP message that is not an event
 * (events are queued for qtest_qmp_event_next); NULL with an error on
 * timeout/EOF/bad JSON.
 */
JsonObject *qtest_qmp_receive_full(QTestState *s, GError **error);

/** qtest_qmp_receive: the same; asserts. */
JsonObject *qtest_qmp_receive(QTestState *s);

/**
 * qtest_qmp: send a command (template, see qtest_vjsonf) and return its
 * response ({"return": ...} or {"error": ...}); asserts one arrives.
 */
JsonObject *qtest_qmp(QTestState *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/** qtest_qmp_assert_success: qtest_qmp() and assert a "return". */
void qtest_qmp_assert_success(QTestState *s, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/**
 * qtest_qmp_event_next: the oldest event not yet taken (queued or read
 * within @timeout_ms; 0 = only what is already buffered or readable now),
 * or NULL with an error on timeout.
 */
JsonObject *qtest_qmp_event_next(QTestState *s, int timeout_ms, GError **error);

/** qtest_qmp_event_pending: how many events are queued. */
guint qtest_qmp_event_pending(QTestState *s);

/**
 * qtest_qmp_eventwait_ref: wait for event @name, dropping other events
 * before it; returns it.  Asserts on timeout.
 */
JsonObject *qtest_qmp_eventwait_ref(QTestState *s, const char *name);

/** qtest_qmp_eventwait: the same, discarding the event. */
void qtest_qmp_eventwait(QTestState *s, const char *name);

/** qtest_system_reset: QMP system_reset; waits for RESET. */
void qtest_system_reset(QTestState *s);

/** qtest_query_status: the runstate string from query-status (new). */
char *qtest_query_status(QTestState *s);

/* ---- extra raw connections (servers qaccel listens on) ---------------- */

typedef struct QTestRawConn QTestRawConn;

/**
 * qtest_tmp_path: a new path for @name inside @s's private directory
 * (for -qmp unix:PATH,server=on,wait=off).  Removed by qtest_quit().
 */
char *qtest_tmp_path(QTestState *s, const char *name);

/** qtest_raw_connect: connect to the UNIX socket @path (retries briefly). */
QTestRawConn *qtest_raw_connect(const char *path, GError **error);

/** qtest_raw_write: send @len bytes. */
bool qtest_raw_write(QTestRawConn *c, const void *buf, size_t len,
                     GError **error);

/**
 * qtest_raw_readline: the next line without "\n" (and without a "\r"
 * before it), or NULL with an error on timeout or EOF.
 */
char *qtest_raw_readline(QTestRawConn *c, int timeout_ms, GError **error);

/** qtest_raw_close: close and free. NULL is ok. */
void qtest_raw_close(QTestRawConn *c);

/**
 * qtest_json_subset: whether @want is a subset of @have: every member of
 * an object in @want exists in @have with a matching value (recursively);
 * arrays must have equal length and match element-wise; scalars equal.
 */
bool qtest_json_subset(JsonNode *want, JsonNode *have);

/** qtest_json_to_string: compact text of @node (new string). */
char *qtest_json_to_string(JsonNode *node);

#endif
