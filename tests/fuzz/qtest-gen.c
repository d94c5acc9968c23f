/*
 * The structured half of the qtest fuzz target: turns input bytes into
 * well-formed qtest command lines aimed at what the machine really has
 * (its I/O and MMIO regions, its devices, PSCI/SBI function ids, the
 * Hyper-V MSRs), with arguments that are mostly valid and sometimes not.
 * A blind mutator rarely writes "writel 0x09050000 0x1" by chance; this
 * gets device state machines exercised from the first run.
 */
#include <string.h>
#include <qaccel/machine.h>
#include "fuzz.h"
#include "qtest-gen.h"

typedef struct Region {
    uint64_t base, size;
} Region;

static GArray *pio, *mmio; /* Region */
static GPtrArray *paths;   /* device canonical paths (char *) */
static QaMachine *mach;

static const uint64_t values[] = {
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    0x0f,
    0x10,
    0x20,
    0x2000,
    0x3c00,
    0x7f,
    0x80,
    0xfe,
    0xff,
    0x100,
    0xffff,
    0x8000,
    0x80000000,
    0xffffffff,
    0x100000000ull,
    UINT64_MAX,
    0x8000000000000000ull,
    0x7fffffffffffffffull,
};

static const uint32_t psci_fns[] = {
    0x84000000, 0x84000001, 0xc4000001, 0x84000002, 0x84000003, 0xc4000003,
    0x84000004, 0xc4000004, 0x84000005, 0x84000006, 0x84000007, 0x84000008,
    0x84000009, 0x8400000a, 0x8400000e, 0xc400000e, 0x84000012, 0xc4000012,
    0x84000015, 0xc4000015, 0x80000000, 0x80000001, 0x80008000, 0x8400ff00,
};

static const uint64_t sbi_eids[] = {
    0x00,       0x01,       0x02,       0x08,       0x10,
    0x48534d,   0x53525354, 0x4442434e, 0x54494d45, 0x735049,
    0x52464e43, 0x504d55,   0x53555350, 0x0a000000,
};

static const char *const gpio_names[] = {
    "sci", "unnamed-gpio-in", "unnamed-gpio-out", "irq", "x",
};

static void add_region(const QaIoRegion *r, void *opaque)
{
    Region reg = {r->base, r->size};

    if (r->ops) {
        g_array_append_val((GArray *)opaque, reg);
    }
}

static bool add_path(QaObject *child, void *opaque)
{
    if (qa_object_is_a(child, QA_TYPE_DEVICE)) {
        g_ptr_array_add(paths, qa_object_canonical_path(child));
    }
    qa_object_foreach_child(child, add_path, NULL);
    return true;
}

void qtest_gen_init(QaMachine *m)
{
    mach = m;
    pio = g_array_new(FALSE, FALSE, sizeof(Region));
    mmio = g_array_new(FALSE, FALSE, sizeof(Region));
    paths = g_ptr_array_new_with_free_func(g_free);
    if (m->io) {
        qa_address_space_foreach(m->io, add_region, pio);
    }
    qa_address_space_foreach(m->mem, add_region, mmio);
    qa_object_foreach_child(QA_OBJECT(m), add_path, NULL);
}

static uint64_t gen_value(FuzzIn *in)
{
    uint8_t k = fuzz_u8(in);

    switch (k % 4) {
    case 0:
        return values[(k >> 2) % G_N_ELEMENTS(values)];
    case 1:
        return fuzz_u8(in);
    case 2:
        return fuzz_u32(in);
    default:
        return fuzz_u64(in);
    }
}

/* A number as the protocol takes it: hex, decimal, octal, or not quite. */
static void put_num(GString *s, FuzzIn *in, uint64_t v)
{
    /* mostly hex; a minus sign is rare, it spoils the whole line */
    switch (fuzz_u8(in) % 64) {
    case 0:
    case 4:
    case 5:
        g_string_append_printf(s, "%" G_GUINT64_FORMAT, v);
        break;
    case 1:
        g_string_append_printf(s, "0%" G_GINT64_MODIFIER "o", v);
        break;
    case 2:
        g_string_append_printf(s, "-%" G_GUINT64_FORMAT, v);
        break;
    case 3:
        g_string_append_printf(s, "0x%" G_GINT64_MODIFIER "X", v);
        break;
    default:
        g_string_append_printf(s, "0x%" G_GINT64_MODIFIER "x", v);
        break;
    }
}

/* An address in (or just past) one of @regs, or anywhere. */
static uint64_t gen_addr(FuzzIn *in, GArray *regs)
{
    uint8_t k = fuzz_u8(in);

    if (regs->len && k % 8) {
        Region *r = &g_array_index(regs, Region, k % regs->len);
        uint64_t span = MIN(r->size + 8, (uint64_t)0x10000);
        return r->base + fuzz_u32(in) % span;
    }
    if (k % 8 == 0 && mach->ram_size) {
        return mach->ram_base + fuzz_u32(in) % mach->ram_size;
    }
    return gen_value(in);
}

static void put_cpu(GString *s, FuzzIn *in)
{
    uint8_t k = fuzz_u8(in);

    put_num(s, in, k < 0xf0 ? k % MAX(mach->cpus, 1) : k);
}

static void put_path(GString *s, FuzzIn *in)
{
    uint8_t k = fuzz_u8(in);
    const char *p;

    if (!paths->len || k == 0xff) {
        g_string_append(s, "/machine/nothing");
        return;
    }
    p = g_ptr_array_index(paths, k % paths->len);
    /* a partial path is resolved by suffix */
    g_string_append(s, k & 0x80 ? strrchr(p, '/') + 1 : p);
}

static const char size_suffix[] = "bwlq";

static void gen_access(GString *s, FuzzIn *in, uint8_t op)
{
    bool is_io = op < 2 && mach->io;
    unsigned sz = fuzz_u8(in) % (is_io ? 3 : 4);
    uint64_t addr = gen_addr(in, is_io ? pio : mmio);

    if (is_io) {
        g_string_append_printf(s, "%s%c ", op == 0 ? "out" : "in",
                               size_suffix[sz]);
        put_num(s, in, addr & 0xffff);
    } else {
        g_string_append_printf(s, "%s%c ", op & 1 ? "read" : "write",
                               size_suffix[sz]);
        put_num(s, in, addr);
    }
    if (op == 0 || op == 2) {
        g_string_append_c(s, ' ');
        put_num(s, in, gen_value(in));
    }
}

static void gen_bulk(GString *s, FuzzIn *in)
{
    uint8_t k = fuzz_u8(in);
    uint64_t addr = gen_addr(in, mmio);
    uint64_t size = 1 + fuzz_u8(in) % 64;
    static const char *const cmds[] = {"read", "b64read", "write", "b64write",
                                       "memset"};
    const char *cmd = cmds[k % G_N_ELEMENTS(cmds)];

    g_string_append_printf(s, "%s ", cmd);
    put_num(s, in, addr);
    g_string_append_c(s, ' ');
    /* Big sizes only from the table: all of them are either tiny or
     * past the server's limits; a valid 500 MiB memset is merely slow. */
    put_num(s, in,
            k & 0x80 ? values[fuzz_u8(in) % G_N_ELEMENTS(values)] : size);
    if (!strcmp(cmd, "write")) {
        g_string_append(s, " 0x");
        for (uint64_t i = 0; i < size; i++) {
            g_string_append_printf(s, "%02x", fuzz_u8(in));
        }
    } else if (!strcmp(cmd, "b64write")) {
        g_autofree uint8_t *buf = g_malloc(size);
        g_autofree char *b64 = NULL;
        for (uint64_t i = 0; i < size; i++) {
            buf[i] = fuzz_u8(in);
        }
        b64 = g_base64_encode(buf, size);
        g_string_append_printf(s, " %s", b64);
    } else if (!strcmp(cmd, "memset")) {
        g_string_append_c(s, ' ');
        put_num(s, in, gen_value(in));
    }
}

static void gen_irq(GString *s, FuzzIn *in)
{
    uint8_t k = fuzz_u8(in);
    const char *name = gpio_names[(k >> 2) % G_N_ELEMENTS(gpio_names)];

    switch (k % 3) {
    case 0:
        g_string_append(s, "irq_intercept_out ");
        put_path(s, in);
        if (k & 0x80) {
            g_string_append_printf(s, " %s", name);
        }
        break;
    case 1:
        g_string_append(s, "irq_intercept_in ");
        put_path(s, in);
        break;
    default:
        g_string_append(s, "set_irq_in ");
        put_path(s, in);
        g_string_append_printf(s, " %s ", name);
        put_num(s, in, fuzz_u8(in) % 4);
        g_string_append_c(s, ' ');
        put_num(s, in, fuzz_u8(in) % 3);
        break;
    }
}

static void gen_vcpu_exit(GString *s, FuzzIn *in)
{
    uint8_t k = fuzz_u8(in);
    unsigned nwords = fuzz_u8(in) % 18;

    g_string_append(s, "vcpu_exit ");
    put_cpu(s, in);
    if (k % 8 == 0) {
        g_string_append(s, " shutdown");
        return;
    }
    g_string_append_printf(s, " system_event %u ", 1 + fuzz_u8(in) % 8);
    put_num(s, in, k & 0x40 ? gen_value(in) : nwords);
    for (unsigned i = 0; i < nwords; i++) {
        g_string_append_c(s, ' ');
        put_num(s, in, gen_value(in));
    }
    if (k & 0x08) {
        g_string_append_printf(s, " abi=%s", k & 0x10 ? "32old" : "64");
    }
    if (k & 0x20) {
        g_string_append_printf(s, " cap=%u", fuzz_u8(in) % 3);
    }
    if (k & 0x80) {
        static const char *const keys[] = {"x1", "x2", "a0"};
        g_string_append_printf(s, " %s=", keys[fuzz_u8(in) % 3]);
        put_num(s, in, gen_value(in));
    }
    if (fuzz_u8(in) % 4 == 0) {
        g_string_append(s, " hv=");
        put_num(s, in, gen_value(in));
        g_string_append(s, ",");
        put_num(s, in, gen_value(in));
    }
}

/* @op: 0 PSCI, 1 SBI, 2 MSR; mostly the conduit this machine has. */
static void gen_firmware(GString *s, FuzzIn *in, uint8_t op)
{
    unsigned nargs = fuzz_u8(in) % 8;

    if (op % 8) {
        op = mach->arch == QA_ARCH_ARM64     ? 0
             : mach->arch == QA_ARCH_RISCV64 ? 1
                                             : 2;
    } else {
        op = fuzz_u8(in) % 3;
    }

    if (op == 0) {
        uint8_t k = fuzz_u8(in);
        g_string_append(s, k & 1 ? "smc " : "hvc ");
        put_cpu(s, in);
        g_string_append_c(s, ' ');
        put_num(s, in,
                k & 0x80 ? gen_value(in)
                         : psci_fns[(k >> 1) % G_N_ELEMENTS(psci_fns)]);
    } else if (op == 1) {
        uint8_t k = fuzz_u8(in);
        g_string_append(s, "ecall ");
        put_cpu(s, in);
        g_string_append_c(s, ' ');
        put_num(s, in,
                k & 0x80 ? gen_value(in)
                         : sbi_eids[k % G_N_ELEMENTS(sbi_eids)]);
        g_string_append_c(s, ' ');
        put_num(s, in, fuzz_u8(in) % 8);
        nargs = MIN(nargs, 6u);
    } else {
        bool wr = fuzz_u8(in) & 1;
        g_string_append(s, wr ? "wrmsr " : "rdmsr ");
        put_cpu(s, in);
        g_string_append_c(s, ' ');
        put_num(s, in,
                fuzz_u8(in) & 0x80 ? gen_value(in)
                                   : UINT64_C(0x40000100) + fuzz_u8(in) % 8);
        nargs = wr;
    }
    for (unsigned i = 0; i < nargs; i++) {
        g_string_append_c(s, ' ');
        /* PSCI CPU_ON and friends take an MPIDR and an entry point */
        put_num(s, in,
                i == 1 && nargs > 1 ? gen_addr(in, mmio) : gen_value(in));
    }
}

static void gen_misc(GString *s, FuzzIn *in)
{
    switch (fuzz_u8(in) % 6) {
    case 0:
        g_string_append(s, "clock_step");
        break;
    case 1:
        g_string_append(s, "clock_step ");
        put_num(s, in, gen_value(in));
        break;
    case 2:
        g_string_append(s, "clock_set ");
        put_num(s, in, gen_value(in));
        break;
    case 3:
        g_string_append(s, "endianness");
        break;
    case 4:
        g_string_append(s, "module_load accel- qtest");
        break;
    default: { /* a raw word or two: whatever the bytes say */
        unsigned n = fuzz_u8(in) % 24;
        for (unsigned i = 0; i < n && in->n; i++) {
            uint8_t c = fuzz_u8(in);
            g_string_append_c(s, c == '\n' ? ' ' : (char)c);
        }
        break;
    }
    }
}

char *qtest_gen_lines(const uint8_t *data, size_t size, size_t *len)
{
    FuzzIn in = {data, size};
    GString *s = g_string_new(NULL);

    /* At most one line per byte, so the output stays proportional. */
    while (in.n) {
        uint8_t op = fuzz_u8(&in);

        switch (op % 12) {
        case 0:
        case 1:
        case 2:
        case 3:
            gen_access(s, &in, op % 4);
            break;
        case 4:
            gen_bulk(s, &in);
            break;
        case 5:
            gen_irq(s, &in);
            break;
        case 6:
        case 7:
            gen_vcpu_exit(s, &in);
            break;
        case 8:
        case 9:
        case 10:
            gen_firmware(s, &in, fuzz_u8(&in));
            break;
        default:
            gen_misc(s, &in);
            break;
        }
        g_string_append_c(s, '\n');
    }
    *len = s->len;
    return g_string_free(s, FALSE);
}
