/*
 * FDT builder (hw/core/fdt.c), read back with libfdt.
 */
#include <glib.h>
#include <libfdt.h>
#include <string.h>

#include <qaccel/error.h>
#include <qaccel/fdt.h>

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
    const char *const compat[] = { "arm,psci-1.0", "arm,psci-0.2",
                                   "arm,psci", NULL };
    const uint32_t cells[3] = { 0, 1, 4 };
    const fdt32_t *c;
    const char *s;
    int len;

    g_assert_no_error(err);
    g_assert_true(qa_fdt_setprop_u32(fdt, "/", "#address-cells", 2, &err));
    g_assert_true(qa_fdt_setprop_u32(fdt, "/", "#size-cells", 2, &err));
    g_assert_true(qa_fdt_add_node(fdt, "/psci", &err));
    g_assert_true(qa_fdt_setprop_strings(fdt, "/psci", "compatible", compat,
                                         &err));
    g_assert_true(qa_fdt_setprop_string(fdt, "/psci", "method", "hvc", &err));
    g_assert_true(qa_fdt_add_node(fdt, "/memory@40000000", &err));
    g_assert_true(qa_fdt_setprop_reg(fdt, "/memory@40000000",
                                     (const uint64_t[]){ 0x40000000,
                                                         0x180000000ULL },
                                     1, &err));
    g_assert_true(qa_fdt_add_node(fdt, "/intc", &err));
    g_assert_true(qa_fdt_setprop_empty(fdt, "/intc", "interrupt-controller",
                                       &err));
    g_assert_true(qa_fdt_setprop_cells(fdt, "/intc", "interrupts", cells, 3,
                                       &err));
    g_assert_true(qa_fdt_setprop_u64(fdt, "/intc", "big", 0x1122334455667788,
                                     &err));
    g_assert_no_error(err);

    blob = qa_fdt_finish(fdt, &err);
    g_assert_no_error(err);
    g_assert_cmpint(fdt_check_header(blob->data), ==, 0);
    g_assert_cmpuint(fdt_totalsize(blob->data), ==, blob->len);

    s = prop(blob->data, "/psci", "compatible", &len);
    g_assert_cmpint(len, ==, sizeof("arm,psci-1.0arm,psci-0.2arm,psci") + 2);
    g_assert_cmpint(fdt_stringlist_count(blob->data, node(blob->data, "/psci"),
                                         "compatible"), ==, 3);
    g_assert_cmpstr(s, ==, "arm,psci-1.0");
    g_assert_cmpint(fdt_node_check_compatible(blob->data,
                                              node(blob->data, "/psci"),
                                              "arm,psci"), ==, 0);
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
                                      (const uint64_t[]){ 1, 0 }, 1, &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_clear_error(&err);
    g_assert_true(qa_fdt_setprop_u32(fdt, "/cpus/cpu@1", "reg", 1, &err));

    /* libfdt's defaults (2/1) apply without the properties */
    g_assert_true(qa_fdt_add_node(fdt, "/soc", &err));
    g_assert_true(qa_fdt_setprop_u32(fdt, "/soc", "#address-cells", 1, &err));
    g_assert_true(qa_fdt_setprop_u32(fdt, "/soc", "#size-cells", 1, &err));
    g_assert_true(qa_fdt_add_node(fdt, "/soc/uart@10000000", &err));
    g_assert_true(qa_fdt_setprop_reg(fdt, "/soc/uart@10000000",
                                     (const uint64_t[]){ 0x10000000, 0x100,
                                                         0x20000000, 0x10 },
                                     2, &err));
    c = prop(qa_fdt_blob(fdt), "/soc/uart@10000000", "reg", &len);
    g_assert_cmpint(len, ==, 16);
    g_assert_cmpuint(fdt32_to_cpu(c[0]), ==, 0x10000000);
    g_assert_cmpuint(fdt32_to_cpu(c[3]), ==, 0x10);
    /* a 64-bit address in one cell */
    g_assert_false(qa_fdt_setprop_reg(fdt, "/soc/uart@10000000",
                                      (const uint64_t[]){ 0x100000000ULL, 1 },
                                      1, &err));
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
        g_assert_true(qa_fdt_setprop_string(fdt, path, "status", "okay",
                                            &err));
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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fdt/build-and-read", test_build_and_read);
    g_test_add_func("/fdt/reg-cells", test_reg_cells);
    g_test_add_func("/fdt/errors", test_errors);
    g_test_add_func("/fdt/growth", test_growth);
    g_test_add_func("/fdt/phandles-labels", test_phandles_and_labels);
    return g_test_run();
}
