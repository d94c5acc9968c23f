/*
 * The control plane as main.c sees it: start every qtest/QMP endpoint the
 * command line asked for.  The endpoints live in the qaccel-control module
 * (system/control.c on top of qtest-server.c and qmp.c, built with
 * json-glib and GIO); system/control-loader.c, linked into the binary,
 * loads it only when the command line needs it.  Internal.
 */
#ifndef QACCEL_SYSTEM_CONTROL_H
#define QACCEL_SYSTEM_CONTROL_H

#include <qaccel/config.h>
#include <qaccel/runstate.h>
#include "cli.h"

G_BEGIN_DECLS

/**
 * qa_control_start: open -qtest (with -qtest-log), every -qmp and every
 * -mon (resolving its -chardev) for @sys; @configs backs query-machines.
 * Loads the control-plane module first if any of them is present (error:
 * the module cannot be found or loaded).  Errors name the option.
 * Nothing asked for: returns true and loads nothing.
 */
bool qa_control_start(QaSystem *sys, QaCli *cli, QaConfigSet *configs,
                      GError **error);

/** qa_control_stop: flush and close every endpoint (before exit). */
void qa_control_stop(void);

/* ---- the module's entry points (system/control.c) ---------------------- */

/* The module's file name; found next to the binary (build tree),
 * in ../LIBDIR/qaccel relative to it, or in the configured LIBDIR/qaccel;
 * $QACCEL_MODULE_DIR overrides all of these. */
#define QA_CONTROL_MODULE_FILE "qaccel-control.so"

/** qa_control_module_start: qa_control_start() once the module is in. */
bool qa_control_module_start(QaSystem *sys, QaCli *cli, QaConfigSet *configs,
                             GError **error);

/** qa_control_module_stop: qa_control_stop() once the module is in. */
void qa_control_module_stop(void);

/* QACCEL_VERSION the module was built with; the loader refuses others. */
extern const char qa_control_module_version[];

G_END_DECLS

#endif
