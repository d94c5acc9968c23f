/*
 * Starting and stopping the control-plane endpoints named on the command
 * line: the entry points of the qaccel-control module, which the qaccel
 * binary loads through system/control-loader.c.
 */
#include "qaccel-config.h"
#include <qaccel/error.h>
#include "control.h"
#include "qmp.h"
#include "qtest-server.h"

static QaQtestServer *qtest;
static GPtrArray *qmps; /* QaQmpServer * */

static void qmp_free(gpointer p)
{
    qa_qmp_server_free(p);
}

const char qa_control_module_version[] = QACCEL_VERSION;

bool qa_control_module_start(QaSystem *sys, QaCli *cli, QaConfigSet *configs,
                             GError **error)
{
    qmps = g_ptr_array_new_with_free_func(qmp_free);
    if (cli->qtest) {
        /* main.c runs g_main_loop_run(): commands may run on a reader
         * thread under the qtest lock (lower latency, see qtest-server.h) */
        qtest = qa_qtest_server_new_full(sys, cli->qtest, cli->qtest_log,
                                         QA_QTEST_SERVER_THREADED, error);
        if (!qtest) {
            g_prefix_error(error, "-qtest %s: ", cli->qtest);
            return false;
        }
    }
    for (guint i = 0; i < cli->qmp->len; i++) {
        const char *spec = g_ptr_array_index(cli->qmp, i);
        QaQmpServer *s = qa_qmp_server_new(sys, spec, error);
        if (!s) {
            g_prefix_error(error, "-qmp %s: ", spec);
            return false;
        }
        qa_qmp_server_set_configs(s, configs);
        g_ptr_array_add(qmps, s);
    }
    g_ptr_array_add(cli->chardevs, NULL); /* NULL-terminate for the API */
    for (guint i = 0; i < cli->mons->len; i++) {
        const char *spec = g_ptr_array_index(cli->mons, i);
        QaQmpServer *s = qa_qmp_server_new_mon(
            sys, spec, (const char *const *)cli->chardevs->pdata, error);
        if (!s) {
            return false; /* the message already names the -mon option */
        }
        qa_qmp_server_set_configs(s, configs);
        g_ptr_array_add(qmps, s);
    }
    g_ptr_array_remove_index(cli->chardevs, cli->chardevs->len - 1);
    return true;
}

void qa_control_module_stop(void)
{
    /* let pending replies and the final SHUTDOWN event reach clients */
    for (guint i = 0; qmps && i < qmps->len; i++) {
        qa_qmp_server_flush(g_ptr_array_index(qmps, i), 1000);
    }
    if (qtest) {
        qa_qtest_server_flush(qtest, 1000);
    }
    g_clear_pointer(&qmps, g_ptr_array_unref);
    g_clear_pointer(&qtest, qa_qtest_server_free);
}
