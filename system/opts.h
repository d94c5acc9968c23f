/*
 * QEMU-style option values: "val,key=val,key=val" with ",," escaping a
 * comma.  Internal to system/.
 */
#ifndef QACCEL_SYSTEM_OPTS_H
#define QACCEL_SYSTEM_OPTS_H

#include <stdbool.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct QaOpt {
    char *key;
    char *value;
} QaOpt;

/**
 * qa_opts_parse: split @str into key=value pairs.  A first element without
 * '=' gets the key @implied (e.g. "type" for -device, NULL: error); later
 * elements without '=' are errors except "help" (value "on") and, when
 * @flags_ok, bare keys (value "on").  Returns a GPtrArray of QaOpt *
 * (free with g_ptr_array_unref), or NULL with an error naming @option.
 */
GPtrArray *qa_opts_parse(const char *option, const char *str,
                         const char *implied, bool flags_ok, GError **error);

/** qa_opt_free: free one QaOpt (a GDestroyNotify). */
void qa_opt_free(gpointer opt);

/** qa_opts_get: the last value of @key, or NULL. */
const char *qa_opts_get(GPtrArray *opts, const char *key);

G_END_DECLS

#endif
