/*
 * Structured input for the qtest fuzz target (qtest-gen.c).
 */
#ifndef QACCEL_TESTS_FUZZ_QTEST_GEN_H
#define QACCEL_TESTS_FUZZ_QTEST_GEN_H

#include <qaccel/machine.h>

/* qtest_gen_init: learn @m's regions and devices (after realize). */
void qtest_gen_init(QaMachine *m);

/*
 * qtest_gen_lines: the command lines @data describes, each ending in a
 * newline, @len bytes (they may hold NULs; g_free).  Every byte sequence
 * makes some program.
 */
char *qtest_gen_lines(const uint8_t *data, size_t size, size_t *len);

#endif
