/*
 * Freestanding runtime of the x86 test guests (32-bit flat protected mode).
 *
 * A guest is one C file defining guest_main(cpu).  It reports to the host
 * in two ways at once:
 *
 * - the mailbox: one record per vCPU in guest RAM at GUEST_MAILBOX_ADDR
 *   (struct guest_mailbox below), which a host test reads with qtest
 *   `read` while the guest runs or after it stopped;
 * - the debug console (-device isa-debugcon, port 0xE9): plain text, and
 *   the same records as lines starting with "@@":
 *
 *   @@SYNC <stage> <file>:<line>
 *   @@ASSERT <file>:<line>: <expression>[ (<a> != <b>)]
 *   @@DONE <file>:<line>
 *
 * GUEST_SYNC does not wait for the host: the host reacts to it while the
 * guest goes on (usually into a power-state change the host then sees as
 * a QMP event).  A failed GUEST_ASSERT halts the vCPU for good.
 *
 * Everything here must stay plain i386 integer code: on hosts without
 * VT-x/AMD-V (nested PVM) guest code runs through KVM's instruction
 * emulator, which lacks many newer instructions.
 */
#ifndef QACCEL_GUEST_H
#define QACCEL_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef __FILE_NAME__
#define __FILE_NAME__ __FILE__
#endif

/* Ports and addresses of qaccel's q35-lite (and QEMU q35) */
#define GUEST_DEBUG_PORT 0xE9      /* debug console (-device isa-debugcon) */
#define GUEST_PM_BASE 0x600        /* ACPI PM1a_EVT; PM1a_CNT at +4 */
#define GUEST_PM1_CNT (GUEST_PM_BASE + 4)
#define GUEST_RESET_PORT 0xCF9
#define GUEST_I8042_CMD 0x64
#define GUEST_PVPANIC_PORT 0x505
#define GUEST_BENCH_PORT 0x80      /* POST code port: a PIO exit, no effect */
#define GUEST_BENCH_MMIO 0xD0000000u /* PCI hole: an MMIO exit, no effect */

#define GUEST_NOINIT __attribute__((section(".noinit")))
#define GUEST_NORETURN __attribute__((noreturn))

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void mmio_write32(uint32_t addr, uint32_t v)
{
    *(volatile uint32_t *)addr = v;
}

static inline uint32_t mmio_read32(uint32_t addr)
{
    return *(volatile uint32_t *)addr;
}

static inline void wrmsr(uint32_t index, uint64_t v)
{
    __asm__ volatile("wrmsr"
                     :
                     : "c"(index), "a"((uint32_t)v),
                       "d"((uint32_t)(v >> 32)));
}

static inline uint64_t rdmsr(uint32_t index)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(index));
    return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
    __asm__ volatile("rep; nop" ::: "memory");
}

/* Atomic add on a 32-bit word; returns the new value (lock xadd, i486+). */
static inline uint32_t atomic_add(volatile uint32_t *p, uint32_t v)
{
    uint32_t old = v;
    __asm__ volatile("lock; xaddl %0, %1" : "+r"(old), "+m"(*p) : : "memory");
    return old + v;
}

/* Defined by each guest: runs on every vCPU. */
void guest_main(unsigned cpu);

/* Console (debug port); one port exit per string. */
void guest_putc(char c);
void guest_puts(const char *s);
void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The vCPU's index (initial APIC ID). */
unsigned guest_cpu_id(void);

/*
 * Power paths.  Each returns only if the machine did not act on the
 * request (the caller then reports it).
 */
void guest_poweroff(void);         /* ACPI S5 through PM1a_CNT */
void guest_suspend_s3(void);       /* ACPI S3; resume re-enters at reset */
void guest_reset_cf9(void);        /* reset control register 0xCF9 */
void guest_reset_i8042(void);      /* keyboard controller pulse (0xFE) */
GUEST_NORETURN void guest_triple_fault(void);
GUEST_NORETURN void guest_halt(void); /* cli; hlt forever */

/*
 * The mailbox of vCPU n is at GUEST_MAILBOX_ADDR + n * 128 (up to 16
 * vCPUs, below the first .noinit page).  A record is complete when seq
 * changes: the guest writes the fields, then increments seq.
 */
#define GUEST_MAILBOX_ADDR 0x800u
#define GUEST_MAILBOX_MAGIC 0x424d4151u /* "QAMB" */
enum {
    GUEST_MB_NONE,
    GUEST_MB_SYNC,
    GUEST_MB_ASSERT,
    GUEST_MB_DONE,
};

struct guest_mailbox {
    uint32_t magic;
    uint32_t seq;              /* records written so far */
    uint32_t kind;             /* GUEST_MB_* of the last record */
    uint32_t stage;            /* GUEST_SYNC argument */
    uint32_t line;
    uint32_t a, b;             /* GUEST_ASSERT_EQ values */
    uint32_t has_values;
    char file[32];
    char expr[64];
};
_Static_assert(sizeof(struct guest_mailbox) == 128, "mailbox layout");

/* Mailbox records (see the top of this file). */
void guest_sync_report(unsigned stage, const char *file, int line);
GUEST_NORETURN void guest_assert_fail(const char *file, int line,
                                      const char *expr, uint32_t a,
                                      uint32_t b, bool has_values);
void guest_done_report(const char *file, int line);

#define GUEST_SYNC(stage) guest_sync_report((stage), __FILE_NAME__, __LINE__)
#define GUEST_DONE() guest_done_report(__FILE_NAME__, __LINE__)
#define GUEST_ASSERT(cond)                                                 \
    do {                                                                   \
        if (!(cond)) {                                                     \
            guest_assert_fail(__FILE_NAME__, __LINE__, #cond, 0, 0, false); \
        }                                                                  \
    } while (0)
#define GUEST_ASSERT_EQ(a, b)                                              \
    do {                                                                   \
        uint32_t a_ = (uint32_t)(a), b_ = (uint32_t)(b);                   \
        if (a_ != b_) {                                                    \
            guest_assert_fail(__FILE_NAME__, __LINE__, #a " == " #b, a_,   \
                              b_, true);                                   \
        }                                                                  \
    } while (0)

/*
 * Image parameters: a 16-byte block at image offset 0xFFE0 (guest address
 * 0xFFFFFFE0) that tools may patch without rebuilding, e.g. the iteration
 * count of the benchmark guests.  Declare it once per guest with
 * GUEST_PARAMS(default_n) and read it with guest_param_n().
 */
struct guest_params {
    char magic[8];             /* "QAPARAM" */
    uint32_t n;
    uint32_t reserved;
};

#define GUEST_PARAMS(default_n)                                            \
    __attribute__((section(".param"), used)) const struct guest_params     \
        guest_params = { "QAPARAM", (default_n), 0 }

extern const struct guest_params guest_params;

static inline uint32_t guest_param_n(void)
{
    /* volatile: the value in the image may differ from the compiled one */
    return *(const volatile uint32_t *)&guest_params.n;
}

/* Freestanding string helpers (the compiler may call these itself). */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
