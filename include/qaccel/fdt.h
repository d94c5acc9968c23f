/*
 * Flattened device tree builder on libfdt.
 *
 * A QaFdt is a growable libfdt tree edited in place (fdt_create_empty_tree
 * and the read-write API): nodes are named by absolute path, the buffer
 * grows when libfdt says it is full, and every libfdt error becomes a
 * GError in the QA_ERROR domain naming the node and property.  Labels map
 * a name ("intc", "stdout") to a node path so that a board and its
 * devices can refer to each other's nodes (phandles are allocated on
 * demand) without knowing who created them.  Main thread only.
 */
#ifndef QACCEL_FDT_H
#define QACCEL_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include <qaccel/object.h>

G_BEGIN_DECLS

typedef struct QaFdt QaFdt;
typedef struct QaMachine QaMachine;

/**
 * qa_fdt_new: an empty tree (just "/").  Returns a new builder, or NULL
 * with QA_ERROR_FAILED if libfdt refuses to create one.
 */
QaFdt *qa_fdt_new(GError **error);

/** qa_fdt_free: free @fdt and its buffer.  NULL is ok. */
void qa_fdt_free(QaFdt *fdt);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(QaFdt, qa_fdt_free)

/**
 * qa_fdt_add_node: create the node at absolute @path ("/cpus/cpu@0");
 * its parent must exist.  Fails with QA_ERROR_EXISTS if it already does,
 * QA_ERROR_NOT_FOUND if the parent does not, QA_ERROR_INVALID for a bad
 * path or node name.
 */
bool qa_fdt_add_node(QaFdt *fdt, const char *path, GError **error);

/** qa_fdt_node_exists: whether a node is at @path. */
bool qa_fdt_node_exists(QaFdt *fdt, const char *path);

/**
 * qa_fdt_setprop: set property @name of the node at @path to @len bytes
 * at @val (replacing any value).  Fails with QA_ERROR_NOT_FOUND if there
 * is no such node, QA_ERROR_INVALID for a bad name, QA_ERROR_FAILED for
 * any other libfdt error.  The typed variants below fail the same way.
 */
bool qa_fdt_setprop(QaFdt *fdt, const char *path, const char *name,
                    const void *val, size_t len, GError **error);

/** qa_fdt_setprop_empty: a property without a value ("interrupt-controller").
 */
bool qa_fdt_setprop_empty(QaFdt *fdt, const char *path, const char *name,
                          GError **error);

/** qa_fdt_setprop_string: a NUL-terminated string. */
bool qa_fdt_setprop_string(QaFdt *fdt, const char *path, const char *name,
                           const char *value, GError **error);

/**
 * qa_fdt_setprop_strings: a string list ("compatible") from the
 * NULL-terminated array @values (at least one string).
 */
bool qa_fdt_setprop_strings(QaFdt *fdt, const char *path, const char *name,
                            const char *const *values, GError **error);

/** qa_fdt_setprop_u32 / _u64: one big-endian cell / a two-cell value. */
bool qa_fdt_setprop_u32(QaFdt *fdt, const char *path, const char *name,
                        uint32_t value, GError **error);
bool qa_fdt_setprop_u64(QaFdt *fdt, const char *path, const char *name,
                        uint64_t value, GError **error);

/** qa_fdt_setprop_cells: @n cells from host-order @cells. */
bool qa_fdt_setprop_cells(QaFdt *fdt, const char *path, const char *name,
                          const uint32_t *cells, size_t n, GError **error);

/**
 * qa_fdt_setprop_reg: "reg" from @n (address, size) pairs in @pairs
 * (2 * @n values), encoded with the parent's #address-cells and
 * #size-cells (1 or 2 each; libfdt's defaults when absent).  Fails with
 * QA_ERROR_INVALID if a value does not fit its cells or the parent uses
 * another cell count.
 */
bool qa_fdt_setprop_reg(QaFdt *fdt, const char *path, const uint64_t *pairs,
                        size_t n, GError **error);

/**
 * qa_fdt_phandle: the phandle of the node at @path, giving it a new
 * unique one ("phandle" property) if it has none.  Returns 0 with an
 * error if there is no such node or libfdt has no phandle left.
 */
uint32_t qa_fdt_phandle(QaFdt *fdt, const char *path, GError **error);

/**
 * qa_fdt_set_label: let @label name the node at @path (which must
 * exist).  Fails with QA_ERROR_EXISTS if @label names another node.
 */
bool qa_fdt_set_label(QaFdt *fdt, const char *label, const char *path,
                      GError **error);

/** qa_fdt_label_path: the node path @label names, or NULL (borrowed). */
const char *qa_fdt_label_path(QaFdt *fdt, const char *label);

/**
 * qa_fdt_label_phandle: qa_fdt_phandle() of the node @label names; 0 with
 * QA_ERROR_NOT_FOUND if the label is unset.
 */
uint32_t qa_fdt_label_phandle(QaFdt *fdt, const char *label, GError **error);

/**
 * qa_fdt_finish: a packed copy of the tree (the builder stays usable).
 * Returns a new GByteArray, or NULL with QA_ERROR_FAILED if libfdt fails.
 */
GByteArray *qa_fdt_finish(QaFdt *fdt, GError **error);

/**
 * qa_fdt_blob: the live (unpacked) tree for reading with libfdt's
 * read-only API; valid until the next change.
 */
const void *qa_fdt_blob(QaFdt *fdt);

/* ---- board helpers ----------------------------------------------------- */

/**
 * qa_fdt_add_memory: the node /memory@BASE (device_type "memory", reg)
 * for @size bytes of RAM at @base.  Errors as qa_fdt_add_node().
 */
bool qa_fdt_add_memory(QaFdt *fdt, uint64_t base, uint64_t size,
                       GError **error);

/**
 * qa_fdt_add_device_nodes: call the add_fdt hook of every realized device
 * below @root that implements "fdt-node", depth first in tree order.
 * Returns false with the first device's error, prefixed with its path.
 */
bool qa_fdt_add_device_nodes(QaFdt *fdt, QaObject *root, GError **error);

/**
 * qa_fdt_add_chosen: /chosen with stdout-path (the node labelled
 * "stdout", which /aliases also calls serial0) and, if @bootargs is not
 * NULL, bootargs.  Errors as qa_fdt_setprop().
 */
bool qa_fdt_add_chosen(QaFdt *fdt, const char *bootargs, GError **error);

/**
 * qa_fdt_install: pack @fdt into @m->fdt (replacing any earlier blob) and,
 * when @m->dumpdtb is set, write the blob to that file as QEMU's
 * -machine dumpdtb=FILE does (the caller then exits).  Fails with
 * QA_ERROR_IO naming the file if it cannot be written.
 */
bool qa_fdt_install(QaFdt *fdt, QaMachine *m, GError **error);

G_END_DECLS

#endif
