/*
 * Address spaces.
 *
 * Regions are kept as added (with priorities) and flattened into a sorted
 * table of non-overlapping ranges, each pointing at the region that owns
 * it.  The table is immutable once published through an atomic pointer,
 * so vCPU threads look addresses up with a binary search and no lock.
 * Retired tables and removed regions are kept until the address space is
 * freed: a reader may still hold them.
 */
#include <string.h>
#include <qaccel/error.h>
#include <qaccel/memory.h>

typedef struct FlatRange {
    uint64_t start, end; /* [start, end) */
    const QaIoRegion *region;
} FlatRange;

typedef struct FlatTable {
    guint n;
    FlatRange ranges[];
} FlatTable;

struct QaAddressSpace {
    char *name;
    uint64_t size;
    FlatTable *table;          /* current; g_atomic_pointer_get */
    GPtrArray *retired;        /* old tables and removed regions */
    GPtrArray *regions;        /* QaIoRegion * currently added */
    uint64_t unassigned_reads; /* __atomic counters */
    uint64_t unassigned_writes;
};

QaAddressSpace *qa_address_space_new(const char *name, uint64_t size)
{
    QaAddressSpace *as = g_new0(QaAddressSpace, 1);

    as->name = g_strdup(name);
    as->size = size;
    as->table = g_malloc0(sizeof(FlatTable));
    as->retired = g_ptr_array_new_with_free_func(g_free);
    as->regions = g_ptr_array_new_with_free_func(g_free);
    return as;
}

void qa_address_space_free(QaAddressSpace *as)
{
    if (!as) {
        return;
    }
    g_free(as->table);
    g_ptr_array_unref(as->retired);
    g_ptr_array_unref(as->regions);
    g_free(as->name);
    g_free(as);
}

const char *qa_address_space_name(QaAddressSpace *as)
{
    return as->name;
}

/* The owner of @addr among all regions: highest priority, then latest. */
static const QaIoRegion *owner_of(GPtrArray *regions, uint64_t addr)
{
    const QaIoRegion *best = NULL;

    for (guint i = 0; i < regions->len; i++) {
        const QaIoRegion *r = g_ptr_array_index(regions, i);
        if (addr >= r->base && addr - r->base < r->size &&
            (!best || r->priority >= best->priority)) {
            best = r;
        }
    }
    return best;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * Cut the space at every region boundary and give each piece to its
 * owner.  Region counts are small and this runs only at realize time.
 */
static FlatTable *flatten(GPtrArray *regions)
{
    guint nb = regions->len * 2;
    g_autofree uint64_t *bounds = g_new(uint64_t, nb + 1);
    g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(FlatRange));

    for (guint i = 0; i < regions->len; i++) {
        const QaIoRegion *r = g_ptr_array_index(regions, i);
        bounds[2 * i] = r->base;
        bounds[2 * i + 1] = r->base + r->size;
    }
    qsort(bounds, nb, sizeof(uint64_t), u64_cmp);
    for (guint i = 0; i + 1 < nb; i++) {
        if (bounds[i] == bounds[i + 1]) {
            continue;
        }
        const QaIoRegion *r = owner_of(regions, bounds[i]);
        if (!r) {
            continue;
        }
        FlatRange *last =
            out->len ? &g_array_index(out, FlatRange, out->len - 1) : NULL;
        if (last && last->region == r && last->end == bounds[i]) {
            last->end = bounds[i + 1];
        } else {
            FlatRange fr = {bounds[i], bounds[i + 1], r};
            g_array_append_val(out, fr);
        }
    }
    FlatTable *t = g_malloc(sizeof(FlatTable) + out->len * sizeof(FlatRange));
    t->n = out->len;
    if (out->len) {
        memcpy(t->ranges, out->data, out->len * sizeof(FlatRange));
    }
    return t;
}

static void publish(QaAddressSpace *as)
{
    FlatTable *old = as->table;

    g_atomic_pointer_set(&as->table, flatten(as->regions));
    g_ptr_array_add(as->retired, old);
}

bool qa_address_space_add(QaAddressSpace *as, const QaIoRegion *region,
                          GError **error)
{
    if (region->size == 0 || region->base > as->size ||
        region->size > as->size - region->base) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Region '%s' [0x%" G_GINT64_MODIFIER
                    "x, +0x%" G_GINT64_MODIFIER
                    "x) does not fit address space '%s'",
                    region->name, region->base, region->size, as->name);
        return false;
    }
    if (!region->ops && !region->ram) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "Region '%s' has neither ops nor RAM", region->name);
        return false;
    }
    for (guint i = 0; i < as->regions->len; i++) {
        const QaIoRegion *r = g_ptr_array_index(as->regions, i);
        if (r->priority == region->priority &&
            region->base < r->base + r->size &&
            r->base < region->base + region->size) {
            g_set_error(error, QA_ERROR, QA_ERROR_EXISTS,
                        "Region '%s' at 0x%" G_GINT64_MODIFIER
                        "x overlaps '%s' at 0x%" G_GINT64_MODIFIER "x in '%s'",
                        region->name, region->base, r->name, r->base, as->name);
            return false;
        }
    }
    g_ptr_array_add(as->regions, g_memdup2(region, sizeof(*region)));
    publish(as);
    return true;
}

void qa_address_space_remove(QaAddressSpace *as, void *opaque)
{
    bool changed = false;

    for (guint i = 0; i < as->regions->len;) {
        QaIoRegion *r = g_ptr_array_index(as->regions, i);
        if (r->opaque == opaque) {
            /* readers may still hold it: retire, don't free */
            g_ptr_array_add(as->retired,
                            g_ptr_array_steal_index(as->regions, i));
            changed = true;
        } else {
            i++;
        }
    }
    if (changed) {
        publish(as);
    }
}

static const FlatRange *find(QaAddressSpace *as, uint64_t addr)
{
    const FlatTable *t = g_atomic_pointer_get(&as->table);
    guint lo = 0, hi = t->n;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        const FlatRange *fr = &t->ranges[mid];
        if (addr < fr->start) {
            hi = mid;
        } else if (addr >= fr->end) {
            lo = mid + 1;
        } else {
            return fr;
        }
    }
    return NULL;
}

const QaIoRegion *qa_address_space_lookup(QaAddressSpace *as, uint64_t addr)
{
    const FlatRange *fr = find(as, addr);

    return fr ? fr->region : NULL;
}

static uint64_t width_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

/* Is an access of @size at @addr wholly inside the range @fr? */
static bool fits(const FlatRange *fr, uint64_t addr, unsigned size)
{
    return size <= fr->end - addr;
}

static uint64_t region_read(const QaIoRegion *r, uint64_t addr, unsigned size)
{
    uint64_t off = addr - r->base, v = 0;

    if (r->ram) {
        memcpy(&v, r->ram + off, size); /* little-endian hosts only */
        return v;
    }
    if (!r->ops->read) {
        return width_mask(size);
    }
    if (!r->ops->sizes || (r->ops->sizes & size)) {
        return r->ops->read(r->opaque, off, size) & width_mask(size);
    }
    /* split into bytes, little endian */
    for (unsigned i = 0; i < size; i++) {
        v |= (r->ops->read(r->opaque, off + i, 1) & 0xff) << (8 * i);
    }
    return v;
}

static void region_write(const QaIoRegion *r, uint64_t addr, unsigned size,
                         uint64_t value)
{
    uint64_t off = addr - r->base;

    if (r->ram) {
        memcpy(r->ram + off, &value, size);
        return;
    }
    if (!r->ops->write) {
        return;
    }
    if (!r->ops->sizes || (r->ops->sizes & size)) {
        r->ops->write(r->opaque, off, value & width_mask(size), size);
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        r->ops->write(r->opaque, off + i, (value >> (8 * i)) & 0xff, 1);
    }
}

bool qa_address_space_read(QaAddressSpace *as, uint64_t addr, unsigned size,
                           uint64_t *value)
{
    const FlatRange *fr = find(as, addr);

    if (fr && fits(fr, addr, size)) {
        *value = region_read(fr->region, addr, size);
        return true;
    }
    if (!fr) {
        /* decoded by its first byte, as a bus would: nobody claims it */
        __atomic_fetch_add(&as->unassigned_reads, 1, __ATOMIC_RELAXED);
        *value = width_mask(size);
        return false;
    }
    /* runs past the end of its range: assemble byte by byte */
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t b;
        qa_address_space_read(as, addr + i, 1, &b);
        v |= (b & 0xff) << (8 * i);
    }
    *value = v;
    return true;
}

bool qa_address_space_write(QaAddressSpace *as, uint64_t addr, unsigned size,
                            uint64_t value)
{
    const FlatRange *fr = find(as, addr);

    if (fr && fits(fr, addr, size)) {
        region_write(fr->region, addr, size, value);
        return true;
    }
    if (!fr) {
        __atomic_fetch_add(&as->unassigned_writes, 1, __ATOMIC_RELAXED);
        return false;
    }
    for (unsigned i = 0; i < size; i++) {
        qa_address_space_write(as, addr + i, 1, (value >> (8 * i)) & 0xff);
    }
    return true;
}

/* Bytes from @addr up to the next range (or the end of the space). */
static uint64_t unassigned_run(QaAddressSpace *as, uint64_t addr)
{
    const FlatTable *t = g_atomic_pointer_get(&as->table);
    guint lo = 0, hi = t->n;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (t->ranges[mid].start <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < t->n ? t->ranges[lo].start - addr : UINT64_MAX - addr + 1;
}

void qa_address_space_rw_bytes(QaAddressSpace *as, uint64_t addr, void *buf,
                               size_t len, bool is_write)
{
    uint8_t *p = buf;

    while (len > 0) {
        const FlatRange *fr = find(as, addr);
        size_t chunk = 1;

        if (!fr) {
            /* a hole: all ones / dropped, counted per byte, in one step */
            uint64_t run = unassigned_run(as, addr);
            chunk = run && run < len ? run : len;
            if (!is_write) {
                memset(p, 0xff, chunk);
            }
            __atomic_fetch_add(is_write ? &as->unassigned_writes
                                        : &as->unassigned_reads,
                               chunk, __ATOMIC_RELAXED);
        } else if (fr->region->ram) {
            const QaIoRegion *r = fr->region;
            uint64_t off = addr - r->base;
            chunk = MIN(len, fr->end - addr);
            if (is_write) {
                memcpy(r->ram + off, p, chunk);
            } else {
                memcpy(p, r->ram + off, chunk);
            }
        } else if (is_write) {
            qa_address_space_write(as, addr, 1, *p);
        } else {
            uint64_t v;
            qa_address_space_read(as, addr, 1, &v);
            *p = (uint8_t)v;
        }
        p += chunk;
        addr += chunk;
        len -= chunk;
    }
}

QaAccessStats qa_address_space_stats(QaAddressSpace *as)
{
    QaAccessStats s = {
        .unassigned_reads =
            __atomic_load_n(&as->unassigned_reads, __ATOMIC_RELAXED),
        .unassigned_writes =
            __atomic_load_n(&as->unassigned_writes, __ATOMIC_RELAXED),
    };
    return s;
}

void qa_address_space_foreach(QaAddressSpace *as,
                              void (*fn)(const QaIoRegion *r, void *opaque),
                              void *opaque)
{
    g_autoptr(GPtrArray) sorted = g_ptr_array_copy(as->regions, NULL, NULL);

    /* the copy shares the regions: it must not free them */
    g_ptr_array_set_free_func(sorted, NULL);
    for (guint i = 1; i < sorted->len; i++) {
        /* insertion sort by base: tiny arrays */
        for (guint j = i; j > 0; j--) {
            QaIoRegion *a = g_ptr_array_index(sorted, j - 1);
            QaIoRegion *b = g_ptr_array_index(sorted, j);
            if (a->base <= b->base) {
                break;
            }
            sorted->pdata[j - 1] = b;
            sorted->pdata[j] = a;
        }
    }
    for (guint i = 0; i < sorted->len; i++) {
        fn(g_ptr_array_index(sorted, i), opaque);
    }
}
