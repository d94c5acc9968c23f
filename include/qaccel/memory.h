/*
 * Address spaces and I/O dispatch.
 *
 * A machine has two address spaces: "io" (x86 ports, 16-bit) and "memory"
 * (guest-physical: RAM blocks and MMIO regions).  Regions are registered
 * by devices at realize time.  Lookups take no lock: the region table is an
 * immutable sorted array published with an atomic pointer swap; retired
 * tables are kept until the address space is destroyed, so a vCPU thread
 * never sees freed memory.
 *
 * Region handlers run on whatever thread performs the access (a vCPU
 * thread under kvm, the main thread under qtest); a device serialises its
 * own state (QaDevice-level mutex or atomics).
 */
#ifndef QACCEL_MEMORY_H
#define QACCEL_MEMORY_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct QaIoOps {
    /* offset is relative to the region base; size is 1, 2, 4 or 8 */
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
    /*
     * Accepted access sizes as a bit mask of sizes (1|2|4|8); 0 means any.
     * An access of another size is split or widened by the dispatcher
     * into accepted sizes (little endian), as QEMU's memory core does.
     */
    unsigned sizes;
} QaIoOps;

typedef struct QaIoRegion {
    const char *name; /* static or owned by the device */
    uint64_t base;
    uint64_t size;
    const QaIoOps *ops; /* NULL for RAM regions */
    void *opaque;
    uint8_t *ram; /* host memory for RAM regions */
    int priority; /* higher wins on overlap */
} QaIoRegion;

typedef struct QaAddressSpace QaAddressSpace;

typedef struct QaAccessStats {
    uint64_t unassigned_reads;
    uint64_t unassigned_writes;
} QaAccessStats;

/** qa_address_space_new: an empty address space called @name. */
QaAddressSpace *qa_address_space_new(const char *name, uint64_t size);

/** qa_address_space_free: free @as and every table it published. */
void qa_address_space_free(QaAddressSpace *as);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(QaAddressSpace, qa_address_space_free)

/**
 * qa_address_space_add: add a copy of @region.  Fails with
 * QA_ERROR_INVALID if it is empty or runs past the end of the space, or
 * QA_ERROR_EXISTS if it overlaps a region of equal priority.
 * Main thread only.
 */
bool qa_address_space_add(QaAddressSpace *as, const QaIoRegion *region,
                          GError **error);

/** qa_address_space_remove: remove every region with this @opaque. */
void qa_address_space_remove(QaAddressSpace *as, void *opaque);

/**
 * qa_address_space_lookup: the region containing @addr, or NULL.  The
 * returned pointer stays valid until the address space is freed.
 * Lock-free; any thread.
 */
const QaIoRegion *qa_address_space_lookup(QaAddressSpace *as, uint64_t addr);

/**
 * qa_address_space_read / _write: perform an access of @size bytes
 * (1, 2, 4, 8).  Unassigned reads return all ones at the width and
 * unassigned writes are dropped; both are counted.  Returns whether the
 * address was assigned.  An access is decoded by its first byte: if that
 * byte is unassigned the whole access is; if it is assigned but the access
 * runs past the end of that region, it is done byte by byte.
 */
bool qa_address_space_read(QaAddressSpace *as, uint64_t addr, unsigned size,
                           uint64_t *value);
bool qa_address_space_write(QaAddressSpace *as, uint64_t addr, unsigned size,
                            uint64_t value);

/**
 * qa_address_space_rw_bytes: copy @len bytes to/from the space (RAM by
 * memcpy, MMIO by byte accesses, unassigned bytes read 0xff).
 */
void qa_address_space_rw_bytes(QaAddressSpace *as, uint64_t addr, void *buf,
                               size_t len, bool is_write);

/** qa_address_space_stats: the unassigned access counters. */
QaAccessStats qa_address_space_stats(QaAddressSpace *as);

/** qa_address_space_name: the name given at creation. */
const char *qa_address_space_name(QaAddressSpace *as);

/**
 * qa_address_space_foreach: call @fn for each region in address order
 * (for `info mtree`-style listings and for mapping RAM into KVM slots).
 */
void qa_address_space_foreach(QaAddressSpace *as,
                              void (*fn)(const QaIoRegion *r, void *opaque),
                              void *opaque);

G_END_DECLS

#endif
