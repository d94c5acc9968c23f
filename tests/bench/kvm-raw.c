/*
 * kvm-raw: the least work that runs an x86 test guest image on /dev/kvm.
 *
 * This is the benchmark baseline ("the limit") qaccel is measured against:
 * no GLib, no object model, no threads, no event loop.  It maps the image
 * as firmware the way a PC does (top of 4 GiB, last 64/128 KiB aliased
 * below 1 MiB), runs one vCPU from the reset vector and services only what
 * the guests need: the debug console, ACPI PM1a_CNT (S5 ends the run) and
 * reads of anything else as zero.  Exit status: 0 after S5, 2 after any
 * other stop, 1 on setup errors.
 *
 *   kvm-raw [-m MIB] IMAGE
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEBUG_PORT 0xe9
#define PM1_CNT 0x604
#define SLP_EN (1u << 13)
#define TSS_ADDR 0xfffbd000u
#define LOW_RAM_END 0xa0000u /* the VGA hole starts here */
#define HIGH_RAM_BASE 0x100000u

static int fail(const char *what)
{
    fprintf(stderr, "kvm-raw: %s: %s\n", what, strerror(errno));
    return 1;
}

static int set_slot(int vm, uint32_t slot, uint64_t gpa, uint64_t size,
                    void *host, uint32_t flags)
{
    struct kvm_userspace_memory_region r = {
        .slot = slot,
        .flags = flags,
        .guest_phys_addr = gpa,
        .memory_size = size,
        .userspace_addr = (uintptr_t)host,
    };
    return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
}

static void *load_image(const char *path, size_t *size)
{
    struct stat st;
    void *p;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) < 0) {
        return NULL;
    }
    *size = (size_t)st.st_size;
    if (*size == 0 || *size % 0x10000 || *size > 16u << 20) {
        errno = EINVAL;
        close(fd);
        return NULL;
    }
    /* private so KVM can map it read-only without the file changing */
    p = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

static int handle_io(struct kvm_run *run)
{
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    size_t len = (size_t)run->io.size * run->io.count;

    if (run->io.direction == KVM_EXIT_IO_IN) {
        memset(data, 0, len);
        return -1;
    }
    if (run->io.port == DEBUG_PORT) {
        fwrite(data, 1, len, stdout);
    } else if (run->io.port == PM1_CNT && run->io.size == 2) {
        uint16_t v;
        memcpy(&v, data, 2);
        if ((v & SLP_EN) && ((v >> 10) & 7) == 0) {
            return 0;
        }
    }
    return -1;
}

static int run_vcpu(int vcpu, struct kvm_run *run)
{
    for (;;) {
        int status;

        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            return fail("KVM_RUN");
        }
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            status = handle_io(run);
            if (status >= 0) {
                return status;
            }
            break;
        case KVM_EXIT_MMIO:
            if (!run->mmio.is_write) {
                memset(run->mmio.data, 0, sizeof(run->mmio.data));
            }
            break;
        case KVM_EXIT_INTERNAL_ERROR:
            fprintf(stderr, "kvm-raw: internal error, suberror %u\n",
                    run->internal.suberror);
            return 2;
        default:
            fprintf(stderr, "kvm-raw: stopped on exit reason %u\n",
                    run->exit_reason);
            return 2;
        }
    }
}

int main(int argc, char **argv)
{
    uint64_t ram_size = 128ull << 20;
    size_t img_size, alias;
    uint8_t *img, *ram;
    struct kvm_run *run;
    int kvm, vm, vcpu, mmap_size, opt;

    while ((opt = getopt(argc, argv, "m:")) != -1) {
        if (opt != 'm') {
            goto usage;
        }
        ram_size = strtoull(optarg, NULL, 0) << 20;
    }
    if (optind != argc - 1 || ram_size < 2u << 20 || ram_size > 2ull << 30) {
    usage:
        fprintf(stderr, "usage: kvm-raw [-m MIB (2..2048)] IMAGE\n");
        return 1;
    }
    img = load_image(argv[optind], &img_size);
    if (!img) {
        return fail(argv[optind]);
    }
    kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        return fail("/dev/kvm");
    }
    if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
        fprintf(stderr, "kvm-raw: unexpected KVM API version\n");
        return 1;
    }
    vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) {
        return fail("KVM_CREATE_VM");
    }
    /* Intel VMX needs a TSS for real mode; harmless elsewhere */
    if (ioctl(vm, KVM_SET_TSS_ADDR, TSS_ADDR) < 0) {
        return fail("KVM_SET_TSS_ADDR");
    }
    ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED) {
        return fail("guest RAM");
    }
    alias = img_size < 0x20000 ? img_size : 0x20000;
    if (set_slot(vm, 0, 0, LOW_RAM_END, ram, 0) < 0 ||
        set_slot(vm, 1, HIGH_RAM_BASE - alias, alias, img + img_size - alias,
                 KVM_MEM_READONLY) < 0 ||
        set_slot(vm, 2, HIGH_RAM_BASE, ram_size - HIGH_RAM_BASE,
                 ram + HIGH_RAM_BASE, 0) < 0 ||
        set_slot(vm, 3, (1ull << 32) - img_size, img_size, img,
                 KVM_MEM_READONLY) < 0) {
        return fail("KVM_SET_USER_MEMORY_REGION");
    }
    /* a new vCPU is already in the reset state at 0xFFFFFFF0 */
    vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (vcpu < 0 || mmap_size < (int)sizeof(*run)) {
        return fail("KVM_CREATE_VCPU");
    }
    run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
               vcpu, 0);
    if (run == MAP_FAILED) {
        return fail("kvm_run mmap");
    }
    return run_vcpu(vcpu, run);
}
