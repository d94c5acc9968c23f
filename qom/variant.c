/*
 * Property values as GVariants (the QMP side of qom-get / qom-set).
 *
 * Values are converted through the set_str syntax so that a QMP client
 * gets exactly the checks and messages the command line gets: an integer
 * of any width becomes its decimal text and is range-checked by the
 * property's own parser.
 */
#include <qaccel/error.h>
#include "qom-internal.h"

/* The natural GVariant of an integer property, or NULL if @s won't fit. */
static GVariant *int_variant(QaPropKind kind, const char *s)
{
    int64_t v;

    if (qom_parse_i64(s, &v) != QOM_PARSE_OK) {
        return NULL;
    }
    switch (kind) {
    case QA_PROP_INT8: /* GVariant has no signed byte */
    case QA_PROP_INT16:
        return v >= INT16_MIN && v <= INT16_MAX ? g_variant_new_int16(v) : NULL;
    case QA_PROP_INT32:
        return v >= INT32_MIN && v <= INT32_MAX ? g_variant_new_int32(v) : NULL;
    default:
        return g_variant_new_int64(v);
    }
}

static GVariant *uint_variant(QaPropKind kind, const char *s)
{
    uint64_t v;
    QomParseResult r =
        kind == QA_PROP_SIZE ? qom_parse_size(s, &v) : qom_parse_u64(s, &v);

    if (r != QOM_PARSE_OK) {
        return NULL;
    }
    switch (kind) {
    case QA_PROP_UINT8:
        return v <= UINT8_MAX ? g_variant_new_byte(v) : NULL;
    case QA_PROP_UINT16:
        return v <= UINT16_MAX ? g_variant_new_uint16(v) : NULL;
    case QA_PROP_UINT32:
        return v <= UINT32_MAX ? g_variant_new_uint32(v) : NULL;
    default:
        return g_variant_new_uint64(v);
    }
}

GVariant *qa_object_get_variant(QaObject *obj, const char *name, GError **error)
{
    const QaProperty *prop = qom_prop_find(obj, name, error);
    g_autofree char *s = NULL;
    GVariant *v = NULL;
    bool b;

    if (!prop) {
        return NULL;
    }
    s = qom_prop_get(obj, prop, error);
    if (!s) {
        return NULL;
    }
    switch (prop->kind) {
    case QA_PROP_BOOL:
        if (qa_parse_bool(s, &b)) {
            v = g_variant_new_boolean(b);
        }
        break;
    case QA_PROP_INT8:
    case QA_PROP_INT16:
    case QA_PROP_INT32:
    case QA_PROP_INT64:
        v = int_variant(prop->kind, s);
        break;
    case QA_PROP_UINT8:
    case QA_PROP_UINT16:
    case QA_PROP_UINT32:
    case QA_PROP_UINT64:
    case QA_PROP_SIZE:
        v = uint_variant(prop->kind, s);
        break;
    default:
        break;
    }
    /*
     * Strings, enums and links are strings; so is a computed value whose
     * getter answers in some other syntax, rather than losing it.
     */
    if (!v) {
        v = g_variant_new_string(s);
    }
    return g_variant_ref_sink(v);
}

static bool mismatch(const QaProperty *prop, const char *got, GError **error)
{
    g_autofree char *want = qa_prop_type_string(prop);

    g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                "Property '%s' expects %s, not %s", prop->name, want, got);
    return false;
}

/* Decimal text of an integer variant, or NULL if @v is not an integer. */
static char *int_variant_text(GVariant *v)
{
    switch (g_variant_classify(v)) {
    case G_VARIANT_CLASS_BYTE:
        return g_strdup_printf("%u", g_variant_get_byte(v));
    case G_VARIANT_CLASS_INT16:
        return g_strdup_printf("%d", g_variant_get_int16(v));
    case G_VARIANT_CLASS_UINT16:
        return g_strdup_printf("%u", g_variant_get_uint16(v));
    case G_VARIANT_CLASS_INT32:
        return g_strdup_printf("%" G_GINT32_FORMAT, g_variant_get_int32(v));
    case G_VARIANT_CLASS_UINT32:
        return g_strdup_printf("%" G_GUINT32_FORMAT, g_variant_get_uint32(v));
    case G_VARIANT_CLASS_INT64:
        return g_strdup_printf("%" G_GINT64_FORMAT, g_variant_get_int64(v));
    case G_VARIANT_CLASS_UINT64:
        return g_strdup_printf("%" G_GUINT64_FORMAT, g_variant_get_uint64(v));
    default:
        return NULL;
    }
}

bool qa_object_set_variant(QaObject *obj, const char *name, GVariant *value,
                           GError **error)
{
    const QaProperty *prop = qom_prop_find(obj, name, error);
    /* Like GLib's own setters: a floating @value is consumed. */
    g_autoptr(GVariant) owned = g_variant_ref_sink(value);
    g_autoptr(GVariant) inner = NULL;
    g_autofree char *text = NULL;
    g_autofree char *got = NULL;

    value = owned;
    if (!prop) {
        return false;
    }
    /* Accept a boxed value ("v"), as JSON-to-GVariant layers produce. */
    if (g_variant_is_of_type(value, G_VARIANT_TYPE_VARIANT)) {
        inner = g_variant_get_variant(value);
        value = inner;
    }
    if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)) {
        return qom_prop_set(obj, prop, g_variant_get_string(value, NULL),
                            error);
    }
    if (g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN)) {
        if (prop->kind != QA_PROP_BOOL) {
            return mismatch(prop, "a boolean", error);
        }
        return qom_prop_set(
            obj, prop, g_variant_get_boolean(value) ? "true" : "false", error);
    }
    text = int_variant_text(value);
    if (text) {
        if (prop->kind == QA_PROP_BOOL || prop->kind == QA_PROP_STRING ||
            prop->kind == QA_PROP_ENUM || prop->kind == QA_PROP_LINK) {
            return mismatch(prop, "an integer", error);
        }
        return qom_prop_set(obj, prop, text, error);
    }
    got = g_strdup_printf("a value of type '%s'",
                          g_variant_get_type_string(value));
    return mismatch(prop, got, error);
}
