/*
 * Freestanding runtime of the x86 test guests: console, mailbox records,
 * power paths and the string helpers the compiler may call.
 *
 * No state lives in .data/.bss here, so the runtime is usable from every
 * vCPU (only vCPU 0 initialises those sections, see crt0.S).
 */
#include <stdarg.h>
#include "guest.h"

/* ICH9 LPC (00:1f.0) config registers QEMU's q35 needs programmed. */
#define LPC_CFG(reg) (0x80000000u | (31u << 11) | (reg))
#define LPC_PMBASE 0x40
#define LPC_ACPI_CTRL 0x44
#define LPC_ACPI_EN 0x80

#define PM1_SLP_EN (1u << 13)
#define PM1_SLP_TYP(t) ((uint16_t)((t) << 10))

void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;

    while (n--) {
        *p++ = (uint8_t)c;
    }
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;

    while (n--) {
        *dp++ = *sp++;
    }
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *pa = a, *pb = b;

    for (; n; n--, pa++, pb++) {
        if (*pa != *pb) {
            return *pa - *pb;
        }
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n]) {
        n++;
    }
    return n;
}

static void console_write(const char *s, size_t len)
{
    /* rep outsb: the whole string in one PIO exit */
    __asm__ volatile("rep outsb"
                     : "+S"(s), "+c"(len)
                     : "d"((uint16_t)GUEST_DEBUG_PORT)
                     : "memory");
}

void guest_putc(char c)
{
    outb(GUEST_DEBUG_PORT, (uint8_t)c);
}

void guest_puts(const char *s)
{
    console_write(s, strlen(s));
}

typedef struct Buf {
    char *p;
    size_t len, cap;
} Buf;

static void buf_putc(Buf *b, char c)
{
    if (b->len + 1 < b->cap) {
        b->p[b->len++] = c;
    }
}

/* Unsigned in @base (10 or 16) using 32-bit arithmetic only: no libgcc. */
static void buf_putu(Buf *b, uint32_t v, unsigned base, int width, char pad)
{
    char tmp[12];
    int n = 0;

    do {
        unsigned d = v % base;
        tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    while (width-- > n) {
        buf_putc(b, pad);
    }
    while (n) {
        buf_putc(b, tmp[--n]);
    }
}

static void buf_vprintf(Buf *b, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        int width = 0, lng = 0;
        char pad = ' ';

        if (*fmt != '%') {
            buf_putc(b, *fmt);
            continue;
        }
        fmt++;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9') {
            width = width * 10 + (*fmt++ - '0');
        }
        while (*fmt == 'l') {
            lng++;
            fmt++;
        }
        switch (*fmt) {
        case 'd': {
            int32_t v = va_arg(ap, int32_t);
            if (v < 0) {
                buf_putc(b, '-');
                buf_putu(b, 0u - (uint32_t)v, 10, width, pad);
            } else {
                buf_putu(b, (uint32_t)v, 10, width, pad);
            }
            break;
        }
        case 'u':
            buf_putu(b, va_arg(ap, uint32_t), 10, width, pad);
            break;
        case 'x':
            if (lng >= 2) {
                /* %llx: hex needs only shifts, so 64 bits are cheap */
                uint64_t v = va_arg(ap, uint64_t);
                uint32_t hi = (uint32_t)(v >> 32);
                if (hi) {
                    buf_putu(b, hi, 16, width > 8 ? width - 8 : 0, pad);
                    buf_putu(b, (uint32_t)v, 16, 8, '0');
                } else {
                    buf_putu(b, (uint32_t)v, 16, width, pad);
                }
            } else {
                buf_putu(b, va_arg(ap, uint32_t), 16, width, pad);
            }
            break;
        case 'c':
            buf_putc(b, (char)va_arg(ap, int));
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            while (*s) {
                buf_putc(b, *s++);
            }
            break;
        }
        case '%':
            buf_putc(b, '%');
            break;
        default:
            buf_putc(b, '?');
            break;
        }
    }
}

void guest_printf(const char *fmt, ...)
{
    char out[256];
    Buf b = { out, 0, sizeof(out) };
    va_list ap;

    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    console_write(out, b.len);
}

unsigned guest_cpu_id(void)
{
    uint32_t a = 1, bx, c = 0, d;

    __asm__ volatile("cpuid" : "+a"(a), "=b"(bx), "+c"(c), "=d"(d));
    return bx >> 24;
}

/*
 * QEMU's q35 maps the PM block only once firmware has programmed the LPC
 * bridge (unmapped ports read all-ones); qaccel's q35-lite maps it from
 * power-on, so there this costs a single read.
 */
static void pm_enable(void)
{
    if (inw(GUEST_PM_BASE) != 0xffff) {
        return;
    }
    outl(0xcf8, LPC_CFG(LPC_PMBASE));
    outl(0xcfc, GUEST_PM_BASE | 1);
    outl(0xcf8, LPC_CFG(LPC_ACPI_CTRL));
    outb(0xcfc, LPC_ACPI_EN);
}

void guest_poweroff(void)
{
    pm_enable();
    outw(GUEST_PM1_CNT, PM1_SLP_TYP(0) | PM1_SLP_EN);
}

void guest_suspend_s3(void)
{
    pm_enable();
    outw(GUEST_PM1_CNT, PM1_SLP_TYP(1) | PM1_SLP_EN);
}

void guest_reset_cf9(void)
{
    /* the sequence firmware uses for a hard reset */
    outb(GUEST_RESET_PORT, 0x02);
    outb(GUEST_RESET_PORT, 0x06);
}

void guest_reset_i8042(void)
{
    outb(GUEST_I8042_CMD, 0xfe);
}

void guest_triple_fault(void)
{
    static const struct __attribute__((packed)) {
        uint16_t limit;
        uint32_t base;
    } empty_idt = { 0, 0 };

    /* #UD with no IDT -> #GP -> #DF -> shutdown */
    __asm__ volatile("cli; lidt %0; ud2" : : "m"(empty_idt));
    for (;;) {
    }
}

void guest_halt(void)
{
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

static void copy_str(char *dst, const char *src, size_t cap)
{
    size_t i = 0;

    for (; src[i] && i + 1 < cap; i++) {
        dst[i] = src[i];
    }
    for (; i < cap; i++) {
        dst[i] = 0;
    }
}

static void mailbox_post(uint32_t kind, uint32_t stage, const char *file,
                         int line, const char *expr, uint32_t a, uint32_t b,
                         bool has_values)
{
    volatile struct guest_mailbox *mb =
        (volatile struct guest_mailbox *)(GUEST_MAILBOX_ADDR +
                                          guest_cpu_id() * 128);

    mb->magic = GUEST_MAILBOX_MAGIC;
    mb->kind = kind;
    mb->stage = stage;
    mb->line = (uint32_t)line;
    mb->a = a;
    mb->b = b;
    mb->has_values = has_values;
    copy_str((char *)mb->file, file, sizeof(mb->file));
    copy_str((char *)mb->expr, expr ? expr : "", sizeof(mb->expr));
    /* the record is complete before seq says so (x86 keeps store order;
     * the barrier keeps the compiler from reordering) */
    __asm__ volatile("" ::: "memory");
    mb->seq = mb->seq + 1;
}

void guest_sync_report(unsigned stage, const char *file, int line)
{
    mailbox_post(GUEST_MB_SYNC, stage, file, line, NULL, 0, 0, false);
    guest_printf("@@SYNC %u %s:%d\n", stage, file, line);
}

void guest_done_report(const char *file, int line)
{
    mailbox_post(GUEST_MB_DONE, 0, file, line, NULL, 0, 0, false);
    guest_printf("@@DONE %s:%d\n", file, line);
}

void guest_assert_fail(const char *file, int line, const char *expr,
                       uint32_t a, uint32_t b, bool has_values)
{
    mailbox_post(GUEST_MB_ASSERT, 0, file, line, expr, a, b, has_values);
    if (has_values) {
        guest_printf("@@ASSERT %s:%d: %s (0x%x != 0x%x)\n", file, line, expr,
                     a, b);
    } else {
        guest_printf("@@ASSERT %s:%d: %s\n", file, line, expr);
    }
    guest_halt();
}
