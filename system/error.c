/*
 * The QA_ERROR domain.
 */
#include <qaccel/error.h>

G_DEFINE_QUARK(qa-error-quark, qa_error)
