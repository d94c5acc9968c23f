/*
 * Objects: creation, reference counting, casts and the composition tree.
 *
 * An object is created with one reference owned by the caller.  Adding it
 * as a child makes the parent take a reference of its own, so the usual
 * pattern is new, add_child, unref: the tree then owns the object and
 * qa_object_unparent() releases it.
 */
#include <string.h>

#include <qaccel/error.h>
#include "qom-internal.h"

static QaObject *root_object;

/* ---- creation and lifetime ------------------------------------------ */

static void object_init_chain(QaObject *obj, const QaType *type)
{
    if (type->parent) {
        object_init_chain(obj, type->parent);
    }
    if (type->info->instance_init) {
        type->info->instance_init(obj);
    }
}

QaObject *qa_object_new(const char *type_name, GError **error)
{
    const QaType *type = qa_type_lookup(type_name);
    QaObject *obj;

    if (!type) {
        g_set_error(error, QA_ERROR, QA_ERROR_NOT_FOUND, "Unknown type '%s'",
                    type_name ? type_name : "(null)");
        return NULL;
    }
    if (type->is_interface) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Type '%s' is an interface and cannot be instantiated",
                    type_name);
        return NULL;
    }
    if (type->info->abstract) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Type '%s' is abstract and cannot be instantiated",
                    type_name);
        return NULL;
    }

    obj = g_malloc0(type->instance_size);
    obj->klass = qa_type_get_class(type);
    obj->ref = 1;
    obj->children = g_ptr_array_new();
    /* Defaults first, so instance_init may override them. */
    qom_props_init_instance(obj);
    object_init_chain(obj, type);
    return obj;
}

QaObject *qa_object_ref(QaObject *obj)
{
    g_return_val_if_fail(obj != NULL, NULL);
    g_atomic_int_inc(&obj->ref);
    return obj;
}

static void object_finalize(QaObject *obj)
{
    /* The parent holds a reference, so a dying object has no parent. */
    g_assert(obj->parent == NULL);

    /*
     * Children go first, newest first, while this object is still intact:
     * their unparent hooks (a device's unrealize) may still look at it.
     */
    while (obj->children->len) {
        qa_object_unparent(
            g_ptr_array_index(obj->children, obj->children->len - 1));
    }
    for (const QaType *t = obj->klass->type; t; t = t->parent) {
        if (t->info->instance_finalize) {
            t->info->instance_finalize(obj);
        }
    }
    qom_props_finalize_instance(obj);
    g_ptr_array_unref(obj->children);
    g_free(obj->name);
    g_free(obj);
}

void qa_object_unref(QaObject *obj)
{
    if (!obj) {
        return;
    }
    g_return_if_fail(g_atomic_int_get(&obj->ref) > 0);
    if (g_atomic_int_dec_and_test(&obj->ref)) {
        object_finalize(obj);
    }
}

const QaType *qa_object_type(const QaObject *obj)
{
    return obj->klass->type;
}

const char *qa_object_type_name(const QaObject *obj)
{
    return qa_type_name(obj->klass->type);
}

/* ---- casts ---------------------------------------------------------- */

bool qa_object_is_a(const QaObject *obj, const char *type_name)
{
    return obj && qa_type_is_a(obj->klass->type, type_name);
}

QaObject *qa_object_dynamic_cast(QaObject *obj, const char *type_name)
{
    return qa_object_is_a(obj, type_name) ? obj : NULL;
}

QaObject *qa_object_check_cast(QaObject *obj, const char *type_name,
                               const char *file, int line)
{
    if (obj && !qa_object_is_a(obj, type_name)) {
        g_error("%s:%d: invalid cast of an object of type '%s' to '%s'", file,
                line, qa_object_type_name(obj), type_name);
    }
    return obj;
}

QaObjectClass *qa_object_get_class(const QaObject *obj)
{
    return obj ? obj->klass : NULL;
}

/* ---- composition tree ----------------------------------------------- */

QaObject *qa_object_root(void)
{
    if (!root_object) {
        root_object = qa_object_new("container", NULL);
        g_assert(root_object);
    }
    return root_object;
}

char *qom_object_describe(const QaObject *obj)
{
    g_autofree char *path = qa_object_canonical_path(obj);

    if (path) {
        return g_strdup_printf("'%s'", path);
    }
    return g_strdup_printf("an unattached '%s'", qa_object_type_name(obj));
}

static bool object_is_ancestor(const QaObject *anc, const QaObject *obj)
{
    for (const QaObject *o = obj; o; o = o->parent) {
        if (o == anc) {
            return true;
        }
    }
    return false;
}

bool qa_object_add_child(QaObject *parent, const char *name, QaObject *child,
                         GError **error)
{
    g_return_val_if_fail(parent != NULL && child != NULL, false);

    if (!name || !*name || strchr(name, '/')) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Invalid child name '%s': it must be non-empty and "
                    "contain no '/'",
                    name ? name : "");
        return false;
    }
    if (child->parent) {
        g_autofree char *where = qom_object_describe(child->parent);
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Cannot add child '%s': the object is already child "
                    "'%s' of %s",
                    name, child->name, where);
        return false;
    }
    if (object_is_ancestor(child, parent)) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Cannot add child '%s': an object cannot be its own "
                    "descendant",
                    name);
        return false;
    }
    if (qa_object_child(parent, name)) {
        g_autofree char *where = qom_object_describe(parent);
        g_set_error(error, QA_ERROR, QA_ERROR_EXISTS,
                    "Duplicate child '%s' under %s", name, where);
        return false;
    }
    child->parent = parent;
    child->name = g_strdup(name);
    g_ptr_array_add(parent->children, qa_object_ref(child));
    return true;
}

void qa_object_unparent(QaObject *obj)
{
    if (!obj || !obj->parent) {
        return;
    }
    /* The hook runs while the object is still in the tree. */
    if (obj->klass->unparent) {
        obj->klass->unparent(obj);
    }
    g_ptr_array_remove(obj->parent->children, obj);
    obj->parent = NULL;
    g_clear_pointer(&obj->name, g_free);
    qa_object_unref(obj);
}

QaObject *qa_object_get_parent(const QaObject *obj)
{
    return obj->parent;
}

const char *qa_object_get_name(const QaObject *obj)
{
    return obj->name;
}

QaObject *qa_object_child(QaObject *obj, const char *name)
{
    g_return_val_if_fail(obj != NULL, NULL);

    for (guint i = 0; name && i < obj->children->len; i++) {
        QaObject *child = g_ptr_array_index(obj->children, i);
        if (strcmp(child->name, name) == 0) {
            return child;
        }
    }
    return NULL;
}

static gpointer ref_copy(gconstpointer src, gpointer data)
{
    return qa_object_ref((QaObject *)src);
}

bool qa_object_foreach_child(QaObject *obj,
                             bool (*fn)(QaObject *child, void *opaque),
                             void *opaque)
{
    /* A snapshot, so @fn may add or unparent children. */
    g_autoptr(GPtrArray) snap = g_ptr_array_copy(obj->children, ref_copy, NULL);
    bool ok = true;

    g_ptr_array_set_free_func(snap, (GDestroyNotify)qa_object_unref);
    for (guint i = 0; ok && i < snap->len; i++) {
        ok = fn(g_ptr_array_index(snap, i), opaque);
    }
    return ok;
}

char *qa_object_canonical_path(const QaObject *obj)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    const QaObject *o = obj;
    GString *path;

    if (!root_object) {
        return NULL;
    }
    if (obj == root_object) {
        return g_strdup("/");
    }
    for (; o->parent; o = o->parent) {
        g_ptr_array_add(names, o->name);
    }
    if (o != root_object) {
        return NULL;
    }
    path = g_string_new(NULL);
    for (guint i = names->len; i > 0; i--) {
        g_string_append_c(path, '/');
        g_string_append(path, g_ptr_array_index(names, i - 1));
    }
    return g_string_free(path, FALSE);
}

QaObject *qa_object_resolve_path(const char *path, GError **error)
{
    g_auto(GStrv) parts = NULL;
    g_autoptr(GString) walked = NULL;
    QaObject *obj;

    if (!path || path[0] != '/') {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Path '%s' is not absolute (it must start with '/')",
                    path ? path : "");
        return NULL;
    }
    obj = qa_object_root();
    walked = g_string_new(NULL);
    parts = g_strsplit(path + 1, "/", -1);
    for (size_t i = 0; parts[i]; i++) {
        QaObject *child;

        if (!*parts[i]) {
            continue; /* tolerate "//" and a trailing '/' */
        }
        child = qa_object_child(obj, parts[i]);
        if (!child) {
            g_set_error(error, QA_ERROR, QA_ERROR_NOT_FOUND,
                        "No object at '%s': '%s' has no child '%s'", path,
                        walked->len ? walked->str : "/", parts[i]);
            return NULL;
        }
        g_string_append_printf(walked, "/%s", parts[i]);
        obj = child;
    }
    return obj;
}

typedef struct PartialSearch {
    const char *suffix; /* "/" + partial path */
    QaObject *found;
    int matches;
} PartialSearch;

static bool partial_search(QaObject *child, void *opaque)
{
    PartialSearch *ps = opaque;
    g_autofree char *path = qa_object_canonical_path(child);

    if (path && g_str_has_suffix(path, ps->suffix)) {
        ps->found = child;
        ps->matches++;
    }
    if (ps->matches < 2) {
        qa_object_foreach_child(child, partial_search, ps);
    }
    return ps->matches < 2;
}

QaObject *qa_object_resolve_partial(const char *path, bool *ambiguous)
{
    g_autofree char *suffix = NULL;
    PartialSearch ps = {0};

    if (ambiguous) {
        *ambiguous = false;
    }
    if (path[0] == '/') {
        return qa_object_resolve_path(path, NULL);
    }
    if (!path[0]) {
        return NULL;
    }
    suffix = g_strconcat("/", path, NULL);
    ps.suffix = suffix;
    qa_object_foreach_child(qa_object_root(), partial_search, &ps);
    if (ps.matches > 1 && ambiguous) {
        *ambiguous = true;
    }
    return ps.matches == 1 ? ps.found : NULL;
}
