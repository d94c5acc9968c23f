/*
 * Flattened device tree builder: libfdt's read-write API on a buffer that
 * grows on demand, with libfdt errors turned into GErrors here, once.
 */
#include <inttypes.h>
#include <libfdt.h>
#include <string.h>

#include <qaccel/error.h>
#include <qaccel/fdt.h>
#include <qaccel/machine.h>

#define FDT_INITIAL_SIZE 4096
#define FDT_MAX_SIZE                                                           \
    (16u << 20) /* far beyond any board; stops runaway growth */

struct QaFdt {
    void *buf;
    size_t size;
    GHashTable *labels; /* label -> path (both owned) */
};

static QaErrorCode fdt_error_code(int err)
{
    switch (-err) {
    case FDT_ERR_NOTFOUND:
        return QA_ERROR_NOT_FOUND;
    case FDT_ERR_EXISTS:
        return QA_ERROR_EXISTS;
    case FDT_ERR_BADPATH:
    case FDT_ERR_BADNCELLS:
    case FDT_ERR_BADVALUE:
        return QA_ERROR_INVALID;
    default:
        return QA_ERROR_FAILED;
    }
}

/* Report libfdt's @err for @what on @path. */
static bool fdt_fail(GError **error, int err, const char *path,
                     const char *what)
{
    g_set_error(error, QA_ERROR, fdt_error_code(err),
                "device tree: %s on '%s': %s", what, path, fdt_strerror(err));
    return false;
}

QaFdt *qa_fdt_new(GError **error)
{
    g_autofree void *buf = g_malloc0(FDT_INITIAL_SIZE);
    QaFdt *fdt;
    int err = fdt_create_empty_tree(buf, FDT_INITIAL_SIZE);

    if (err < 0) {
        fdt_fail(error, err, "/", "create");
        return NULL;
    }
    fdt = g_new0(QaFdt, 1);
    fdt->buf = g_steal_pointer(&buf);
    fdt->size = FDT_INITIAL_SIZE;
    fdt->labels =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return fdt;
}

void qa_fdt_free(QaFdt *fdt)
{
    if (!fdt) {
        return;
    }
    g_hash_table_unref(fdt->labels);
    g_free(fdt->buf);
    g_free(fdt);
}

/* Make room for at least @need more bytes (libfdt said NOSPACE). */
static bool fdt_grow(QaFdt *fdt, size_t need, const char *path, GError **error)
{
    size_t size = fdt->size * 2 + need;
    int err;

    if (size > FDT_MAX_SIZE) {
        g_set_error(error, QA_ERROR, QA_ERROR_FAILED,
                    "device tree: growing past %u bytes for '%s'", FDT_MAX_SIZE,
                    path);
        return false;
    }
    fdt->buf = g_realloc(fdt->buf, size);
    memset((char *)fdt->buf + fdt->size, 0, size - fdt->size);
    err = fdt_open_into(fdt->buf, fdt->buf, (int)size);
    if (err < 0) {
        return fdt_fail(error, err, path, "grow");
    }
    fdt->size = size;
    return true;
}

static int node_offset(QaFdt *fdt, const char *path, GError **error)
{
    int off = fdt_path_offset(fdt->buf, path);

    if (off < 0) {
        fdt_fail(error, off, path, "lookup");
    }
    return off;
}

bool qa_fdt_node_exists(QaFdt *fdt, const char *path)
{
    return fdt_path_offset(fdt->buf, path) >= 0;
}

bool qa_fdt_add_node(QaFdt *fdt, const char *path, GError **error)
{
    const char *slash = strrchr(path, '/');
    g_autofree char *parent = NULL;
    const char *name;

    if (path[0] != '/' || !slash || !slash[1]) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "device tree: '%s' is not an absolute node path", path);
        return false;
    }
    parent = slash == path ? g_strdup("/") : g_strndup(path, slash - path);
    name = slash + 1;
    for (;;) {
        int poff = node_offset(fdt, parent, error);
        int err;

        if (poff < 0) {
            return false;
        }
        err = fdt_add_subnode(fdt->buf, poff, name);
        if (err >= 0) {
            return true;
        }
        if (err != -FDT_ERR_NOSPACE) {
            return fdt_fail(error, err, path, "add node");
        }
        if (!fdt_grow(fdt, strlen(name) + 64, path, error)) {
            return false;
        }
    }
}

bool qa_fdt_setprop(QaFdt *fdt, const char *path, const char *name,
                    const void *val, size_t len, GError **error)
{
    if (len > FDT_MAX_SIZE) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "device tree: property '%s' of '%s' is too long", name,
                    path);
        return false;
    }
    for (;;) {
        int off = node_offset(fdt, path, error);
        int err;

        if (off < 0) {
            return false;
        }
        err = fdt_setprop(fdt->buf, off, name, val, (int)len);
        if (err >= 0) {
            return true;
        }
        if (err != -FDT_ERR_NOSPACE) {
            g_autofree char *what = g_strdup_printf("set '%s'", name);
            return fdt_fail(error, err, path, what);
        }
        if (!fdt_grow(fdt, len + strlen(name) + 64, path, error)) {
            return false;
        }
    }
}

bool qa_fdt_setprop_empty(QaFdt *fdt, const char *path, const char *name,
                          GError **error)
{
    return qa_fdt_setprop(fdt, path, name, NULL, 0, error);
}

bool qa_fdt_setprop_string(QaFdt *fdt, const char *path, const char *name,
                           const char *value, GError **error)
{
    return qa_fdt_setprop(fdt, path, name, value, strlen(value) + 1, error);
}

bool qa_fdt_setprop_strings(QaFdt *fdt, const char *path, const char *name,
                            const char *const *values, GError **error)
{
    g_autoptr(GByteArray) list = g_byte_array_new();

    g_return_val_if_fail(values && values[0], false);
    for (size_t i = 0; values[i]; i++) {
        g_byte_array_append(list, (const guint8 *)values[i],
                            strlen(values[i]) + 1);
    }
    return qa_fdt_setprop(fdt, path, name, list->data, list->len, error);
}

bool qa_fdt_setprop_cells(QaFdt *fdt, const char *path, const char *name,
                          const uint32_t *cells, size_t n, GError **error)
{
    g_autofree fdt32_t *be = g_new(fdt32_t, n ? n : 1);

    for (size_t i = 0; i < n; i++) {
        be[i] = cpu_to_fdt32(cells[i]);
    }
    return qa_fdt_setprop(fdt, path, name, be, n * sizeof(fdt32_t), error);
}

bool qa_fdt_setprop_u32(QaFdt *fdt, const char *path, const char *name,
                        uint32_t value, GError **error)
{
    return qa_fdt_setprop_cells(fdt, path, name, &value, 1, error);
}

bool qa_fdt_setprop_u64(QaFdt *fdt, const char *path, const char *name,
                        uint64_t value, GError **error)
{
    const uint32_t cells[2] = {value >> 32, (uint32_t)value};

    return qa_fdt_setprop_cells(fdt, path, name, cells, 2, error);
}

/* Append @value as @ncells cells; false if it does not fit. */
static bool push_cells(GArray *cells, uint64_t value, int ncells)
{
    if (ncells == 1) {
        uint32_t c = (uint32_t)value;
        if (value >> 32) {
            return false;
        }
        g_array_append_val(cells, c);
    } else {
        uint32_t hi = value >> 32, lo = (uint32_t)value;
        g_array_append_val(cells, hi);
        g_array_append_val(cells, lo);
    }
    return true;
}

bool qa_fdt_setprop_reg(QaFdt *fdt, const char *path, const uint64_t *pairs,
                        size_t n, GError **error)
{
    const char *slash = strrchr(path, '/');
    g_autofree char *parent = NULL;
    g_autoptr(GArray) cells = g_array_new(false, false, sizeof(uint32_t));
    int poff, ac, sc;

    if (path[0] != '/' || !slash) {
        return fdt_fail(error, -FDT_ERR_BADPATH, path, "set 'reg'");
    }
    parent = slash == path ? g_strdup("/") : g_strndup(path, slash - path);
    poff = node_offset(fdt, parent, error);
    if (poff < 0) {
        return false;
    }
    ac = fdt_address_cells(fdt->buf, poff);
    sc = fdt_size_cells(fdt->buf, poff);
    if (ac < 1 || ac > 2 || sc < 1 || sc > 2) {
        g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                    "device tree: 'reg' of '%s': parent cells %d/%d are not "
                    "supported",
                    path, ac, sc);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!push_cells(cells, pairs[2 * i], ac) ||
            !push_cells(cells, pairs[2 * i + 1], sc)) {
            g_set_error(error, QA_ERROR, QA_ERROR_INVALID,
                        "device tree: 'reg' of '%s': 0x%" PRIx64 "+0x%" PRIx64
                        " does not fit %d/%d cells",
                        path, pairs[2 * i], pairs[2 * i + 1], ac, sc);
            return false;
        }
    }
    return qa_fdt_setprop_cells(fdt, path, "reg", (uint32_t *)cells->data,
                                cells->len, error);
}

uint32_t qa_fdt_phandle(QaFdt *fdt, const char *path, GError **error)
{
    int off = node_offset(fdt, path, error);
    uint32_t phandle;
    int err;

    if (off < 0) {
        return 0;
    }
    phandle = fdt_get_phandle(fdt->buf, off);
    if (phandle) {
        return phandle;
    }
    err = fdt_generate_phandle(fdt->buf, &phandle);
    if (err < 0) {
        fdt_fail(error, err, path, "allocate phandle");
        return 0;
    }
    if (!qa_fdt_setprop_u32(fdt, path, "phandle", phandle, error)) {
        return 0;
    }
    return phandle;
}

bool qa_fdt_set_label(QaFdt *fdt, const char *label, const char *path,
                      GError **error)
{
    const char *old = g_hash_table_lookup(fdt->labels, label);

    if (node_offset(fdt, path, error) < 0) {
        return false;
    }
    if (old && strcmp(old, path) != 0) {
        g_set_error(error, QA_ERROR, QA_ERROR_EXISTS,
                    "device tree: label '%s' already names '%s'", label, old);
        return false;
    }
    g_hash_table_replace(fdt->labels, g_strdup(label), g_strdup(path));
    return true;
}

const char *qa_fdt_label_path(QaFdt *fdt, const char *label)
{
    return g_hash_table_lookup(fdt->labels, label);
}

uint32_t qa_fdt_label_phandle(QaFdt *fdt, const char *label, GError **error)
{
    const char *path = qa_fdt_label_path(fdt, label);

    if (!path) {
        g_set_error(error, QA_ERROR, QA_ERROR_NOT_FOUND,
                    "device tree: no node is labelled '%s'", label);
        return 0;
    }
    return qa_fdt_phandle(fdt, path, error);
}

GByteArray *qa_fdt_finish(QaFdt *fdt, GError **error)
{
    g_autofree void *copy = g_memdup2(fdt->buf, fdt->size);
    GByteArray *blob;
    int err = fdt_pack(copy);

    if (err < 0) {
        fdt_fail(error, err, "/", "pack");
        return NULL;
    }
    blob = g_byte_array_sized_new(fdt_totalsize(copy));
    g_byte_array_append(blob, copy, fdt_totalsize(copy));
    return blob;
}

const void *qa_fdt_blob(QaFdt *fdt)
{
    return fdt->buf;
}

/* ---- board helpers ------------------------------------------------------ */

bool qa_fdt_add_memory(QaFdt *fdt, uint64_t base, uint64_t size, GError **error)
{
    g_autofree char *path = g_strdup_printf("/memory@%" PRIx64, base);

    return qa_fdt_add_node(fdt, path, error) &&
           qa_fdt_setprop_string(fdt, path, "device_type", "memory", error) &&
           qa_fdt_setprop_reg(fdt, path, (const uint64_t[]){base, size}, 1,
                              error);
}

typedef struct DeviceWalk {
    QaFdt *fdt;
    GError **error;
} DeviceWalk;

static bool add_device_node(QaObject *obj, void *opaque)
{
    DeviceWalk *w = opaque;

    if (qa_object_is_a(obj, QA_TYPE_FDT_NODE) &&
        qa_object_is_a(obj, QA_TYPE_DEVICE) && ((QaDevice *)obj)->realized) {
        QaFdtNodeClass *fc = QA_CLASS_OF(QaFdtNodeClass, obj, QA_TYPE_FDT_NODE);
        if (fc->add_fdt && !fc->add_fdt(obj, w->fdt, w->error)) {
            g_autofree char *path = qa_object_canonical_path(obj);
            g_prefix_error(w->error,
                           "%s: ", path ? path : qa_object_type_name(obj));
            return false;
        }
    }
    return qa_object_foreach_child(obj, add_device_node, w);
}

bool qa_fdt_add_device_nodes(QaFdt *fdt, QaObject *root, GError **error)
{
    DeviceWalk w = {.fdt = fdt, .error = error};

    return qa_object_foreach_child(root, add_device_node, &w);
}

bool qa_fdt_add_chosen(QaFdt *fdt, const char *bootargs, GError **error)
{
    const char *stdout_path = qa_fdt_label_path(fdt, "stdout");

    if (!qa_fdt_node_exists(fdt, "/chosen") &&
        !qa_fdt_add_node(fdt, "/chosen", error)) {
        return false;
    }
    if (stdout_path) {
        if (!(qa_fdt_setprop_string(fdt, "/chosen", "stdout-path", stdout_path,
                                    error) &&
              (qa_fdt_node_exists(fdt, "/aliases") ||
               qa_fdt_add_node(fdt, "/aliases", error)) &&
              qa_fdt_setprop_string(fdt, "/aliases", "serial0", stdout_path,
                                    error))) {
            return false;
        }
    }
    return !bootargs ||
           qa_fdt_setprop_string(fdt, "/chosen", "bootargs", bootargs, error);
}

bool qa_fdt_install(QaFdt *fdt, QaMachine *m, GError **error)
{
    g_autoptr(GByteArray) blob = qa_fdt_finish(fdt, error);
    g_autoptr(GError) local = NULL;

    if (!blob) {
        return false;
    }
    if (m->dumpdtb && *m->dumpdtb &&
        !g_file_set_contents(m->dumpdtb, (const char *)blob->data, blob->len,
                             &local)) {
        g_set_error(error, QA_ERROR, QA_ERROR_IO, "dumpdtb: %s",
                    local->message);
        return false;
    }
    if (m->fdt) {
        g_byte_array_unref(m->fdt);
    }
    m->fdt = g_steal_pointer(&blob);
    return true;
}
