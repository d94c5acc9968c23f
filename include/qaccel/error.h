/*
 * qaccel error domain.
 *
 * Every fallible qaccel function takes a trailing GError ** and reports
 * failures in the QA_ERROR domain with one of the codes below.
 */
#ifndef QACCEL_ERROR_H
#define QACCEL_ERROR_H

#include <glib.h>

G_BEGIN_DECLS

#define QA_ERROR (qa_error_quark())

typedef enum {
    QA_ERROR_FAILED,      /* generic failure */
    QA_ERROR_INVALID,     /* bad value, syntax or argument */
    QA_ERROR_NOT_FOUND,   /* unknown type, object, property, command */
    QA_ERROR_EXISTS,      /* duplicate id or name */
    QA_ERROR_UNSUPPORTED, /* valid request this build/host/machine cannot do */
    QA_ERROR_STATE,       /* not allowed in the current state */
    QA_ERROR_IO,          /* system call or file failure */
} QaErrorCode;

/**
 * qa_error_quark: the GQuark of the QA_ERROR domain.
 */
GQuark qa_error_quark(void);

G_END_DECLS

#endif
