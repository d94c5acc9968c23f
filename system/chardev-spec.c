/*
 * Parsing chardev specs (system/chardev.h).  Plain GLib: part of the
 * core, so that main.c can tell whether a protocol speaks on stdio
 * without loading the control plane, which opens the chardevs
 * (chardev.c).
 */
#include <string.h>
#include <qaccel/error.h>
#include "system/chardev.h"

/* ---- spec parsing ---------------------------------------------------- */

static bool parse_onoff(const char *key, const char *val, bool *out,
                        GError **error)
{
    if (!val || !strcmp(val, "on") || !strcmp(val, "yes") ||
        !strcmp(val, "true")) {
        *out = true;
        return true;
    }
    if (!strcmp(val, "off") || !strcmp(val, "no") || !strcmp(val, "false")) {
        *out = false;
        return true;
    }
    g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                "chardev option '%s': '%s' is not on or off", key, val);
    return false;
}

/* Apply the comma-separated options after the first word. */
static bool parse_options(char **opts, QaChardevSpec *out, bool *server,
                          bool *wait, GError **error)
{
    for (char **o = opts; *o; o++) {
        char *eq = strchr(*o, '=');
        g_autofree char *key = eq ? g_strndup(*o, eq - *o) : g_strdup(*o);
        const char *val = eq ? eq + 1 : NULL;

        if (!strcmp(key, "server")) {
            if (!parse_onoff(key, val, server, error)) {
                return false;
            }
        } else if (!strcmp(key, "wait")) {
            if (!parse_onoff(key, val, wait, error)) {
                return false;
            }
        } else if (!strcmp(key, "nowait") && !val) {
            *wait = false;
        } else if (!strcmp(key, "path") && val) {
            g_free(out->path);
            out->path = g_strdup(val);
        } else if (!strcmp(key, "id") && val) {
            g_free(out->id);
            out->id = g_strdup(val);
        } else {
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                        "chardev option '%s' is not supported", *o);
            return false;
        }
    }
    return true;
}

bool qa_chardev_spec_parse(const char *spec, QaChardevSpec *out, GError **error)
{
    g_auto(GStrv) parts = g_strsplit(spec, ",", -1);
    bool server = false, wait = true;

    memset(out, 0, sizeof(*out));
    if (!parts[0] || !parts[0][0]) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID, "empty chardev spec");
        return false;
    }
    if (g_str_has_prefix(parts[0], "unix:")) {
        out->path = g_strdup(parts[0] + 5);
    } else if (!strcmp(parts[0], "stdio")) {
        out->kind = QA_CHARDEV_STDIO;
    } else if (strcmp(parts[0], "socket") != 0) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "chardev '%s': only unix:PATH, stdio and socket,path=... "
                    "are supported",
                    spec);
        return false;
    }
    if (!parse_options(parts + 1, out, &server, &wait, error)) {
        qa_chardev_spec_clear(out);
        return false;
    }
    if (out->kind == QA_CHARDEV_STDIO) {
        if (server || out->path) {
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                        "chardev '%s': stdio takes no path or server", spec);
            qa_chardev_spec_clear(out);
            return false;
        }
        return true;
    }
    if (!out->path || !out->path[0]) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "chardev '%s': a socket needs a path", spec);
        qa_chardev_spec_clear(out);
        return false;
    }
    if (server && wait) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "chardev '%s': server=on needs wait=off "
                    "(qaccel never waits for a client at start-up)",
                    spec);
        qa_chardev_spec_clear(out);
        return false;
    }
    out->kind = server ? QA_CHARDEV_UNIX_SERVER : QA_CHARDEV_UNIX_CLIENT;
    return true;
}

void qa_chardev_spec_clear(QaChardevSpec *spec)
{
    g_clear_pointer(&spec->path, g_free);
    g_clear_pointer(&spec->id, g_free);
}

const char *qa_chardev_find(const char *const *chardevs, const char *id,
                            GError **error)
{
    for (const char *const *c = chardevs; c && *c; c++) {
        g_auto(GStrv) parts = g_strsplit(*c, ",", -1);
        for (char **p = parts; *p; p++) {
            if (g_str_has_prefix(*p, "id=") && !strcmp(*p + 3, id)) {
                return *c;
            }
        }
    }
    g_set_error(error, QA_ERROR, QA_ERROR_NOT_FOUND, "chardev '%s' not found",
                id);
    return NULL;
}
