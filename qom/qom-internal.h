/*
 * Private interfaces shared by the files of qom/.  Nothing outside qom/
 * may include this header.
 */
#ifndef QACCEL_QOM_INTERNAL_H
#define QACCEL_QOM_INTERNAL_H

#include <qaccel/object.h>

/* A registered type.  Types live as long as the process. */
struct QaType {
    const QaTypeInfo *info;
    const QaType *parent;
    size_t instance_size;    /* resolved (inherited when info says 0) */
    size_t class_size;       /* resolved likewise */
    bool is_interface;       /* "interface" or derived from it */
    GPtrArray *ifaces;       /* const QaType *: interfaces info lists */
    QaObjectClass *klass;    /* NULL until first use */
    bool class_initializing; /* guards against class_init recursion */
};

/* Outcome of the strict number parsers. */
typedef enum {
    QOM_PARSE_OK,
    QOM_PARSE_BAD,   /* not a number of the expected syntax */
    QOM_PARSE_RANGE, /* well formed but does not fit */
} QomParseResult;

QomParseResult qom_parse_u64(const char *s, uint64_t *out);
QomParseResult qom_parse_i64(const char *s, int64_t *out);
QomParseResult qom_parse_size(const char *s, uint64_t *out);

/*
 * qom_object_describe: a phrase naming @obj for error messages: its
 * quoted canonical path when attached ("'/machine/foo'"), else its type
 * ("an unattached 'pvpanic'").  Newly allocated.
 */
char *qom_object_describe(const QaObject *obj);

/* Apply the declared defaults of every field property of @obj's class. */
void qom_props_init_instance(QaObject *obj);

/* Release what field properties own (strings) before @obj is freed. */
void qom_props_finalize_instance(QaObject *obj);

/* The property @name of @obj, or NULL with QA_ERROR_NOT_FOUND. */
const QaProperty *qom_prop_find(QaObject *obj, const char *name,
                                GError **error);

/* Set @prop from @value (set_str syntax), honouring read-only rules. */
bool qom_prop_set(QaObject *obj, const QaProperty *prop, const char *value,
                  GError **error);

/* @prop's value in set_str syntax (newly allocated), or NULL with error. */
char *qom_prop_get(QaObject *obj, const QaProperty *prop, GError **error);

#endif
