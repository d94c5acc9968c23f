/*
 * The qtest accelerator: runs no guest code; the machine clock is a
 * virtual clock that only the test advances (qtest clock_step/clock_set).
 */
#ifndef QACCEL_QTEST_ACCEL_H
#define QACCEL_QTEST_ACCEL_H

#include <qaccel/accel.h>

G_BEGIN_DECLS

#define QA_TYPE_QTEST_ACCEL "qtest-accel"

/** qa_accel_is_qtest: whether @accel is the qtest accelerator. */
bool qa_accel_is_qtest(QaAccel *accel);

/**
 * qa_qtest_clock_step: advance the virtual clock of @accel by @ns (>= 0)
 * and return the new value in ns.
 */
int64_t qa_qtest_clock_step(QaAccel *accel, int64_t ns);

/**
 * qa_qtest_clock_set: advance the virtual clock to @ns if that is in the
 * future (it never goes backwards); returns the clock afterwards.
 */
int64_t qa_qtest_clock_set(QaAccel *accel, int64_t ns);

G_END_DECLS

#endif
