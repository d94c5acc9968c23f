/*
 * Helpers shared by the kvm suite: /dev/kvm checks, starting the x86 test
 * guests (tests/guests/x86) under `qaccel -accel kvm` through libqtest,
 * reading their mailboxes and asserting QMP events.
 */
#ifndef QACCEL_KVM_TEST_H
#define QACCEL_KVM_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include "libqtest.h"

/* Host view of struct guest_mailbox (tests/guests/x86/guest.h). */
#define KT_MAILBOX_ADDR 0x800u
#define KT_MAILBOX_MAGIC 0x424d4151u
enum { KT_MB_NONE, KT_MB_SYNC, KT_MB_ASSERT, KT_MB_DONE };

typedef struct KtMailbox {
    uint32_t magic, seq, kind, stage, line, a, b, has_values;
    char file[32];
    char expr[64];
} KtMailbox;

/**
 * kt_kvm_usable: whether /dev/kvm can be opened; if not, *why says why
 * (static string).
 */
bool kt_kvm_usable(const char **why);

/* Skip the current test (and return) where /dev/kvm is missing. */
#define KT_REQUIRE_KVM()                                                       \
    do {                                                                       \
        const char *why_;                                                      \
        if (!kt_kvm_usable(&why_)) {                                           \
            g_test_skip(why_);                                                 \
            return;                                                            \
        }                                                                      \
    } while (0)

/** kt_guest_image: path of tests/guests/x86 image @name (new string). */
char *kt_guest_image(const char *name);

/**
 * kt_start: start `qaccel -machine q35-lite -accel kvm -bios IMAGE -S
 * EXTRA` (EXTRA may be NULL), then `cont` and wait for RESUME, so no
 * event of the guest's can be lost before QMP is ready.
 */
QTestState *kt_start(const char *image_name, const char *extra);

/**
 * kt_mailbox: read vCPU @cpu's mailbox through qtest; false if qaccel is
 * gone or the reply is malformed.
 */
bool kt_mailbox(QTestState *s, int cpu, KtMailbox *mb);

/**
 * kt_next_event: the next event, whatever it is (unref it); @what names
 * what is awaited in failure messages.  While waiting, a GUEST_ASSERT in
 * vCPU 0's mailbox fails the test with its file:line.
 */
JsonObject *kt_next_event(QTestState *s, const char *what);

/**
 * kt_expect_event: the next event must be @name with data containing
 * @data_json (a qtest_vjsonf template, may be NULL).  While waiting, a
 * GUEST_ASSERT in vCPU 0's mailbox fails the test with its file:line.
 * Returns the event (unref it), for further checks.
 */
JsonObject *kt_expect_event(QTestState *s, const char *name,
                            const char *data_json);

/** kt_expect: kt_expect_event() without keeping the event. */
void kt_expect(QTestState *s, const char *name, const char *data_json);

/** kt_expect_no_event: no event arrives within @ms. */
void kt_expect_no_event(QTestState *s, int ms);

/** kt_expect_status: query-status reports @status. */
void kt_expect_status(QTestState *s, const char *status);

/** kt_expect_exit: qaccel exits by itself with @status; frees @s. */
void kt_expect_exit(QTestState *s, int status);

/**
 * kt_wait_progress: wait until vCPU @cpu's mailbox seq moves past @seq
 * (returns the new value); fails the test after a timeout.
 */
uint32_t kt_wait_progress(QTestState *s, int cpu, uint32_t seq);

#endif
