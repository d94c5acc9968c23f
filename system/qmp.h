/*
 * The QMP server (docs/qmp.md): QEMU's JSON monitor protocol on json-glib
 * and a chardev (system/chardev.h).  Several servers may exist (one per
 * -qmp / -mon option) and each may have several clients; all share the
 * QaSystem and its event bus.
 *
 * Use from main.c:
 *
 *     // -qmp unix:PATH,server=on,wait=off   or   -qmp stdio
 *     QaQmpServer *q = qa_qmp_server_new(sys, qmp_value, &err);
 *     // -chardev socket,path=P,id=char0 -mon chardev=char0,mode=control
 *     QaQmpServer *m = qa_qmp_server_new_mon(sys, mon_value, chardevs,
 *                                            &err);
 *     ... run the main loop ...
 *     qa_qmp_server_free(q);      // flushes pending replies and events
 *
 * Main thread only.
 */
#ifndef QACCEL_SYSTEM_QMP_H
#define QACCEL_SYSTEM_QMP_H

#include <qaccel/config.h>
#include <qaccel/runstate.h>

G_BEGIN_DECLS

typedef struct QaQmpServer QaQmpServer;

/**
 * qa_qmp_server_new: serve QMP for @sys on the chardev @spec
 * ("unix:PATH,server=on,wait=off", "unix:PATH" to connect to a listening
 * client, "stdio", or a "socket,path=...,id=..." -chardev value).  Fails
 * with QA_ERROR_INVALID (bad spec) or QA_ERROR_IO (socket).
 */
QaQmpServer *qa_qmp_server_new(QaSystem *sys, const char *spec, GError **error);

/**
 * qa_qmp_server_new_mon: the -mon form.  @mon_spec is the -mon value
 * ("chardev=ID,mode=control"; mode=readline is refused with
 * QA_ERROR_UNSUPPORTED), @chardevs the values of every -chardev option
 * (NULL-terminated); the chardev called ID is opened as in
 * qa_qmp_server_new().  QA_ERROR_NOT_FOUND if no -chardev has that id.
 */
QaQmpServer *qa_qmp_server_new_mon(QaSystem *sys, const char *mon_spec,
                                   const char *const *chardevs, GError **error);

/**
 * qa_qmp_server_set_configs: the machine configs query-machines lists
 * (borrowed; must outlive the server).  Without it, query-machines loads
 * the built-in config directories.
 */
void qa_qmp_server_set_configs(QaQmpServer *s, QaConfigSet *configs);

/**
 * qa_qmp_server_free: flush pending output (bounded wait), close every
 * client.  NULL is ok.
 */
void qa_qmp_server_free(QaQmpServer *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QaQmpServer, qa_qmp_server_free)

/**
 * qa_qmp_server_flush: write out pending replies and events, blocking up
 * to @timeout_ms (call before exit() if the server is not freed).
 */
void qa_qmp_server_flush(QaQmpServer *s, int timeout_ms);

G_END_DECLS

#endif
