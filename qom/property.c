/*
 * Properties: static per-class tables of typed fields (or computed
 * get/set hooks), parsed from strings and converted to/from GVariants.
 *
 * Every value goes through one string parser per kind, so the CLI, the
 * config files and QMP agree on syntax and error messages.  Parsing is
 * completed before anything is stored: a failed set leaves the old value.
 */
#include <string.h>

#include <qaccel/error.h>
#include "qom-internal.h"

static const char *const kind_names[] = {
    [QA_PROP_BOOL] = "bool",     [QA_PROP_INT8] = "int8",
    [QA_PROP_INT16] = "int16",   [QA_PROP_INT32] = "int32",
    [QA_PROP_INT64] = "int64",   [QA_PROP_UINT8] = "uint8",
    [QA_PROP_UINT16] = "uint16", [QA_PROP_UINT32] = "uint32",
    [QA_PROP_UINT64] = "uint64", [QA_PROP_STRING] = "string",
    [QA_PROP_ENUM] = "enum",     [QA_PROP_SIZE] = "size",
    [QA_PROP_LINK] = "link",
};

static bool kind_is_signed(QaPropKind kind)
{
    return kind >= QA_PROP_INT8 && kind <= QA_PROP_INT64;
}

static bool kind_is_unsigned(QaPropKind kind)
{
    return kind >= QA_PROP_UINT8 && kind <= QA_PROP_UINT64;
}

static bool prop_is_computed(const QaProperty *prop)
{
    return prop->get || prop->set;
}

static void *prop_field(QaObject *obj, const QaProperty *prop)
{
    return (char *)obj + prop->offset;
}

static void int_range(QaPropKind kind, int64_t *min, int64_t *max)
{
    static const int64_t maxes[] = {INT8_MAX, INT16_MAX, INT32_MAX, INT64_MAX};

    *max = maxes[kind - QA_PROP_INT8];
    *min = -*max - 1;
}

static uint64_t uint_max(QaPropKind kind)
{
    static const uint64_t maxes[] = {UINT8_MAX, UINT16_MAX, UINT32_MAX,
                                     UINT64_MAX};

    return maxes[kind - QA_PROP_UINT8];
}

static int enum_index(const QaProperty *prop, const char *name)
{
    for (int i = 0; prop->enum_names[i]; i++) {
        if (strcmp(prop->enum_names[i], name) == 0) {
            return i;
        }
    }
    return -1;
}

/* ---- raw field access ------------------------------------------------ */

static void store_int(QaObject *obj, const QaProperty *prop, int64_t v)
{
    void *f = prop_field(obj, prop);

    switch (prop->kind) {
    case QA_PROP_INT8:
        *(int8_t *)f = (int8_t)v;
        break;
    case QA_PROP_INT16:
        *(int16_t *)f = (int16_t)v;
        break;
    case QA_PROP_INT32:
        *(int32_t *)f = (int32_t)v;
        break;
    case QA_PROP_ENUM:
        *(int *)f = (int)v;
        break;
    default:
        *(int64_t *)f = v;
        break;
    }
}

static int64_t load_int(QaObject *obj, const QaProperty *prop)
{
    void *f = prop_field(obj, prop);

    switch (prop->kind) {
    case QA_PROP_INT8:
        return *(int8_t *)f;
    case QA_PROP_INT16:
        return *(int16_t *)f;
    case QA_PROP_INT32:
        return *(int32_t *)f;
    case QA_PROP_ENUM:
        return *(int *)f;
    default:
        return *(int64_t *)f;
    }
}

static void store_uint(QaObject *obj, const QaProperty *prop, uint64_t v)
{
    void *f = prop_field(obj, prop);

    switch (prop->kind) {
    case QA_PROP_UINT8:
        *(uint8_t *)f = (uint8_t)v;
        break;
    case QA_PROP_UINT16:
        *(uint16_t *)f = (uint16_t)v;
        break;
    case QA_PROP_UINT32:
        *(uint32_t *)f = (uint32_t)v;
        break;
    default: /* UINT64, SIZE */
        *(uint64_t *)f = v;
        break;
    }
}

static uint64_t load_uint(QaObject *obj, const QaProperty *prop)
{
    void *f = prop_field(obj, prop);

    switch (prop->kind) {
    case QA_PROP_UINT8:
        return *(uint8_t *)f;
    case QA_PROP_UINT16:
        return *(uint16_t *)f;
    case QA_PROP_UINT32:
        return *(uint32_t *)f;
    default:
        return *(uint64_t *)f;
    }
}

/* ---- declaration ----------------------------------------------------- */

static void prop_check_decl(QaObjectClass *klass, const QaProperty *p)
{
    const char *tn = qa_type_name(klass->type);
    int64_t min, max;

    if ((unsigned)p->kind >= G_N_ELEMENTS(kind_names)) {
        g_error("Type '%s': property '%s' has an invalid kind %d", tn, p->name,
                p->kind);
    }
    for (guint i = 0; i < klass->props->len; i++) {
        const QaProperty *q = g_ptr_array_index(klass->props, i);
        if (strcmp(q->name, p->name) == 0) {
            g_error("Type '%s': property '%s' declared twice", tn, p->name);
        }
    }
    if (prop_is_computed(p)) {
        return; /* no field, no default */
    }
    if (p->kind == QA_PROP_ENUM &&
        (!p->enum_names || (p->def.s && enum_index(p, p->def.s) < 0))) {
        g_error("Type '%s': enum property '%s' lacks names or has an "
                "unknown default",
                tn, p->name);
    }
    if (kind_is_signed(p->kind)) {
        int_range(p->kind, &min, &max);
        if (p->def.i < min || p->def.i > max) {
            g_error("Type '%s': default of property '%s' is out of range", tn,
                    p->name);
        }
    }
    if (kind_is_unsigned(p->kind) && p->def.u > uint_max(p->kind)) {
        g_error("Type '%s': default of property '%s' is out of range", tn,
                p->name);
    }
}

void qa_class_add_properties(QaObjectClass *klass, const QaProperty *props)
{
    for (const QaProperty *p = props; p->name; p++) {
        prop_check_decl(klass, p);
        g_ptr_array_add(klass->props, (gpointer)p);
    }
}

const QaProperty *qa_object_find_property(QaObject *obj, const char *name)
{
    GPtrArray *props = obj->klass->props;

    for (guint i = 0; name && i < props->len; i++) {
        const QaProperty *p = g_ptr_array_index(props, i);
        if (strcmp(p->name, name) == 0) {
            return p;
        }
    }
    return NULL;
}

void qa_class_foreach_property(QaObjectClass *klass,
                               void (*fn)(const QaProperty *prop, void *opaque),
                               void *opaque)
{
    for (guint i = 0; i < klass->props->len; i++) {
        fn(g_ptr_array_index(klass->props, i), opaque);
    }
}

char *qa_prop_type_string(const QaProperty *prop)
{
    if (prop->kind == QA_PROP_LINK) {
        return g_strdup_printf("link<%s>", prop->link_type ? prop->link_type
                                                           : QA_TYPE_OBJECT);
    }
    return g_strdup(kind_names[prop->kind]);
}

/* ---- instance set-up and tear-down ----------------------------------- */

void qom_props_init_instance(QaObject *obj)
{
    GPtrArray *props = obj->klass->props;

    for (guint i = 0; i < props->len; i++) {
        const QaProperty *p = g_ptr_array_index(props, i);

        if (prop_is_computed(p)) {
            continue;
        }
        switch (p->kind) {
        case QA_PROP_BOOL:
            *(bool *)prop_field(obj, p) = p->def.b;
            break;
        case QA_PROP_STRING:
            *(char **)prop_field(obj, p) = g_strdup(p->def.s);
            break;
        case QA_PROP_ENUM:
            store_int(obj, p, p->def.s ? enum_index(p, p->def.s) : 0);
            break;
        case QA_PROP_LINK:
            *(QaObject **)prop_field(obj, p) = NULL;
            break;
        default:
            if (kind_is_signed(p->kind)) {
                store_int(obj, p, p->def.i);
            } else {
                store_uint(obj, p, p->def.u);
            }
            break;
        }
    }
}

void qom_props_finalize_instance(QaObject *obj)
{
    GPtrArray *props = obj->klass->props;

    for (guint i = 0; i < props->len; i++) {
        const QaProperty *p = g_ptr_array_index(props, i);

        if (p->kind == QA_PROP_STRING && !prop_is_computed(p)) {
            g_clear_pointer((char **)prop_field(obj, p), g_free);
        }
    }
}

/* ---- parsing into fields --------------------------------------------- */

static bool bad_value(GError **error, const QaProperty *prop, const char *value,
                      const char *what)
{
    g_set_error(error, QA_ERROR, QA_ERROR_INVALID, "Property '%s': '%s' %s",
                prop->name, value, what);
    return false;
}

static bool out_of_range(GError **error, const QaProperty *prop,
                         const char *value)
{
    g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                "Property '%s': '%s' is out of range for %s", prop->name, value,
                kind_names[prop->kind]);
    return false;
}

static bool set_signed(QaObject *obj, const QaProperty *prop, const char *value,
                       GError **error)
{
    int64_t v, min, max;
    QomParseResult r = qom_parse_i64(value, &v);

    if (r == QOM_PARSE_BAD) {
        return bad_value(error, prop, value, "is not an integer");
    }
    int_range(prop->kind, &min, &max);
    if (r == QOM_PARSE_RANGE || v < min || v > max) {
        return out_of_range(error, prop, value);
    }
    store_int(obj, prop, v);
    return true;
}

static bool set_unsigned(QaObject *obj, const QaProperty *prop,
                         const char *value, GError **error)
{
    uint64_t v;
    int64_t neg;
    QomParseResult r = qom_parse_u64(value, &v);

    if (r == QOM_PARSE_BAD) {
        /* "-1" is a number, just not one that fits ("-0" does). */
        r = value[0] == '-' ? qom_parse_i64(value, &neg) : QOM_PARSE_BAD;
        if (r == QOM_PARSE_BAD) {
            return bad_value(error, prop, value, "is not an unsigned integer");
        }
        if (r == QOM_PARSE_RANGE || neg != 0) {
            return out_of_range(error, prop, value);
        }
        v = 0;
    }
    if (r == QOM_PARSE_RANGE || v > uint_max(prop->kind)) {
        return out_of_range(error, prop, value);
    }
    store_uint(obj, prop, v);
    return true;
}

static bool set_enum(QaObject *obj, const QaProperty *prop, const char *value,
                     GError **error)
{
    int idx = enum_index(prop, value);

    if (idx < 0) {
        g_autofree char *names = g_strjoinv(", ", (char **)prop->enum_names);
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Property '%s': '%s' is not one of: %s", prop->name, value,
                    names);
        return false;
    }
    store_int(obj, prop, idx);
    return true;
}

static bool set_link(QaObject *obj, const QaProperty *prop, const char *value,
                     GError **error)
{
    g_autoptr(GError) local = NULL;
    QaObject *target = NULL;

    if (*value) {
        target = qa_object_resolve_path(value, &local);
        if (!target) {
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID, "Property '%s': %s",
                        prop->name, local->message);
            return false;
        }
        if (prop->link_type && !qa_object_is_a(target, prop->link_type)) {
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                        "Property '%s': '%s' is a '%s', not a '%s'", prop->name,
                        value, qa_object_type_name(target), prop->link_type);
            return false;
        }
    }
    *(QaObject **)prop_field(obj, prop) = target;
    return true;
}

static bool set_field(QaObject *obj, const QaProperty *prop, const char *value,
                      GError **error)
{
    void *f = prop_field(obj, prop);
    uint64_t size;
    bool b;

    switch (prop->kind) {
    case QA_PROP_BOOL:
        if (!qa_parse_bool(value, &b)) {
            return bad_value(error, prop, value,
                             "is not a boolean (expected on/off, "
                             "true/false, yes/no or 1/0)");
        }
        *(bool *)f = b;
        return true;
    case QA_PROP_STRING:
        g_free(*(char **)f);
        *(char **)f = g_strdup(value);
        return true;
    case QA_PROP_ENUM:
        return set_enum(obj, prop, value, error);
    case QA_PROP_SIZE:
        switch (qom_parse_size(value, &size)) {
        case QOM_PARSE_OK:
            *(uint64_t *)f = size;
            return true;
        case QOM_PARSE_RANGE:
            return out_of_range(error, prop, value);
        default:
            return bad_value(error, prop, value,
                             "is not a size (expected a number with an "
                             "optional suffix B, K, M, G or T)");
        }
    case QA_PROP_LINK:
        return set_link(obj, prop, value, error);
    default:
        if (kind_is_signed(prop->kind)) {
            return set_signed(obj, prop, value, error);
        }
        return set_unsigned(obj, prop, value, error);
    }
}

/* ---- string access ---------------------------------------------------- */

const QaProperty *qom_prop_find(QaObject *obj, const char *name, GError **error)
{
    const QaProperty *prop = qa_object_find_property(obj, name);

    if (!prop) {
        g_set_error(error, QA_ERROR, QA_ERROR_NOT_FOUND,
                    "Unknown property '%s' for type '%s'", name ? name : "",
                    qa_object_type_name(obj));
    }
    return prop;
}

bool qom_prop_set(QaObject *obj, const QaProperty *prop, const char *value,
                  GError **error)
{
    QaObjectClass *klass = obj->klass;

    if (prop_is_computed(prop) && !prop->set) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Property '%s' of type '%s' is read-only", prop->name,
                    qa_object_type_name(obj));
        return false;
    }
    if (prop->read_only && klass->is_frozen && klass->is_frozen(obj)) {
        g_autofree char *what = qom_object_describe(obj);
        g_set_error(error, QA_ERROR, QA_ERROR_STATE,
                    "Property '%s' cannot be changed: %s is already realized",
                    prop->name, what);
        return false;
    }
    if (prop->set) {
        return prop->set(obj, prop, value, error);
    }
    return set_field(obj, prop, value, error);
}

bool qa_object_set_str(QaObject *obj, const char *name, const char *value,
                       GError **error)
{
    const QaProperty *prop = qom_prop_find(obj, name, error);

    g_return_val_if_fail(value != NULL, false);
    return prop && qom_prop_set(obj, prop, value, error);
}

static char *get_field(QaObject *obj, const QaProperty *prop)
{
    void *f = prop_field(obj, prop);
    const char *s;
    QaObject *target;
    int idx;

    switch (prop->kind) {
    case QA_PROP_BOOL:
        return g_strdup(*(bool *)f ? "true" : "false");
    case QA_PROP_STRING:
        s = *(char **)f;
        return g_strdup(s ? s : "");
    case QA_PROP_ENUM:
        idx = *(int *)f;
        if (idx >= 0 && idx < (int)g_strv_length((char **)prop->enum_names)) {
            return g_strdup(prop->enum_names[idx]);
        }
        return g_strdup_printf("%d", idx); /* set behind our back */
    case QA_PROP_LINK:
        target = *(QaObject **)f;
        if (target) {
            char *path = qa_object_canonical_path(target);
            if (path) {
                return path;
            }
        }
        return g_strdup("");
    default:
        if (kind_is_signed(prop->kind)) {
            return g_strdup_printf("%" G_GINT64_FORMAT, load_int(obj, prop));
        }
        return g_strdup_printf("%" G_GUINT64_FORMAT, load_uint(obj, prop));
    }
}

char *qom_prop_get(QaObject *obj, const QaProperty *prop, GError **error)
{
    char *s;

    if (!prop_is_computed(prop)) {
        return get_field(obj, prop);
    }
    if (!prop->get) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Property '%s' of type '%s' is write-only", prop->name,
                    qa_object_type_name(obj));
        return NULL;
    }
    s = prop->get(obj, prop);
    return s ? s : g_strdup("");
}

char *qa_object_get_str(QaObject *obj, const char *name, GError **error)
{
    const QaProperty *prop = qom_prop_find(obj, name, error);

    return prop ? qom_prop_get(obj, prop, error) : NULL;
}

/* ---- typed shortcuts -------------------------------------------------- */

static const QaProperty *shortcut_prop(QaObject *obj, const char *name,
                                       const char *fn)
{
    const QaProperty *prop = qa_object_find_property(obj, name);

    if (!prop) {
        g_critical("%s: unknown property '%s' for type '%s'", fn, name,
                   qa_object_type_name(obj));
    }
    return prop;
}

/*
 * The value of an integer, size or enum property (an enum as its index):
 * in *s when *is_signed, else in *u.  False for other kinds, or a
 * computed value that does not parse.
 */
static bool load_number(QaObject *obj, const QaProperty *prop, int64_t *s,
                        uint64_t *u, bool *is_signed)
{
    g_autofree char *str = NULL;

    if (prop->kind == QA_PROP_BOOL || prop->kind == QA_PROP_STRING ||
        prop->kind == QA_PROP_LINK) {
        return false;
    }
    *is_signed = kind_is_signed(prop->kind) || prop->kind == QA_PROP_ENUM;
    if (!prop_is_computed(prop)) {
        if (*is_signed) {
            *s = load_int(obj, prop);
        } else {
            *u = load_uint(obj, prop);
        }
        return true;
    }
    str = qom_prop_get(obj, prop, NULL);
    if (!str) {
        return false;
    }
    switch (prop->kind) {
    case QA_PROP_ENUM:
        *s = enum_index(prop, str);
        return *s >= 0;
    case QA_PROP_SIZE:
        return qom_parse_size(str, u) == QOM_PARSE_OK;
    default:
        return *is_signed ? qom_parse_i64(str, s) == QOM_PARSE_OK
                          : qom_parse_u64(str, u) == QOM_PARSE_OK;
    }
}

bool qa_object_get_bool(QaObject *obj, const char *name)
{
    const QaProperty *prop = shortcut_prop(obj, name, G_STRFUNC);
    g_autofree char *str = NULL;
    bool b = false;

    if (!prop) {
        return false;
    }
    if (prop->kind != QA_PROP_BOOL) {
        g_critical("%s: property '%s' is a %s, not a bool", G_STRFUNC, name,
                   kind_names[prop->kind]);
        return false;
    }
    if (!prop_is_computed(prop)) {
        return *(bool *)prop_field(obj, prop);
    }
    str = qom_prop_get(obj, prop, NULL);
    return str && qa_parse_bool(str, &b) && b;
}

uint64_t qa_object_get_uint(QaObject *obj, const char *name)
{
    const QaProperty *prop = shortcut_prop(obj, name, G_STRFUNC);
    int64_t s = 0;
    uint64_t u = 0;
    bool is_signed = false;

    if (!prop) {
        return 0;
    }
    if (!load_number(obj, prop, &s, &u, &is_signed) || (is_signed && s < 0)) {
        g_critical("%s: property '%s' has no unsigned value", G_STRFUNC, name);
        return 0;
    }
    return is_signed ? (uint64_t)s : u;
}

int64_t qa_object_get_int(QaObject *obj, const char *name)
{
    const QaProperty *prop = shortcut_prop(obj, name, G_STRFUNC);
    int64_t s = 0;
    uint64_t u = 0;
    bool is_signed = false;

    if (!prop) {
        return 0;
    }
    if (!load_number(obj, prop, &s, &u, &is_signed) ||
        (!is_signed && u > INT64_MAX)) {
        g_critical("%s: property '%s' has no signed value", G_STRFUNC, name);
        return 0;
    }
    return is_signed ? s : (int64_t)u;
}
