/*
 * qaccel object model (a small QOM).
 *
 * Types are described by QaTypeInfo and registered from one explicit table
 * (qa_types_register_builtin(), or qa_type_register() by an embedder) —
 * there are no constructor functions.  Single inheritance: an instance
 * struct starts with its parent's instance struct, a class struct with its
 * parent's class struct.  Interfaces are types whose class struct starts with
 * QaInterfaceClass; a class implementing one gets its own copy of the
 * interface class, filled in by its class_init.
 *
 * Objects are reference counted and form a composition tree: a child added
 * with qa_object_add_child() is owned by its parent and has the canonical
 * path /parent/.../name (the root is "/", the machine lives at /machine).
 *
 * Properties are declared per class in static QaProperty tables (typed:
 * bool, int8..int64, uint8..uint64, string, enum, size, link) with defaults
 * and documentation, or as computed properties with getter/setter hooks.
 * Property values travel as strings (CLI, configs, qom-set from strings) or
 * as GVariants (QMP).  Threading: the object model is main-thread only.
 */
#ifndef QACCEL_OBJECT_H
#define QACCEL_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct QaObject QaObject;
typedef struct QaObjectClass QaObjectClass;
typedef struct QaInterfaceClass QaInterfaceClass;
typedef struct QaType QaType; /* opaque registered type */

#define QA_TYPE_OBJECT "object"
#define QA_TYPE_INTERFACE "interface"

typedef struct QaTypeInfo {
    const char *name;
    const char *parent;      /* NULL only for "object" and "interface" */
    const char *description; /* one line, shown by -device help */
    size_t instance_size;    /* 0: same as parent */
    size_t class_size;       /* 0: same as parent */
    bool abstract;
    const char *const *interfaces; /* NULL-terminated interface type names */
    void (*class_init)(QaObjectClass *klass, const void *data);
    const void *class_data;
    void (*instance_init)(QaObject *obj);
    void (*instance_finalize)(QaObject *obj);
} QaTypeInfo;

/* Property kinds.  Offsets are into the instance struct. */
typedef enum {
    QA_PROP_BOOL,
    QA_PROP_INT8,
    QA_PROP_INT16,
    QA_PROP_INT32,
    QA_PROP_INT64,
    QA_PROP_UINT8,
    QA_PROP_UINT16,
    QA_PROP_UINT32,
    QA_PROP_UINT64,
    QA_PROP_STRING, /* char * owned by the object (g_free on finalize) */
    QA_PROP_ENUM,   /* int field; names in enum_names[] */
    QA_PROP_SIZE,   /* uint64_t; accepts suffixes K M G T (powers of 1024) */
    QA_PROP_LINK,   /* QaObject * (not a reference); value is a path */
} QaPropKind;

typedef struct QaProperty QaProperty;

/*
 * Computed-property hooks.  get returns a newly allocated string in the
 * same syntax set_str accepts; set parses it.  Either may be NULL
 * (read-only or write-only).
 */
typedef char *(*QaPropGetter)(QaObject *obj, const QaProperty *prop);
typedef bool (*QaPropSetter)(QaObject *obj, const QaProperty *prop,
                             const char *value, GError **error);

struct QaProperty {
    const char *name;
    QaPropKind kind;
    size_t offset; /* ignored when get/set hooks are given */
    const char *doc;
    union {
        bool b;
        int64_t i;
        uint64_t u;
        const char *s; /* STRING default, or ENUM default name */
    } def;
    const char *const *enum_names; /* ENUM: NULL-terminated */
    const char *link_type;         /* LINK: required type of the target */
    bool read_only; /* not settable once the object is realized */
    QaPropGetter get;
    QaPropSetter set;
};

#define QA_PROPERTY_END                                                        \
    {                                                                          \
        .name = NULL                                                           \
    }

struct QaObjectClass {
    const QaType *type;
    /* private to qom/ */
    GPtrArray *props;      /* const QaProperty *, own then ancestors' */
    GPtrArray *interfaces; /* QaInterfaceClass * */
    void (*unparent)(QaObject *obj);
    /*
     * is_frozen: whether @obj's read_only properties can no longer be set
     * (the device class answers "realized").  NULL: never frozen.
     */
    bool (*is_frozen)(QaObject *obj);
};

struct QaInterfaceClass {
    QaObjectClass parent_class;
    const QaType *concrete; /* the implementing class's type */
};

struct QaObject {
    QaObjectClass *klass;
    /* private to qom/ */
    gint ref;
    QaObject *parent;
    char *name;
    GPtrArray *children; /* QaObject *, in insertion order */
};

/* ---- types ---------------------------------------------------------- */

/**
 * qa_type_register: register @info (which must outlive the process).
 * Returns the type, or NULL with QA_ERROR_EXISTS if the name is taken
 * or QA_ERROR_NOT_FOUND if the parent or an interface is unknown.
 */
const QaType *qa_type_register(const QaTypeInfo *info, GError **error);

/**
 * qa_types_register_builtin: register every type compiled into libqaccel
 * from its one explicit table.  Idempotent.
 */
void qa_types_register_builtin(void);

/** qa_type_lookup: the type called @name, or NULL. */
const QaType *qa_type_lookup(const char *name);

/** qa_type_name: the name of @type. */
const char *qa_type_name(const QaType *type);

/** qa_type_description: the one-line description (may be NULL). */
const char *qa_type_description(const QaType *type);

/** qa_type_is_abstract: whether @type cannot be instantiated. */
bool qa_type_is_abstract(const QaType *type);

/** qa_type_parent: the parent type, or NULL for a root. */
const QaType *qa_type_parent(const QaType *type);

/**
 * qa_type_is_a: whether @type is @ancestor_name, derives from it, or
 * implements the interface of that name.
 */
bool qa_type_is_a(const QaType *type, const char *ancestor_name);

/**
 * qa_type_get_class: the class of @type, initialised on first use.
 */
QaObjectClass *qa_type_get_class(const QaType *type);

/**
 * qa_type_list: newly allocated list (free with g_slist_free) of the
 * non-abstract types that are @ancestor_name or derive from it (or
 * implement it), sorted by name.  @include_abstract adds abstract ones.
 */
GSList *qa_type_list(const char *ancestor_name, bool include_abstract);

/* ---- objects -------------------------------------------------------- */

/**
 * qa_object_new: create an instance of the type called @type_name with
 * its properties at their defaults.  Returns a new reference, or NULL with
 * QA_ERROR_NOT_FOUND (unknown type) or QA_ERROR_INVALID (abstract type or
 * interface).
 */
QaObject *qa_object_new(const char *type_name, GError **error);

/** qa_object_ref: add a reference; returns @obj. */
QaObject *qa_object_ref(QaObject *obj);

/** qa_object_unref: drop a reference; finalizes at zero. NULL is ok. */
void qa_object_unref(QaObject *obj);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(QaObject, qa_object_unref)

/** qa_object_type: the type of @obj. */
const QaType *qa_object_type(const QaObject *obj);

/** qa_object_type_name: the type name of @obj. */
const char *qa_object_type_name(const QaObject *obj);

/** qa_object_is_a: qa_type_is_a() on @obj's type; false for NULL. */
bool qa_object_is_a(const QaObject *obj, const char *type_name);

/**
 * qa_object_dynamic_cast: @obj if it is a @type_name, else NULL.
 */
QaObject *qa_object_dynamic_cast(QaObject *obj, const char *type_name);

/**
 * qa_object_check_cast: @obj if it is a @type_name; a failed cast is a
 * programming error and aborts with both type names (g_error).
 */
QaObject *qa_object_check_cast(QaObject *obj, const char *type_name,
                               const char *file, int line);

/**
 * qa_object_get_class / qa_object_class_cast: the class of @obj, or that
 * class viewed as @type_name (a parent class or an implemented interface
 * class); NULL if it is neither.
 */
QaObjectClass *qa_object_get_class(const QaObject *obj);
QaObjectClass *qa_class_cast(QaObjectClass *klass, const char *type_name);

#define QA_OBJECT(o) ((QaObject *)(o))
#define QA_CAST(T, o, name)                                                    \
    ((T *)qa_object_check_cast(QA_OBJECT(o), (name), __FILE__, __LINE__))
#define QA_CLASS_OF(T, o, name)                                                \
    ((T *)qa_class_cast(qa_object_get_class(QA_OBJECT(o)), (name)))

/* ---- composition tree ----------------------------------------------- */

/**
 * qa_object_root: the root container "/" (created on first use).
 */
QaObject *qa_object_root(void);

/**
 * qa_object_add_child: make @child a child of @parent called @name; the
 * parent takes its own reference.  Fails with QA_ERROR_EXISTS if @parent
 * already has a child of that name, QA_ERROR_INVALID if @name is empty,
 * contains '/' or @child already has a parent.
 */
bool qa_object_add_child(QaObject *parent, const char *name, QaObject *child,
                         GError **error);

/**
 * qa_object_unparent: detach @obj from its parent (dropping the parent's
 * reference).  No-op without a parent.
 */
void qa_object_unparent(QaObject *obj);

/** qa_object_get_parent / qa_object_get_name: tree accessors. */
QaObject *qa_object_get_parent(const QaObject *obj);
const char *qa_object_get_name(const QaObject *obj);

/** qa_object_child: the child of @obj called @name, or NULL (borrowed). */
QaObject *qa_object_child(QaObject *obj, const char *name);

/**
 * qa_object_foreach_child: call @fn for each child in insertion order;
 * stops early and returns false if @fn returns false.
 */
bool qa_object_foreach_child(QaObject *obj,
                             bool (*fn)(QaObject *child, void *opaque),
                             void *opaque);

/**
 * qa_object_canonical_path: newly allocated "/machine/peripheral/foo",
 * or NULL if @obj is not attached to the root.
 */
char *qa_object_canonical_path(const QaObject *obj);

/**
 * qa_object_resolve_path: the object at absolute @path ("/machine/...").
 * Returns a borrowed pointer or NULL with QA_ERROR_NOT_FOUND (no such
 * object) or QA_ERROR_INVALID (@path does not start with '/').
 */
QaObject *qa_object_resolve_path(const char *path, GError **error);

/**
 * qa_object_resolve_partial: like QEMU's object_resolve_path(): an
 * absolute @path, or a partial one ("pm", "peripheral/p0") that matches
 * the end of exactly one canonical path.  Returns a borrowed pointer, or
 * NULL if nothing matches or (then *@ambiguous is set, if given) more than
 * one object does.
 */
QaObject *qa_object_resolve_partial(const char *path, bool *ambiguous);

/* ---- properties ----------------------------------------------------- */

/**
 * qa_class_add_properties: declare @props (terminated by
 * QA_PROPERTY_END, static storage) on @klass; called from class_init.
 */
void qa_class_add_properties(QaObjectClass *klass, const QaProperty *props);

/**
 * qa_object_find_property: the property @name of @obj's class (own or
 * inherited), or NULL.
 */
const QaProperty *qa_object_find_property(QaObject *obj, const char *name);

/**
 * qa_class_foreach_property: call @fn for every property of @klass
 * (own first, then inherited).
 */
void qa_class_foreach_property(QaObjectClass *klass,
                               void (*fn)(const QaProperty *prop, void *opaque),
                               void *opaque);

/** qa_prop_kind_name: "bool", "uint32", "string", "link<pvpanic>", ... */
char *qa_prop_type_string(const QaProperty *prop);

/**
 * qa_object_set_str: parse @value according to the property's kind and
 * store it.  Errors (QA_ERROR_NOT_FOUND for an unknown property,
 * QA_ERROR_INVALID for a bad value, QA_ERROR_STATE for a read-only property
 * of a realized device) name the property, the value and what was
 * expected, e.g. "Property 'cpus': '12x' is not an unsigned integer".
 */
bool qa_object_set_str(QaObject *obj, const char *name, const char *value,
                       GError **error);

/**
 * qa_object_get_str: the property's value as a newly allocated string in
 * set_str syntax (bool "true"/"false", decimal numbers, enum names, link
 * paths, "" for an unset string/link).  NULL with QA_ERROR_NOT_FOUND.
 */
char *qa_object_get_str(QaObject *obj, const char *name, GError **error);

/**
 * qa_object_get_variant: the value as a floating-free GVariant of the
 * natural type (b, n/i/x, q/u/t, s); caller unrefs.
 */
GVariant *qa_object_get_variant(QaObject *obj, const char *name,
                                GError **error);

/**
 * qa_object_set_variant: set from a GVariant; integers of any width are
 * range-checked, strings are parsed as in set_str.  A floating @value is
 * consumed (as GLib's setters do).
 */
bool qa_object_set_variant(QaObject *obj, const char *name, GVariant *value,
                           GError **error);

/* Typed shortcuts for code (no parsing). */
bool qa_object_get_bool(QaObject *obj, const char *name);
uint64_t qa_object_get_uint(QaObject *obj, const char *name);
int64_t qa_object_get_int(QaObject *obj, const char *name);

/* ---- parsing helpers shared by the CLI and configs ------------------- */

/** qa_parse_uint64: strict base-0 unsigned parse of the whole string. */
bool qa_parse_uint64(const char *s, uint64_t *out);

/** qa_parse_int64: strict base-0 signed parse of the whole string. */
bool qa_parse_int64(const char *s, int64_t *out);

/**
 * qa_parse_size: a size with optional suffix B, K, M, G, T (x1024);
 * a bare number is bytes.
 */
bool qa_parse_size(const char *s, uint64_t *out);

/** qa_parse_bool: on/off, true/false, yes/no, 1/0. */
bool qa_parse_bool(const char *s, bool *out);

G_END_DECLS

#endif
