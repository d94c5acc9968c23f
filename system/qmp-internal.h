/*
 * Internals shared by qmp.c (server, framing, dispatch) and
 * qmp-commands.c (the command table).  Not a public header.
 */
#ifndef QACCEL_SYSTEM_QMP_INTERNAL_H
#define QACCEL_SYSTEM_QMP_INTERNAL_H

#include <json-glib/json-glib.h>
#include <qaccel/runstate.h>
#include "system/qmp.h"

/* QMP error classes (QEMU's QapiErrorClass), as GError codes. */
typedef enum {
    QMP_ERROR_GENERIC,
    QMP_ERROR_COMMAND_NOT_FOUND,
    QMP_ERROR_DEVICE_NOT_ACTIVE,
    QMP_ERROR_DEVICE_NOT_FOUND,
    QMP_ERROR_KVM_MISSING_CAP,
} QmpErrorClass;

#define QMP_ERROR (qmp_error_quark())
GQuark qmp_error_quark(void);

/** qmp_error_class_name: "GenericError", ... for a QMP_ERROR code. */
const char *qmp_error_class_name(int code);

typedef enum {
    QMP_ARG_STR,
    QMP_ARG_INT,
    QMP_ARG_BOOL,
    QMP_ARG_ANY,
    QMP_ARG_STR_LIST,
} QmpArgType;

typedef struct QmpArg {
    const char *name;
    QmpArgType type;
    bool optional;
} QmpArg;

typedef struct QmpConn QmpConn;

typedef struct QmpCtx {
    QaQmpServer *server;
    QmpConn *conn;
    QaSystem *sys;
    QaMachine *m;
} QmpCtx;

/* Return the "return" value (new reference; NULL = {}), or NULL with an
 * error (QMP_ERROR codes; any other domain reports as GenericError). */
typedef JsonNode *(*QmpHandler)(QmpCtx *ctx, JsonObject *args, GError **error);

typedef struct QmpCommand {
    const char *name;
    const QmpArg *args; /* terminated by { NULL } ; NULL = none */
    QmpHandler fn;
} QmpCommand;

extern const QmpCommand qa_qmp_commands[];
extern const size_t qa_qmp_commands_len;

/** qmp_conn_negotiate: leave capabilities mode (qmp_capabilities). */
bool qmp_conn_negotiate(QmpConn *conn, bool oob, GError **error);

/** qmp_server_configs: the config set for query-machines (borrowed). */
QaConfigSet *qmp_server_configs(QaQmpServer *s);

#endif
