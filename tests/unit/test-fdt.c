/*
 * FDT builder (hw/core/fdt.c), read back with libfdt.
 */
#include <glib.h>
#include <libfdt.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "qaccel-config.h"
#include <qaccel/config.h>
#include <qaccel/error.h>
#include <qaccel/fdt.h>
#include <qaccel/machine.h>

/* ---- helpers shared with the board tests ------------------------------ */

static int node(const void *blob, const char *path)
{
    int off = fdt_path_offset(blob, path);

    if (off < 0) {
        g_test_message("no node %s: %s", path, fdt_strerror(off));
    }
    g_assert_cmpint(off, >=, 0);
    return off;
}

static const void *prop(const void *blob, const char *path, const char *name,
                        int *len)
{
    const void *val = fdt_getprop(blob, node(blob, path), name, len);

    if (!val) {
        g_test_message("no property %s in %s", name, path);
    }
    g_assert_nonnull(val);
    return val;
}

static void assert_prop_str(const void *blob, const char *path,
                            const char *name, const char *expect)
{
    int len;
    const char *s = prop(blob, path, name, &len);

    g_assert_cmpint(len, ==, strlen(expect) + 1);
    g_assert_cmpstr(s, ==, expect);
}

static uint32_t prop_u32(const void *blob, const char *path, const char *name)
{
    int len;
    const fdt32_t *v = prop(blob, path, name, &len);

    g_assert_cmpint(len, ==, 4);
    return fdt32_to_cpu(*v);
}

/* ---- builder ------------------------------------------------------------ */

static void test_build_and_read(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QaFdt) fdt = qa_fdt_new(&err);
    g_autoptr(GByteArray) blob = NULL;
    const char *const compat[] = {"arm,psci-1.0", "arm,psci-0.2", "arm,psci",
                                  NULL};
    const uint32_t cells[3] = {0, 1, 4};
    const fdt32_t *c;
    const char *s;
    int len;

    g_assert_no_error(err);
    g_assert_true(qa_fdt_setprop_u32(fdt, "/", "#address-cells", 2, &err));
    g_assert_true(qa_fdt_setprop_u32(fdt, "/", "#size-cells", 2, &err));
    g_assert_true(qa_fdt_add_node(fdt, "/psci", &err));
    g_assert_true(
        qa_fdt_setprop_strings(fdt, "/psci", "compatible", compat, &err));
    g_assert_true(qa_fdt_setprop_string(fdt, "/psci", "method", "hvc", &err));
    g_assert_true(qa_fdt_add_node(fdt, "/memory@40000000", &err));
    g_assert_true(qa_fdt_setprop_reg(
        fdt, "/memory@40000000", (const uint64_t[]){0x40000000, 0x180000000ULL},
        1, &err));
    g_assert_true(qa_fdt_add_node(fdt, "/intc", &err));
    g_assert_true(
        qa_fdt_setprop_empty(fdt, "/intc", "interrupt-controller", &err));
    g_assert_true(
        qa_fdt_setprop_cells(fdt, "/intc", "interrupts", cells, 3, &err));
    g_assert_true(
        qa_fdt_setprop_u64(fdt, "/intc", "big", 0x1122334455667788, &err));
    g_assert_no_error(err);

    blob = qa_fdt_finish(fdt, &err);
    g_assert_no_error(err);
    g_assert_cmpint(fdt_check_header(blob->data), ==, 0);
    g_assert_cmpuint(fdt_totalsize(blob->data), ==, blob->len);

    s = prop(blob->data, "/psci", "compatible", &len);
    g_assert_cmpint(len, ==, sizeof("arm,psci-1.0arm,psci-0.2arm,psci") + 2);
    g_assert_cmpint(fdt_stringlist_count(blob->data, node(blob->data, "/psci"),
                                         "compatible"),
                    ==, 3);
    g_assert_cmpstr(s, ==, "arm,psci-1.0");
    g_assert_cmpint(fdt_node_check_compatible(
                        blob->data, node(blob->data, "/psci"), "arm,psci"),
                    ==, 0);
    assert_prop_str(blob->data, "/psci", "method", "hvc");

    c = prop(blob->data, "/memory@40000000", "reg", &len);
    g_assert_cmpint(len, ==, 16);
    g_assert_cmpuint(fdt32_to_cpu(c[0]), ==, 0);
    g_assert_cmpuint(fdt32_to_cpu(c[1]), ==, 0x40000000);
    g_assert_cmpuint(fdt32_to_cpu(c[2]), ==, 1);
    g_assert_cmpuint(fdt32_to_cpu(c[3]), ==, 0x80000000);

    prop(blob->data, "/intc", "interrupt-controller", &len);
    g_assert_cmpint(len, ==, 0);
    c = prop(blob->data, "/intc", "interrupts", &len);
    g_assert_cmpint(len, ==, 12);
    g_assert_cmpuint(fdt32_to_cpu(c[2]), ==, 4);
    c = prop(blob->data, "/intc", "big", &len);
    g_assert_cmpint(len, ==, 8);
    g_assert_cmpuint(fdt32_to_cpu(c[0]), ==, 0x11223344);
    g_assert_cmpuint(fdt32_to_cpu(c[1]), ==, 0x55667788);

    /* the builder stays usable after finish */
    g_assert_true(qa_fdt_setprop_string(fdt, "/psci", "method", "smc", &err));
    assert_prop_str(qa_fdt_blob(fdt), "/psci", "method", "smc");
    assert_prop_str(blob->data, "/psci", "method", "hvc");
}

static void test_reg_cells(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QaFdt) fdt = qa_fdt_new(&err);
    const fdt32_t *c;
    int len;

    g_assert_true(qa_fdt_add_node(fdt, "/cpus", &err));
    g_assert_true(qa_fdt_setprop_u32(fdt, "/cpus", "#address-cells", 1, &err));
    g_assert_true(qa_fdt_setprop_u32(fdt, "/cpus", "#size-cells", 0, &err));
    g_assert_true(qa_fdt_add_node(fdt, "/cpus/cpu@1", &err));
    /* #size-cells 0 is not a layout the builder encodes */
    g_assert_false(qa_fdt_setprop_reg(fdt, "/cpus/cpu@1",
                                      (const uint64_t[]){1, 0}, 1, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_clear_error(&err);
    g_assert_true(qa_fdt_setprop_u32(fdt, "/cpus/cpu@1", "reg", 1, &err));

    /* libfdt's defaults (2/1) apply without the properties */
    g_assert_true(qa_fdt_add_node(fdt, "/soc", &err));
    g_assert_true(qa_fdt_setprop_u32(fdt, "/soc", "#address-cells", 1, &err));
    g_assert_true(qa_fdt_setprop_u32(fdt, "/soc", "#size-cells", 1, &err));
    g_assert_true(qa_fdt_add_node(fdt, "/soc/uart@10000000", &err));
    g_assert_true(qa_fdt_setprop_reg(
        fdt, "/soc/uart@10000000",
        (const uint64_t[]){0x10000000, 0x100, 0x20000000, 0x10}, 2, &err));
    c = prop(qa_fdt_blob(fdt), "/soc/uart@10000000", "reg", &len);
    g_assert_cmpint(len, ==, 16);
    g_assert_cmpuint(fdt32_to_cpu(c[0]), ==, 0x10000000);
    g_assert_cmpuint(fdt32_to_cpu(c[3]), ==, 0x10);
    /* a 64-bit address in one cell */
    g_assert_false(qa_fdt_setprop_reg(fdt, "/soc/uart@10000000",
                                      (const uint64_t[]){0x100000000ULL, 1}, 1,
                                      &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_nonnull(strstr(err->message, "uart@10000000"));
}

static void test_errors(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QaFdt) fdt = qa_fdt_new(&err);

    g_assert_false(qa_fdt_add_node(fdt, "/a/b", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(err->message, "/a"));
    g_clear_error(&err);

    g_assert_true(qa_fdt_add_node(fdt, "/a", &err));
    g_assert_false(qa_fdt_add_node(fdt, "/a", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_EXISTS);
    g_clear_error(&err);

    g_assert_false(qa_fdt_add_node(fdt, "relative", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_clear_error(&err);
    g_assert_false(qa_fdt_add_node(fdt, "/", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_clear_error(&err);

    g_assert_false(qa_fdt_setprop_u32(fdt, "/nope", "x", 1, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(err->message, "/nope"));
    g_clear_error(&err);

    g_assert_false(qa_fdt_phandle(fdt, "/nope", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_NOT_FOUND);
    g_clear_error(&err);

    g_assert_false(qa_fdt_set_label(fdt, "x", "/nope", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_NOT_FOUND);
    g_clear_error(&err);

    g_assert_false(qa_fdt_label_phandle(fdt, "unset", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_NOT_FOUND);
    g_clear_error(&err);
    g_assert_false(qa_fdt_node_exists(fdt, "/nope"));
    g_assert_true(qa_fdt_node_exists(fdt, "/a"));
}

static void test_growth(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QaFdt) fdt = qa_fdt_new(&err);
    g_autoptr(GByteArray) blob = NULL;
    g_autofree char *big = g_malloc(10000);

    /* far past the initial 4 KiB */
    for (int i = 0; i < 300; i++) {
        g_autofree char *path = g_strdup_printf("/node@%x", i);
        g_assert_true(qa_fdt_add_node(fdt, path, &err));
        g_assert_true(qa_fdt_setprop_u32(fdt, path, "reg", i, &err));
        g_assert_true(qa_fdt_setprop_string(fdt, path, "status", "okay", &err));
    }
    memset(big, 'x', 9999);
    big[9999] = 0;
    g_assert_true(qa_fdt_setprop_string(fdt, "/node@7", "big", big, &err));
    g_assert_no_error(err);
    blob = qa_fdt_finish(fdt, &err);
    g_assert_no_error(err);
    g_assert_cmpint(fdt_check_header(blob->data), ==, 0);
    for (int i = 0; i < 300; i += 37) {
        g_autofree char *path = g_strdup_printf("/node@%x", i);
        g_assert_cmpuint(prop_u32(blob->data, path, "reg"), ==, i);
    }
    assert_prop_str(blob->data, "/node@7", "big", big);
}

static void test_phandles_and_labels(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QaFdt) fdt = qa_fdt_new(&err);
    uint32_t a, b, again;

    g_assert_true(qa_fdt_add_node(fdt, "/a", &err));
    g_assert_true(qa_fdt_add_node(fdt, "/b", &err));
    a = qa_fdt_phandle(fdt, "/a", &err);
    b = qa_fdt_phandle(fdt, "/b", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(a, !=, 0);
    g_assert_cmpuint(b, !=, 0);
    g_assert_cmpuint(a, !=, b);
    again = qa_fdt_phandle(fdt, "/a", &err);
    g_assert_cmpuint(again, ==, a);
    g_assert_cmpuint(prop_u32(qa_fdt_blob(fdt), "/a", "phandle"), ==, a);
    g_assert_cmpint(fdt_node_offset_by_phandle(qa_fdt_blob(fdt), b), ==,
                    node(qa_fdt_blob(fdt), "/b"));

    g_assert_null(qa_fdt_label_path(fdt, "intc"));
    g_assert_true(qa_fdt_set_label(fdt, "intc", "/b", &err));
    g_assert_true(qa_fdt_set_label(fdt, "intc", "/b", &err)); /* same: ok */
    g_assert_false(qa_fdt_set_label(fdt, "intc", "/a", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_EXISTS);
    g_clear_error(&err);
    g_assert_cmpstr(qa_fdt_label_path(fdt, "intc"), ==, "/b");
    g_assert_cmpuint(qa_fdt_label_phandle(fdt, "intc", &err), ==, b);
}

/* ---- boards: blobs decompiled by dtc and read back with libfdt ----------- */

typedef struct Board {
    QaMachineConfig *cfg;
    QaMachine *m;
} Board;

static char *config_path(const char *name)
{
    const char *src = g_getenv("QACCEL_SOURCE_DIR");

    return g_strdup_printf("%s/configs/machines/%s.conf",
                           src ? src : QACCEL_SOURCE_DIR, name);
}

/*
 * Build machine @name with NULL-terminated (property, value) pairs set on
 * the machine and -global style (type, property, value) triples in
 * @globals.  Returns false with @error if the board refuses them.
 */
static bool board_new(Board *b, const char *name, const char *const *props,
                      const char *const *globals, GError **error)
{
    g_autofree char *path = config_path(name);

    memset(b, 0, sizeof(*b));
    b->cfg = qa_machine_config_load(path, error);
    g_assert_no_error(error ? *error : NULL);
    b->m = qa_machine_new(b->cfg, error);
    g_assert_nonnull(b->m);
    for (size_t i = 0; props && props[i]; i += 2) {
        g_assert_true(
            qa_object_set_str(QA_OBJECT(b->m), props[i], props[i + 1], error));
    }
    for (size_t i = 0; globals && globals[i]; i += 3) {
        qa_machine_add_global(b->m, globals[i], globals[i + 1], globals[i + 2]);
    }
    if (!qa_machine_realize(b->m, error)) {
        qa_machine_destroy(b->m);
        qa_machine_config_free(b->cfg);
        b->m = NULL;
        b->cfg = NULL;
        return false;
    }
    g_assert_nonnull(b->m->fdt);
    g_assert_cmpint(fdt_check_header(b->m->fdt->data), ==, 0);
    g_assert_cmpuint(fdt_totalsize(b->m->fdt->data), ==, b->m->fdt->len);
    return true;
}

static void board_free(Board *b)
{
    if (b->m) {
        qa_machine_destroy(b->m);
    }
    qa_machine_config_free(b->cfg);
}

/* dtc must decompile @blob with exit status 0 and not one warning. */
static void assert_dtc_clean(const GByteArray *blob)
{
    g_autofree char *dtc = g_find_program_in_path("dtc");
    g_autofree char *tmp = NULL;
    g_autofree char *out = NULL, *err_text = NULL;
    g_autoptr(GError) err = NULL;
    int fd, status;

    if (!dtc) {
        g_test_skip("dtc (device-tree-compiler) is not installed");
        return;
    }
    fd = g_file_open_tmp("qaccel-XXXXXX.dtb", &tmp, &err);
    g_assert_no_error(err);
    close(fd);
    g_assert_true(
        g_file_set_contents(tmp, (const char *)blob->data, blob->len, &err));
    const char *argv[] = {dtc,  "-I",        "dtb", "-O", "dts",
                          "-o", "/dev/null", tmp,   NULL};
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL,
                               NULL, &out, &err_text, &status, &err));
    g_unlink(tmp);
    if (*err_text) {
        g_test_message("dtc: %s", err_text);
    }
    g_assert_cmpstr(err_text, ==, "");
    g_assert_true(g_spawn_check_wait_status(status, &err));
}

static uint64_t cells64(const fdt32_t *c)
{
    return (uint64_t)fdt32_to_cpu(c[0]) << 32 | fdt32_to_cpu(c[1]);
}

static void assert_reg(const void *blob, const char *path, uint64_t base,
                       uint64_t size)
{
    int len;
    const fdt32_t *c = prop(blob, path, "reg", &len);

    g_assert_cmpint(len, ==, 16);
    g_assert_cmphex(cells64(c), ==, base);
    g_assert_cmphex(cells64(c + 2), ==, size);
}

/* Count the subnodes of @path whose names start with @prefix. */
static int count_nodes(const void *blob, const char *path, const char *prefix)
{
    int n = 0, child;

    fdt_for_each_subnode(child, blob, node(blob, path))
    {
        if (g_str_has_prefix(fdt_get_name(blob, child, NULL), prefix)) {
            n++;
        }
    }
    return n;
}

static void assert_memory(const void *blob, uint64_t base, uint64_t size)
{
    g_autofree char *path =
        g_strdup_printf("/memory@%" G_GINT64_MODIFIER "x", base);

    assert_prop_str(blob, path, "device_type", "memory");
    assert_reg(blob, path, base, size);
    g_assert_cmpint(count_nodes(blob, "/", "memory"), ==, 1);
}

typedef struct SizeCase {
    const char *cpus, *mem;
    uint32_t ncpus;
    uint64_t bytes;
} SizeCase;

static const SizeCase arm_sizes[] = {
    {"1", "128M", 1, 128 << 20},
    {"2", "256M", 2, 256 << 20},
    {"4", "1G", 4, 1ULL << 30},
    {"8", "3G", 8, 3ULL << 30},
};

static void assert_arm_board(const void *blob, uint32_t ncpus, uint64_t mem,
                             uint32_t cluster, const char *bootargs)
{
    int len;
    uint32_t gic, clk;
    const fdt32_t *c;

    assert_prop_str(blob, "/", "compatible", "linux,dummy-virt");
    g_assert_cmpuint(prop_u32(blob, "/", "#address-cells"), ==, 2);
    g_assert_cmpuint(prop_u32(blob, "/", "#size-cells"), ==, 2);
    assert_memory(blob, 0x40000000, mem);

    /* cpus: reg = MPIDR affinity, PSCI enable method */
    g_assert_cmpuint(prop_u32(blob, "/cpus", "#address-cells"), ==, 1);
    g_assert_cmpuint(prop_u32(blob, "/cpus", "#size-cells"), ==, 0);
    g_assert_cmpint(count_nodes(blob, "/cpus", "cpu@"), ==, ncpus);
    for (uint32_t i = 0; i < ncpus; i++) {
        uint32_t mpidr = (i / cluster) << 8 | i % cluster;
        g_autofree char *path = g_strdup_printf("/cpus/cpu@%x", mpidr);
        g_assert_cmphex(prop_u32(blob, path, "reg"), ==, mpidr);
        assert_prop_str(blob, path, "device_type", "cpu");
        assert_prop_str(blob, path, "enable-method", "psci");
        assert_prop_str(blob, path, "compatible", "arm,arm-v8");
    }

    /* PSCI over hvc, 1.x compatibles */
    g_assert_cmpint(
        fdt_stringlist_count(blob, node(blob, "/psci"), "compatible"), ==, 3);
    g_assert_cmpstr(
        fdt_stringlist_get(blob, node(blob, "/psci"), "compatible", 0, NULL),
        ==, "arm,psci-1.0");
    assert_prop_str(blob, "/psci", "method", "hvc");
    g_assert_cmphex(prop_u32(blob, "/psci", "cpu_on"), ==, 0xC4000003);
    g_assert_cmphex(prop_u32(blob, "/psci", "cpu_off"), ==, 0x84000002);

    /* GICv3 with one redistributor frame per vCPU; the root's parent */
    gic = prop_u32(blob, "/intc@8000000", "phandle");
    g_assert_cmpuint(prop_u32(blob, "/", "interrupt-parent"), ==, gic);
    assert_prop_str(blob, "/intc@8000000", "compatible", "arm,gic-v3");
    g_assert_cmpuint(prop_u32(blob, "/intc@8000000", "#interrupt-cells"), ==,
                     3);
    prop(blob, "/intc@8000000", "interrupt-controller", &len);
    g_assert_cmpint(len, ==, 0);
    c = prop(blob, "/intc@8000000", "reg", &len);
    g_assert_cmpint(len, ==, 32);
    g_assert_cmphex(cells64(c), ==, 0x08000000);
    g_assert_cmphex(cells64(c + 2), ==, 0x10000);
    g_assert_cmphex(cells64(c + 4), ==, 0x080a0000);
    g_assert_cmphex(cells64(c + 6), ==, ncpus * 0x20000ULL);
    assert_prop_str(blob, "/timer", "compatible", "arm,armv8-timer");

    /* the PL011 console with its clock */
    assert_reg(blob, "/pl011@9000000", 0x09000000, 0x1000);
    c = prop(blob, "/pl011@9000000", "interrupts", &len);
    g_assert_cmpint(len, ==, 12);
    g_assert_cmpuint(fdt32_to_cpu(c[0]), ==, 0);
    g_assert_cmpuint(fdt32_to_cpu(c[1]), ==, 1);
    g_assert_cmpuint(fdt32_to_cpu(c[2]), ==, 4);
    clk = prop_u32(blob, "/apb-pclk", "phandle");
    c = prop(blob, "/pl011@9000000", "clocks", &len);
    g_assert_cmpint(len, ==, 8);
    g_assert_cmpuint(fdt32_to_cpu(c[0]), ==, clk);
    g_assert_cmpuint(fdt32_to_cpu(c[1]), ==, clk);
    g_assert_cmpint(fdt_node_check_compatible(
                        blob, node(blob, "/pl011@9000000"), "arm,primecell"),
                    ==, 0);

    assert_prop_str(blob, "/pvpanic@9050000", "compatible",
                    "qemu,pvpanic-mmio");
    assert_reg(blob, "/pvpanic@9050000", 0x09050000, 2);

    assert_prop_str(blob, "/chosen", "stdout-path", "/pl011@9000000");
    assert_prop_str(blob, "/aliases", "serial0", "/pl011@9000000");
    if (bootargs) {
        assert_prop_str(blob, "/chosen", "bootargs", bootargs);
    } else {
        g_assert_null(
            fdt_getprop(blob, node(blob, "/chosen"), "bootargs", NULL));
    }
}

static void test_board_arm64(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(arm_sizes); i++) {
        const SizeCase *sc = &arm_sizes[i];
        const char *const props[] = {"cpus",  sc->cpus, "memory",
                                     sc->mem, "append", "console=ttyAMA0 quiet",
                                     NULL};
        g_autoptr(GError) err = NULL;
        Board b;

        g_test_message("-smp %s -m %s", sc->cpus, sc->mem);
        g_assert_true(board_new(&b, "virt-arm64", props, NULL, &err));
        assert_dtc_clean(b.m->fdt);
        assert_arm_board(b.m->fdt->data, sc->ncpus, sc->bytes, 16,
                         "console=ttyAMA0 quiet");
        for (uint32_t c = 0; c < sc->ncpus; c++) {
            g_assert_cmphex(b.m->vcpus[c].arch_id, ==, c);
        }
        board_free(&b);
    }
}

static void test_board_arm64_clusters(void)
{
    const char *const props[] = {"cpus", "6", "cluster-size", "4", NULL};
    const char *const bad[] = {"cluster-size", "17", NULL};
    g_autoptr(GError) err = NULL;
    Board b;

    g_assert_true(board_new(&b, "virt-arm64", props, NULL, &err));
    assert_dtc_clean(b.m->fdt);
    assert_arm_board(b.m->fdt->data, 6, 128 << 20, 4, NULL);
    g_assert_cmphex(b.m->vcpus[5].arch_id, ==, 0x101);
    board_free(&b);

    g_assert_false(board_new(&b, "virt-arm64", bad, NULL, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_nonnull(strstr(err->message, "cluster-size"));
    g_assert_null(qa_machine_get());
}

static void test_board_arm64_psci_variants(void)
{
    static const struct {
        const char *version, *conduit;
        int ncompat;
    } cases[] = {
        {"0.2", "hvc", 2},
        {"1.0", "smc", 3},
        {"1.1", "hvc", 3},
        {"1.3", "smc", 3},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *const globals[] = {"psci", "version", cases[i].version,
                                       "psci", "conduit", cases[i].conduit,
                                       NULL};
        g_autoptr(GError) err = NULL;
        const void *blob;
        Board b;

        g_assert_true(board_new(&b, "virt-arm64", NULL, globals, &err));
        blob = b.m->fdt->data;
        assert_dtc_clean(b.m->fdt);
        g_assert_cmpint(
            fdt_stringlist_count(blob, node(blob, "/psci"), "compatible"), ==,
            cases[i].ncompat);
        g_assert_cmpint(fdt_node_check_compatible(blob, node(blob, "/psci"),
                                                  "arm,psci-0.2"),
                        ==, 0);
        assert_prop_str(blob, "/psci", "method", cases[i].conduit);
        board_free(&b);
    }
}

static const SizeCase riscv_sizes[] = {
    {"1", "128M", 1, 128 << 20},
    {"2", "512M", 2, 512 << 20},
    {"4", "2G", 4, 2ULL << 30},
    {"8", "1G", 8, 1ULL << 30},
};

static void assert_riscv_board(const void *blob, uint32_t ncpus, uint64_t mem,
                               const char *isa, const char *const *ext,
                               const char *mmu)
{
    g_autofree fdt32_t *expect_ext = g_new(fdt32_t, 2 * ncpus);
    uint32_t plic;
    const fdt32_t *c;
    int len;

    assert_prop_str(blob, "/", "compatible", "riscv-virtio");
    assert_memory(blob, 0x80000000, mem);
    g_assert_cmpuint(prop_u32(blob, "/cpus", "#address-cells"), ==, 1);
    g_assert_cmpuint(prop_u32(blob, "/cpus", "#size-cells"), ==, 0);
    g_assert_cmpuint(prop_u32(blob, "/cpus", "timebase-frequency"), ==,
                     10000000);
    g_assert_cmpint(count_nodes(blob, "/cpus", "cpu@"), ==, ncpus);
    g_assert_cmpint(count_nodes(blob, "/cpus/cpu-map/cluster0", "core"), ==,
                    ncpus);
    for (uint32_t i = 0; i < ncpus; i++) {
        g_autofree char *cpu = g_strdup_printf("/cpus/cpu@%x", i);
        g_autofree char *intc = g_strdup_printf("%s/interrupt-controller", cpu);
        g_autofree char *core = g_strdup_printf("/cpus/cpu-map/cluster0/"
                                                "core%u",
                                                i);
        int off = node(blob, cpu);

        g_assert_cmpuint(prop_u32(blob, cpu, "reg"), ==, i);
        assert_prop_str(blob, cpu, "device_type", "cpu");
        assert_prop_str(blob, cpu, "compatible", "riscv");
        assert_prop_str(blob, cpu, "status", "okay");
        assert_prop_str(blob, cpu, "riscv,isa", isa);
        assert_prop_str(blob, cpu, "riscv,isa-base", "rv64i");
        g_assert_cmpint(fdt_stringlist_count(blob, off, "riscv,isa-extensions"),
                        ==, g_strv_length((char **)ext));
        for (int e = 0; ext[e]; e++) {
            g_assert_cmpstr(
                fdt_stringlist_get(blob, off, "riscv,isa-extensions", e, NULL),
                ==, ext[e]);
        }
        if (mmu) {
            assert_prop_str(blob, cpu, "mmu-type", mmu);
        } else {
            g_assert_null(fdt_getprop(blob, off, "mmu-type", NULL));
        }
        g_assert_null(fdt_getprop(blob, off, "enable-method", NULL));
        assert_prop_str(blob, intc, "compatible", "riscv,cpu-intc");
        g_assert_cmpuint(prop_u32(blob, intc, "#interrupt-cells"), ==, 1);
        g_assert_cmpuint(prop_u32(blob, core, "cpu"), ==,
                         prop_u32(blob, cpu, "phandle"));
        expect_ext[2 * i] = cpu_to_fdt32(prop_u32(blob, intc, "phandle"));
        expect_ext[2 * i + 1] = cpu_to_fdt32(9);
    }

    /* the PLIC: S-mode external interrupt of every hart */
    plic = prop_u32(blob, "/plic@c000000", "phandle");
    g_assert_cmpuint(prop_u32(blob, "/", "interrupt-parent"), ==, plic);
    g_assert_cmpint(fdt_node_check_compatible(blob, node(blob, "/plic@c000000"),
                                              "riscv,plic0"),
                    ==, 0);
    assert_reg(blob, "/plic@c000000", 0x0c000000, 0x600000);
    g_assert_cmpuint(prop_u32(blob, "/plic@c000000", "riscv,ndev"), ==, 95);
    c = prop(blob, "/plic@c000000", "interrupts-extended", &len);
    g_assert_cmpint(len, ==, 8 * ncpus);
    g_assert_cmpmem(c, len, expect_ext, 8 * ncpus);

    assert_prop_str(blob, "/serial@10000000", "compatible", "ns16550a");
    assert_reg(blob, "/serial@10000000", 0x10000000, 0x100);
    g_assert_cmpuint(prop_u32(blob, "/serial@10000000", "interrupts"), ==, 10);
    g_assert_cmpuint(prop_u32(blob, "/serial@10000000", "clock-frequency"), ==,
                     3686400);
    assert_prop_str(blob, "/pvpanic@10100000", "compatible",
                    "qemu,pvpanic-mmio");
    assert_prop_str(blob, "/chosen", "stdout-path", "/serial@10000000");
    g_assert_null(fdt_path_offset(blob, "/psci") >= 0 ? "psci" : NULL);
}

static void test_board_riscv64(void)
{
    static const char *const ext[] = {"i", "m",     "a",        "f", "d",
                                      "c", "zicsr", "zifencei", NULL};

    for (size_t i = 0; i < G_N_ELEMENTS(riscv_sizes); i++) {
        const SizeCase *sc = &riscv_sizes[i];
        const char *const props[] = {"cpus",  sc->cpus, "memory",
                                     sc->mem, "append", "console=ttyS0",
                                     NULL};
        g_autoptr(GError) err = NULL;
        Board b;

        g_test_message("-smp %s -m %s", sc->cpus, sc->mem);
        g_assert_true(board_new(&b, "virt-riscv64", props, NULL, &err));
        assert_dtc_clean(b.m->fdt);
        assert_riscv_board(b.m->fdt->data, sc->ncpus, sc->bytes,
                           "rv64imafdc_zicsr_zifencei", ext, "riscv,sv48");
        assert_prop_str(b.m->fdt->data, "/chosen", "bootargs", "console=ttyS0");
        board_free(&b);
    }
}

static void test_board_riscv64_isa(void)
{
    static const char *const gc[] = {"i", "m",     "a",        "f", "d",
                                     "c", "zicsr", "zifencei", NULL};
    static const char *const plain[] = {"i", "m", "a", "c", "zba", "zbb", NULL};
    const char *const p1[] = {"isa", "rv64gc", "mmu-type", "", NULL};
    const char *const p2[] = {
        "isa", "rv64imac_zba_zbb", "mmu-type", "riscv,sv39", "cpus", "3", NULL};
    const char *const bad[] = {"isa", "rv32imac", NULL};
    const char *const bad2[] = {"isa", "rv64i2p1", NULL};
    g_autoptr(GError) err = NULL;
    Board b;

    g_assert_true(board_new(&b, "virt-riscv64", p1, NULL, &err));
    assert_dtc_clean(b.m->fdt);
    assert_riscv_board(b.m->fdt->data, 1, 128 << 20, "rv64gc", gc, NULL);
    board_free(&b);

    g_assert_true(board_new(&b, "virt-riscv64", p2, NULL, &err));
    assert_dtc_clean(b.m->fdt);
    assert_riscv_board(b.m->fdt->data, 3, 128 << 20, "rv64imac_zba_zbb", plain,
                       "riscv,sv39");
    board_free(&b);

    g_assert_false(board_new(&b, "virt-riscv64", bad, NULL, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_nonnull(strstr(err->message, "isa"));
    g_clear_error(&err);
    g_assert_false(board_new(&b, "virt-riscv64", bad2, NULL, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_null(qa_machine_get());
}

static void test_dumpdtb(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("qaccel-dtb-XXXXXX", &err);
    g_autofree char *file = g_build_filename(dir, "virt.dtb", NULL);
    g_autofree char *bad = g_build_filename(dir, "no/such/dir.dtb", NULL);
    g_autofree char *data = NULL;
    gsize len;
    const char *const props[] = {"dumpdtb", file, "cpus", "2", NULL};
    const char *const bad_props[] = {"dumpdtb", bad, NULL};
    Board b;

    g_assert_no_error(err);
    g_assert_true(board_new(&b, "virt-riscv64", props, NULL, &err));
    g_assert_true(g_file_get_contents(file, &data, &len, &err));
    g_assert_cmpmem(data, len, b.m->fdt->data, b.m->fdt->len);
    board_free(&b);
    g_unlink(file);

    g_assert_false(board_new(&b, "virt-arm64", bad_props, NULL, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_IO);
    g_assert_nonnull(strstr(err->message, "dumpdtb"));
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fdt/build-and-read", test_build_and_read);
    g_test_add_func("/fdt/reg-cells", test_reg_cells);
    g_test_add_func("/fdt/errors", test_errors);
    g_test_add_func("/fdt/growth", test_growth);
    g_test_add_func("/fdt/phandles-labels", test_phandles_and_labels);
    qa_types_register_builtin();
    g_test_add_func("/fdt/board/arm64", test_board_arm64);
    g_test_add_func("/fdt/board/arm64/clusters", test_board_arm64_clusters);
    g_test_add_func("/fdt/board/arm64/psci", test_board_arm64_psci_variants);
    g_test_add_func("/fdt/board/riscv64", test_board_riscv64);
    g_test_add_func("/fdt/board/riscv64/isa", test_board_riscv64_isa);
    g_test_add_func("/fdt/board/dumpdtb", test_dumpdtb);
    return g_test_run();
}
