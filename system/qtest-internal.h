/*
 * Internals shared by the qtest server files: qtest-server.c (transport,
 * lexing, dispatch, log), qtest-cmds.c (QEMU's commands) and
 * qtest-inject.c (qaccel's commands).  Not a public header.
 */
#ifndef QACCEL_SYSTEM_QTEST_INTERNAL_H
#define QACCEL_SYSTEM_QTEST_INTERNAL_H

#include <stdio.h>
#include <qaccel/machine.h>
#include <qaccel/runstate.h>
#include "system/chardev.h"
#include "system/qtest-server.h"

#define QTEST_MAX_WORDS 48
#define QTEST_MAX_IRQ 256

typedef struct QtestConn QtestConn;

struct QaQtestServer {
    QaSystem *sys;
    QaMachine *m;
    QaChardev *chr;
    GPtrArray *conns; /* QtestConn * */
    QtestConn *cur;   /* connection whose command is running */
    FILE *log;
    bool log_owned;
    gint64 log_start; /* monotonic us at the last OPENED */
    GHashTable *cmds; /* name -> const QtestCommand * */
    /* IRQ interception (one device per process, as in QEMU) */
    QaObject *irq_dev;
    int irq_levels[QTEST_MAX_IRQ];
};

typedef struct QtestCommand {
    const char *name;
    int min_args;           /* words after the command name */
    int max_args;           /* -1: the handler checks */
    const char *usage;      /* for FAIL messages: "ADDR VALUE" */
    bool needs_qtest_accel; /* unknown unless -accel qtest */
    /* Reply exactly once with qtest_ok/qtest_fail/qtest_reply. */
    void (*fn)(QaQtestServer *s, int argc, char **argv);
} QtestCommand;

extern const QtestCommand qa_qtest_std_commands[];
extern const size_t qa_qtest_std_commands_len;
extern const QtestCommand qa_qtest_ext_commands[];
extern const size_t qa_qtest_ext_commands_len;

/* Replies, to the connection running the command (logged). */
void qtest_reply(QaQtestServer *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void qtest_ok(QaQtestServer *s);
void qtest_fail(QaQtestServer *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Start a reply in place ("OK " etc.); finish with qtest_reply_end. */
GString *qtest_reply_begin(QaQtestServer *s, size_t *start);
void qtest_reply_end(QaQtestServer *s, size_t start);

/* Send an asynchronous line ("IRQ raise 3") to every connection. */
void qtest_send_async(QaQtestServer *s, const char *line);

/*
 * Strict base-0 numbers (0x.., 0.., decimal) over the whole word; on
 * failure they reply FAIL naming @what and return false.
 */
bool qtest_arg_u64(QaQtestServer *s, const char *word, const char *what,
                   uint64_t *out);
bool qtest_arg_i64(QaQtestServer *s, const char *word, const char *what,
                   int64_t *out);
/* A vCPU index valid for the machine. */
bool qtest_arg_cpu(QaQtestServer *s, const char *word, int *cpu);

/*
 * Base64 (qtest-base64.c): encode @len bytes into qtest_b64_encoded_len()
 * characters at @out (no NUL); decode @len characters of @text into a new
 * buffer (lenient like g_base64_decode for non-canonical input).
 */
size_t qtest_b64_encoded_len(size_t len);
void qtest_b64_encode(const uint8_t *in, size_t len, char *out);
uint8_t *qtest_b64_decode(const char *text, size_t len, size_t *out_len);

/* The hook installed on intercepted GPIO lines; any thread. */
void qa_qtest_irq_hook(void *opaque, int n, int level);

/* Resolve a QOM path as QEMU does (absolute, or a unique partial path)
 * to a device; NULL if none. */
QaObject *qtest_resolve_device(const char *path);

#endif
