/*
 * The control plane as main.c sees it: start every qtest/QMP endpoint the
 * command line asked for.  Implemented by system/control.c on top of
 * qtest-server.c and qmp.c.  Internal.
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
 * Errors name the option.  Nothing asked for: returns true.
 */
bool qa_control_start(QaSystem *sys, QaCli *cli, QaConfigSet *configs,
                      GError **error);

/** qa_control_stop: flush and close every endpoint (before exit). */
void qa_control_stop(void);

G_END_DECLS

#endif
