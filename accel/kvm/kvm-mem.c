/*
 * Guest memory under KVM: the machine's RAM becomes KVM user memory slots; a
 * -bios image is mapped read-only into the firmware windows the architecture
 * defines (x86: top of 4 GiB plus the alias below 1 MiB), where it hides the
 * RAM underneath as on a PC.
 *
 * The windows are also added to the machine's memory space as ROM
 * regions, so that a read through the dispatcher (qtest, an MMIO exit)
 * sees the same bytes as the guest, and writes are dropped.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <qaccel/error.h>
#include <qaccel/sysevent.h>
#include "kvm-internal.h"

#define PAGE_MASK_4K 0xfffull

static uint64_t rom_read(void *opaque, uint64_t offset, unsigned size)
{
    const QaKvmRomView *v = opaque;
    uint64_t val = 0;

    if (offset < v->size) {
        memcpy(&val, v->host + offset, MIN((uint64_t)size, v->size - offset));
    }
    return GUINT64_FROM_LE(val);
}

static void rom_write(void *opaque, uint64_t offset, uint64_t value,
                      unsigned size)
{
    /* ROM: writes are ignored, as on real firmware flash in read mode */
}

static const QaIoOps rom_ops = {
    .read = rom_read,
    .write = rom_write,
};

static bool set_slot(QaKvmAccel *ka, uint64_t gpa, uint64_t size, void *host,
                     bool readonly, GError **error)
{
    struct kvm_userspace_memory_region r = {
        .slot = ka->nr_slots,
        .flags = readonly ? KVM_MEM_READONLY : 0,
        .guest_phys_addr = gpa,
        .memory_size = size,
        .userspace_addr = (uintptr_t)host,
    };

    if ((gpa | size | (uintptr_t)host) & PAGE_MASK_4K) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "memory [0x%" G_GINT64_MODIFIER "x, +0x%" G_GINT64_MODIFIER
                    "x) is not page aligned",
                    gpa, size);
        return false;
    }
    if (ioctl(ka->vm.vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
        g_set_error(error, QA_ERROR, QA_ERROR_IO,
                    "KVM_SET_USER_MEMORY_REGION [0x%" G_GINT64_MODIFIER
                    "x, +0x%" G_GINT64_MODIFIER "x): %s",
                    gpa, size, g_strerror(errno));
        return false;
    }
    ka->nr_slots++;
    return true;
}

typedef struct SlotCtx {
    QaKvmAccel *ka;
    GError **error;
    bool ok;
} SlotCtx;

/* One RAM region, minus the firmware windows that cover parts of it. */
static void map_ram_region(const QaIoRegion *r, void *opaque)
{
    SlotCtx *ctx = opaque;
    QaKvmAccel *ka = ctx->ka;
    uint64_t pos = r->base, end = r->base + r->size;

    if (!r->ram || !ctx->ok) {
        return;
    }
    while (pos < end && ctx->ok) {
        uint64_t next = end;
        uint64_t skip_to = 0;

        /* the nearest window at or after pos decides the next piece */
        for (int i = 0; i < ka->nr_rom; i++) {
            uint64_t ws = ka->rom[i].gpa, we = ws + ka->rom[i].size;
            if (we <= pos || ws >= next) {
                continue;
            }
            if (ws <= pos) {
                skip_to = MAX(skip_to, we);
            } else {
                next = ws;
            }
        }
        if (skip_to) {
            pos = MIN(skip_to, end);
            continue;
        }
        ctx->ok = set_slot(ka, pos, next - pos, r->ram + (pos - r->base), false,
                           ctx->error);
        pos = next;
    }
}

static bool load_bios(QaKvmAccel *ka, QaMachine *m, GError **error)
{
    QaKvmErr e = {0};
    const uint8_t *img;
    uint64_t size;

    if (!ka->arch->rom_windows) {
        g_set_error(error, QA_ERROR, QA_ERROR_UNSUPPORTED,
                    "-bios is not supported for %s machines under kvm",
                    qa_arch_name(m->arch));
        return false;
    }
    ka->bios = g_mapped_file_new(m->bios, FALSE, error);
    if (!ka->bios) {
        g_prefix_error(error, "-bios: ");
        return false;
    }
    img = (const uint8_t *)g_mapped_file_get_contents(ka->bios);
    size = g_mapped_file_get_length(ka->bios);
    ka->nr_rom = ka->arch->rom_windows(size, ka->rom, &e);
    if (ka->nr_rom < 0) {
        ka->nr_rom = 0;
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID, "-bios %s: %s", m->bios,
                    e.msg);
        return false;
    }
    for (int i = 0; i < ka->nr_rom; i++) {
        QaIoRegion r = {
            .name = "bios",
            .base = ka->rom[i].gpa,
            .size = ka->rom[i].size,
            .ops = &rom_ops,
            .opaque = &ka->rom_view[i],
            .priority = 1,
        };
        ka->rom_view[i] =
            (QaKvmRomView){img + ka->rom[i].offset, ka->rom[i].size};
        if (!qa_address_space_add(m->mem, &r, error)) {
            g_prefix_error(error, "-bios: ");
            return false;
        }
        ka->nr_rom_regions++;
    }
    return true;
}

bool qa_kvm_map_memory(QaKvmAccel *ka, QaMachine *m, GError **error)
{
    SlotCtx ctx = {ka, error, true};

    if (m->bios && !load_bios(ka, m, error)) {
        return false;
    }
    if (!m->bios && m->arch == QA_ARCH_X86_64) {
        /* nothing would be at the reset vector: say so instead of an
         * emulation failure at 0xFFFFFFF0 */
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "an x86 machine under kvm needs firmware: -bios FILE "
                    "(e.g. a test guest image from tests/guests/x86)");
        return false;
    }
    /* the machine's RAM block (m->ram, at ram_base) is all of guest RAM */
    if (m->ram) {
        QaIoRegion ram = {.name = "ram",
                          .base = m->ram_base,
                          .size = m->ram_size,
                          .ram = m->ram};
        map_ram_region(&ram, &ctx);
    }
    if (!ctx.ok) {
        return false;
    }
    for (int i = 0; i < ka->nr_rom; i++) {
        const uint8_t *img =
            (const uint8_t *)g_mapped_file_get_contents(ka->bios);
        if (!set_slot(ka, ka->rom[i].gpa, ka->rom[i].size,
                      (void *)(img + ka->rom[i].offset), true, error)) {
            return false;
        }
    }
    return true;
}

void qa_kvm_unmap_memory(QaKvmAccel *ka, QaMachine *m)
{
    /*
     * Only the main thread dispatches once the vCPU threads are joined,
     * and it looks up through the current table, which no longer holds
     * the windows: the image can go.
     */
    if (m && m->mem) {
        for (int i = 0; i < ka->nr_rom_regions; i++) {
            qa_address_space_remove(m->mem, &ka->rom_view[i]);
        }
    }
    ka->nr_rom_regions = 0;
    ka->nr_rom = 0;
    g_clear_pointer(&ka->bios, g_mapped_file_unref);
}
