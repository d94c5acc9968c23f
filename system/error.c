/*
 * The QA_ERROR domain.
 */
#include <qaccel/error.h>

/* clang-format off */
G_DEFINE_QUARK(qa-error-quark, qa_error)
/* clang-format on */
