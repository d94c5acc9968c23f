/*
 * Type registry and class construction.
 *
 * The registry is a hash table by name, created on first use together
 * with the root types ("object", "interface") and the "container" type
 * that the composition tree is built from, so embedders and tests can
 * register types before (or without) qa_types_register_builtin().
 *
 * Classes are built lazily: the parent class is built first and copied
 * into the start of the child class, then the child's class_init runs,
 * so overriding a method is a plain assignment.
 */
#include <string.h>

#include <qaccel/error.h>
#include "qom-internal.h"

static GHashTable *registry; /* name -> QaType * */

static const QaTypeInfo object_type_info = {
    .name = QA_TYPE_OBJECT,
    .description = "Base type of every object",
    .instance_size = sizeof(QaObject),
    .class_size = sizeof(QaObjectClass),
    .abstract = true,
};

static const QaTypeInfo interface_type_info = {
    .name = QA_TYPE_INTERFACE,
    .description = "Base type of every interface",
    .class_size = sizeof(QaInterfaceClass),
    .abstract = true,
};

static const QaTypeInfo container_type_info = {
    .name = "container",
    .parent = QA_TYPE_OBJECT,
    .description = "A plain node of the composition tree",
};

static bool type_is_root_name(const char *name)
{
    return strcmp(name, QA_TYPE_OBJECT) == 0 ||
           strcmp(name, QA_TYPE_INTERFACE) == 0;
}

static bool type_check_sizes(const QaTypeInfo *info, const QaType *parent,
                             bool is_interface, GError **error)
{
    if (is_interface && info->instance_size) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Interface type '%s' cannot have an instance size",
                    info->name);
        return false;
    }
    if (parent && info->instance_size &&
        info->instance_size < parent->instance_size) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Type '%s': instance size %zu is smaller than that of "
                    "its parent '%s' (%zu)",
                    info->name, info->instance_size, parent->info->name,
                    parent->instance_size);
        return false;
    }
    if (parent && info->class_size && info->class_size < parent->class_size) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Type '%s': class size %zu is smaller than that of "
                    "its parent '%s' (%zu)",
                    info->name, info->class_size, parent->info->name,
                    parent->class_size);
        return false;
    }
    return true;
}

static GPtrArray *type_resolve_interfaces(const QaTypeInfo *info,
                                          bool is_interface, GError **error)
{
    g_autoptr(GPtrArray) ifaces = g_ptr_array_new();

    for (size_t i = 0; info->interfaces && info->interfaces[i]; i++) {
        const char *name = info->interfaces[i];
        const QaType *iface =
            registry ? g_hash_table_lookup(registry, name) : NULL;

        if (!iface) {
            g_set_error(error, QA_ERROR, QA_ERROR_NOT_FOUND,
                        "Type '%s': unknown interface '%s'", info->name, name);
            return NULL;
        }
        if (is_interface) {
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                        "Interface '%s' cannot implement '%s' (derive from "
                        "it instead)",
                        info->name, name);
            return NULL;
        }
        if (!iface->is_interface) {
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                        "Type '%s': '%s' is not an interface", info->name,
                        name);
            return NULL;
        }
        g_ptr_array_add(ifaces, (gpointer)iface);
    }
    return g_steal_pointer(&ifaces);
}

static const QaType *type_add(const QaTypeInfo *info, GError **error)
{
    const QaType *parent = NULL;
    QaType *type;
    GPtrArray *ifaces;
    bool is_interface;

    if (!info->name || !*info->name) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Cannot register a type without a name");
        return NULL;
    }
    if (g_hash_table_contains(registry, info->name)) {
        g_set_error(error, QA_ERROR, QA_ERROR_EXISTS,
                    "Type '%s' is already registered", info->name);
        return NULL;
    }
    if (info->parent) {
        parent = g_hash_table_lookup(registry, info->parent);
        if (!parent) {
            g_set_error(error, QA_ERROR, QA_ERROR_NOT_FOUND,
                        "Type '%s': unknown parent type '%s'", info->name,
                        info->parent);
            return NULL;
        }
    } else if (!type_is_root_name(info->name)) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Type '%s' has no parent type", info->name);
        return NULL;
    }

    is_interface = parent ? parent->is_interface
                          : strcmp(info->name, QA_TYPE_INTERFACE) == 0;
    if (!type_check_sizes(info, parent, is_interface, error)) {
        return NULL;
    }
    ifaces = type_resolve_interfaces(info, is_interface, error);
    if (!ifaces) {
        return NULL;
    }

    type = g_new0(QaType, 1);
    type->info = info;
    type->parent = parent;
    type->is_interface = is_interface;
    type->ifaces = ifaces;
    type->instance_size = info->instance_size ? info->instance_size
                          : parent            ? parent->instance_size
                                              : 0;
    type->class_size = info->class_size ? info->class_size
                       : parent         ? parent->class_size
                                        : sizeof(QaObjectClass);
    g_hash_table_insert(registry, (gpointer)info->name, type);
    return type;
}

static void registry_init(void)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        registry = g_hash_table_new(g_str_hash, g_str_equal);
        g_assert(type_add(&object_type_info, NULL));
        g_assert(type_add(&interface_type_info, NULL));
        g_assert(type_add(&container_type_info, NULL));
        g_once_init_leave(&done, 1);
    }
}

const QaType *qa_type_register(const QaTypeInfo *info, GError **error)
{
    g_return_val_if_fail(info != NULL, NULL);
    registry_init();
    return type_add(info, error);
}

const QaType *qa_type_lookup(const char *name)
{
    if (!name) {
        return NULL;
    }
    registry_init();
    return g_hash_table_lookup(registry, name);
}

const char *qa_type_name(const QaType *type)
{
    return type->info->name;
}

const char *qa_type_description(const QaType *type)
{
    return type->info->description;
}

bool qa_type_is_abstract(const QaType *type)
{
    /* Interfaces never have instances, whatever their info says. */
    return type->info->abstract || type->is_interface;
}

const QaType *qa_type_parent(const QaType *type)
{
    return type->parent;
}

/* Ancestry through parents only, ignoring interfaces. */
static bool type_derives_from(const QaType *type, const char *name)
{
    for (const QaType *t = type; t; t = t->parent) {
        if (strcmp(t->info->name, name) == 0) {
            return true;
        }
    }
    return false;
}

bool qa_type_is_a(const QaType *type, const char *ancestor_name)
{
    if (!type || !ancestor_name) {
        return false;
    }
    /*
     * Implementing an interface does not make a class an "interface":
     * only interface types themselves are.
     */
    if (!type->is_interface && strcmp(ancestor_name, QA_TYPE_INTERFACE) == 0) {
        return false;
    }
    for (const QaType *t = type; t; t = t->parent) {
        if (strcmp(t->info->name, ancestor_name) == 0) {
            return true;
        }
        for (guint i = 0; i < t->ifaces->len; i++) {
            if (type_derives_from(g_ptr_array_index(t->ifaces, i),
                                  ancestor_name)) {
                return true;
            }
        }
    }
    return false;
}

static QaInterfaceClass *iface_copy(const QaObjectClass *src,
                                    const QaType *concrete)
{
    QaInterfaceClass *copy = g_memdup2(src, src->type->class_size);

    copy->concrete = concrete;
    return copy;
}

static bool class_has_iface(const QaObjectClass *klass, const QaType *iface)
{
    for (guint i = 0; i < klass->interfaces->len; i++) {
        QaObjectClass *ic = g_ptr_array_index(klass->interfaces, i);
        if (ic->type == iface) {
            return true;
        }
    }
    return false;
}

/*
 * Give @klass its own copy of every interface class: inherited ones copied
 * from the parent's copy (keeping the parent's implementation), new ones
 * from the interface type's class (its defaults).
 */
static void class_init_interfaces(QaObjectClass *klass,
                                  const QaObjectClass *parent_class)
{
    const QaType *type = klass->type;

    klass->interfaces = g_ptr_array_new();
    if (type->is_interface) {
        return;
    }
    for (guint i = 0; parent_class && i < parent_class->interfaces->len; i++) {
        g_ptr_array_add(
            klass->interfaces,
            iface_copy(g_ptr_array_index(parent_class->interfaces, i), type));
    }
    for (guint i = 0; i < type->ifaces->len; i++) {
        const QaType *iface = g_ptr_array_index(type->ifaces, i);

        if (!class_has_iface(klass, iface)) {
            g_ptr_array_add(klass->interfaces,
                            iface_copy(qa_type_get_class(iface), type));
        }
    }
}

static bool class_has_prop(const QaObjectClass *klass, const char *name)
{
    for (guint i = 0; i < klass->props->len; i++) {
        const QaProperty *p = g_ptr_array_index(klass->props, i);
        if (strcmp(p->name, name) == 0) {
            return true;
        }
    }
    return false;
}

QaObjectClass *qa_type_get_class(const QaType *ctype)
{
    QaType *type = (QaType *)ctype;
    QaObjectClass *parent_class = NULL;
    QaObjectClass *klass;

    if (type->klass) {
        return type->klass;
    }
    if (type->class_initializing) {
        g_error("class_init of type '%s' needs its own class",
                type->info->name);
    }
    type->class_initializing = true;

    klass = g_malloc0(type->class_size);
    if (type->parent) {
        parent_class = qa_type_get_class(type->parent);
        memcpy(klass, parent_class, type->parent->class_size);
    }
    klass->type = type;
    /* class_init adds the class's own properties; inherited ones follow. */
    klass->props = g_ptr_array_new();
    class_init_interfaces(klass, parent_class);

    if (type->info->class_init) {
        type->info->class_init(klass, type->info->class_data);
    }
    for (guint i = 0; parent_class && i < parent_class->props->len; i++) {
        const QaProperty *p = g_ptr_array_index(parent_class->props, i);
        /* A redeclared property (e.g. another default) hides the parent's. */
        if (!class_has_prop(klass, p->name)) {
            g_ptr_array_add(klass->props, (gpointer)p);
        }
    }

    type->class_initializing = false;
    type->klass = klass;
    return klass;
}

static QaInterfaceClass *class_find_iface(QaObjectClass *klass,
                                          const char *name, bool exact)
{
    for (guint i = 0; i < klass->interfaces->len; i++) {
        QaObjectClass *ic = g_ptr_array_index(klass->interfaces, i);
        if (exact ? strcmp(ic->type->info->name, name) == 0
                  : type_derives_from(ic->type, name)) {
            return (QaInterfaceClass *)ic;
        }
    }
    return NULL;
}

QaObjectClass *qa_class_cast(QaObjectClass *klass, const char *type_name)
{
    QaInterfaceClass *ic;

    if (!klass || !type_name) {
        return NULL;
    }
    if (type_derives_from(klass->type, type_name)) {
        return klass;
    }
    /* Prefer the interface itself over one derived from it. */
    ic = class_find_iface(klass, type_name, true);
    if (!ic) {
        ic = class_find_iface(klass, type_name, false);
    }
    return (QaObjectClass *)ic;
}

static gint type_cmp_name(gconstpointer a, gconstpointer b)
{
    return strcmp(qa_type_name(a), qa_type_name(b));
}

GSList *qa_type_list(const char *ancestor_name, bool include_abstract)
{
    GHashTableIter it;
    gpointer value;
    GSList *list = NULL;

    registry_init();
    g_hash_table_iter_init(&it, registry);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        const QaType *type = value;

        if (ancestor_name && !qa_type_is_a(type, ancestor_name)) {
            continue;
        }
        if (!include_abstract && qa_type_is_abstract(type)) {
            continue;
        }
        list = g_slist_prepend(list, (gpointer)type);
    }
    return g_slist_sort(list, type_cmp_name);
}
