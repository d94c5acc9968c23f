/*
 * Shared by the fuzz targets (tests/fuzz/fuzz-*.c): the libFuzzer entry
 * point, a reader that turns the input bytes into typed values, and the
 * way a target reports a broken invariant.  See docs/fuzzing.md.
 *
 * Each target is built twice over: with tests/fuzz/driver.c (a seeded,
 * bounded, deterministic mutator run by `meson test --suite fuzz`) or,
 * with -Dfuzzing=enabled and clang, against libFuzzer.
 */
#ifndef QACCEL_TESTS_FUZZ_H
#define QACCEL_TESTS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

/* The one function every target defines (libFuzzer's contract). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Consumes an input from the front.  Once the bytes run out every read
 * yields zero, so a target never has to check lengths and short inputs
 * still mean something.
 */
typedef struct FuzzIn {
    const uint8_t *p;
    size_t n;
} FuzzIn;

static inline uint8_t fuzz_u8(FuzzIn *in)
{
    uint8_t v = 0;

    if (in->n) {
        v = *in->p++;
        in->n--;
    }
    return v;
}

static inline uint32_t fuzz_u32(FuzzIn *in)
{
    uint32_t v = 0;

    for (int i = 0; i < 4; i++) {
        v |= (uint32_t)fuzz_u8(in) << (8 * i);
    }
    return v;
}

static inline uint64_t fuzz_u64(FuzzIn *in)
{
    uint64_t lo = fuzz_u32(in);

    return lo | (uint64_t)fuzz_u32(in) << 32;
}

static inline bool fuzz_bool(FuzzIn *in)
{
    return fuzz_u8(in) & 1;
}

/*
 * A broken invariant: say what and where, then abort() so the driver (or
 * libFuzzer) saves the input as a crash.  Test code only: the library
 * itself never aborts on external input.
 */
#define fuzz_check(cond, ...)                                                  \
    do {                                                                       \
        if (!(cond)) {                                                         \
            g_printerr("%s:%d: fuzz invariant '%s' broken: ", __FILE__,        \
                       __LINE__, #cond);                                       \
            g_printerr(__VA_ARGS__);                                           \
            g_printerr("\n");                                                  \
            abort();                                                           \
        }                                                                      \
    } while (0)

/*
 * fuzz_quiet_logs: route GLib logging for a fuzz run.  Guest and client
 * mistakes are logged as warnings by design and would flood a long run,
 * so messages below CRITICAL are dropped (QA_FUZZ_VERBOSE=1 keeps them).
 * A g_critical() is a failed g_return_if_fail(), a broken contract, so it
 * aborts like a crash.  Call it first thing, once.
 */
void fuzz_quiet_logs(void);

#endif
