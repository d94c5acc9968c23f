/*
 * QEMU-style option value parsing.
 */
#include <string.h>
#include <qaccel/error.h>
#include "opts.h"

void qa_opt_free(gpointer p)
{
    QaOpt *o = p;

    g_free(o->key);
    g_free(o->value);
    g_free(o);
}

/* Next element of @s up to an unescaped ','; ",," yields ','. */
static char *next_element(const char **s)
{
    GString *out = g_string_new(NULL);
    const char *p = *s;

    while (*p) {
        if (*p == ',') {
            if (p[1] == ',') {
                g_string_append_c(out, ',');
                p += 2;
                continue;
            }
            p++;
            break;
        }
        g_string_append_c(out, *p++);
    }
    *s = p;
    return g_string_free(out, FALSE);
}

GPtrArray *qa_opts_parse(const char *option, const char *str,
                         const char *implied, bool flags_ok, GError **error)
{
    g_autoptr(GPtrArray) opts = g_ptr_array_new_with_free_func(qa_opt_free);
    const char *p = str;
    bool first = true;

    if (!*str) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "%s: an empty value is not allowed", option);
        return NULL;
    }
    while (first || *p) {
        g_autofree char *el = next_element(&p);
        char *eq = strchr(el, '=');
        QaOpt *o = g_new0(QaOpt, 1);

        if (eq) {
            o->key = g_strndup(el, eq - el);
            o->value = g_strdup(eq + 1);
        } else if (first && implied && !g_str_equal(el, "help")) {
            o->key = g_strdup(implied);
            o->value = g_strdup(el);
        } else if (g_str_equal(el, "help") || (flags_ok && el[0])) {
            o->key = g_strdup(el);
            o->value = g_strdup("on");
        } else {
            qa_opt_free(o);
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                        "%s: '%s' is not of the form key=value", option, el);
            return NULL;
        }
        if (!o->key[0]) {
            qa_opt_free(o);
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                        "%s: an element has an empty key", option);
            return NULL;
        }
        g_ptr_array_add(opts, o);
        first = false;
    }
    return g_steal_pointer(&opts);
}

const char *qa_opts_get(GPtrArray *opts, const char *key)
{
    for (guint i = opts->len; i-- > 0;) {
        QaOpt *o = g_ptr_array_index(opts, i);
        if (g_str_equal(o->key, key)) {
            return o->value;
        }
    }
    return NULL;
}
