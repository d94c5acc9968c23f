/*
 * Helpers linked into every fuzz target, whichever engine drives it.
 */
#include <stdio.h>
#include "fuzz.h"

static GLogWriterOutput fuzz_log_writer(GLogLevelFlags level,
                                        const GLogField *fields, gsize n_fields,
                                        gpointer opaque)
{
    static int verbose = -1;

    if (verbose < 0) {
        verbose = g_getenv("QA_FUZZ_VERBOSE") != NULL;
    }
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) {
        g_log_writer_standard_streams(level, fields, n_fields, opaque);
        g_printerr("fuzz: a GLib critical is a broken contract: aborting\n");
        abort();
    }
    if (verbose) {
        return g_log_writer_standard_streams(level, fields, n_fields, opaque);
    }
    return G_LOG_WRITER_HANDLED;
}

void fuzz_quiet_logs(void)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        g_log_set_writer_func(fuzz_log_writer, NULL, NULL);
        g_once_init_leave(&done, 1);
    }
}
