/*
 * JSON text pieces shared by the event writer (event.c, core) and the QMP
 * writer for json-glib nodes (qmp-json.c, control plane), so that both
 * print strings and doubles the same, QEMU's way.  Internal.
 */
#ifndef QACCEL_SYSTEM_JSON_TEXT_H
#define QACCEL_SYSTEM_JSON_TEXT_H

#include <glib.h>

G_BEGIN_DECLS

/**
 * qa_json_append_string: @s as a quoted JSON string in pure ASCII
 * (\uXXXX escapes, surrogate pairs above U+FFFF); invalid UTF-8 bytes
 * become U+FFFD.
 */
void qa_json_append_string(GString *out, const char *s);

/** qa_json_append_double: "%.17g" in the C locale; NaN and inf: null. */
void qa_json_append_double(GString *out, double d);

G_END_DECLS

#endif
