/*
 * Machine config loader: the format, the registry and every error message.
 */
#include <glib/gstdio.h>
#include <qaccel/config.h>
#include <qaccel/error.h>
#include <qaccel/object.h>

static QaMachineConfig *parse(const char *text, GError **error)
{
    return qa_machine_config_parse(text, strlen(text), "t.conf", error);
}

static void test_good(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QaMachineConfig) c = parse("# comment\n"
                                         "[machine]\n"
                                         "name = box\n"
                                         "description = a box\n"
                                         "type = machine\n"
                                         "arch = aarch64\n"
                                         "cpus = 2\n"
                                         "max-cpus = 4\n"
                                         "memory = 256M\n"
                                         "accel = kvm:qtest\n"
                                         "ram-base = 0x40000000\n"
                                         "\n"
                                         "[device \"pm\"]\n"
                                         "type = acpi-pm\n"
                                         "base = 0x600\n"
                                         "s4-val = 2\n",
                                         &err);

    g_assert_no_error(err);
    g_assert_cmpstr(c->name, ==, "box");
    g_assert_cmpstr(c->description, ==, "a box");
    g_assert_cmpint(c->arch, ==, QA_ARCH_ARM64);
    g_assert_cmpuint(c->cpus, ==, 2);
    g_assert_cmpuint(c->max_cpus, ==, 4);
    g_assert_cmpuint(c->ram_size, ==, 256u << 20);
    g_assert_cmpstr(c->accel, ==, "kvm:qtest");
    g_assert_cmpuint(c->machine_keys->len, ==, 1);
    g_assert_cmpstr(g_hash_table_lookup(c->machine_props, "ram-base"), ==,
                    "0x40000000");
    g_assert_cmpuint(c->devices->len, ==, 1);
    QaDeviceConfig *d = g_ptr_array_index(c->devices, 0);
    g_assert_cmpstr(d->id, ==, "pm");
    g_assert_cmpstr(d->type, ==, "acpi-pm");
    g_assert_cmpuint(d->keys->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(d->keys, 0), ==, "base");
    g_assert_cmpstr(g_hash_table_lookup(d->props, "s4-val"), ==, "2");
}

static void test_defaults(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QaMachineConfig) c =
        parse("[machine]\nname=m\narch=riscv64\n", &err);

    g_assert_no_error(err);
    g_assert_cmpstr(c->type, ==, "machine");
    g_assert_cmpuint(c->cpus, ==, 1);
    g_assert_cmpuint(c->ram_size, ==, 0); /* the board's default */
    g_assert_null(c->accel);
    g_assert_cmpuint(c->devices->len, ==, 0);
}

/* Each bad input and the message it must give (file, line, key, why). */
static const struct {
    const char *text;
    const char *message;
} bad[] = {
    {"[machine\nname=x\n", "t.conf:1: "},
    {"[machine]\nname=x\narch=x86_64\njunk line\n", "t.conf:4: "},
    {"[other]\nname=x\n", "t.conf: no [machine] group"},
    {"[machine]\narch=x86_64\n", "t.conf: [machine] name: expected a name"},
    {"[machine]\nname=9x\narch=x86_64\n", "t.conf:2: [machine] name: "},
    {"[machine]\nname=x\n", "t.conf: [machine] arch: '' is not an arch"},
    {"[machine]\nname=x\narch=mips\n",
     "t.conf:3: [machine] arch: 'mips' is not an architecture"},
    {"[machine]\nname=x\narch=x86_64\ncpus=0\n",
     "t.conf:4: [machine] cpus: '0' is not an integer in 1..4096"},
    {"[machine]\nname=x\narch=x86_64\nmax-cpus=4294967295\ncpus=4294967295\n",
     "t.conf:5: [machine] cpus: '4294967295' is not an integer in 1..4096"},
    {"[machine]\nname=x\narch=x86_64\ncpus=two\n",
     "t.conf:4: [machine] cpus: 'two' is not an integer"},
    {"[machine]\nname=x\narch=x86_64\ncpus=8\nmax-cpus=4\n",
     "t.conf:4: [machine] cpus: 8 is above max-cpus 4"},
    {"[machine]\nname=x\narch=x86_64\nmemory=12Q\n",
     "t.conf:4: [machine] memory: '12Q' is not a size"},
    {"[machine]\nname=x\narch=x86_64\nmemory=0\n",
     "t.conf:4: [machine] memory: '0' is not a size"},
    {"[machine]\nname=x\narch=x86_64\n[devices]\n",
     "t.conf:4: [devices]: unknown group"},
    {"[machine]\nname=x\narch=x86_64\n[device pm]\ntype=a\n",
     "t.conf:4: [device pm]: expected a group of the form"},
    {"[machine]\nname=x\narch=x86_64\n[device \"p m\"]\ntype=a\n",
     "[device \"p m\"]: expected a group of the form"},
    {"[machine]\nname=x\narch=x86_64\n[device \"pm\"]\nbase=1\n",
     "t.conf: [device \"pm\"] type: missing"},
    {"[machine]\nname=x\narch=x86_64\n[device \"pm\"]\ntype=\n",
     "[device \"pm\"] type: missing"},
};

static void test_errors(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(QaMachineConfig) c = parse(bad[i].text, &err);

        g_assert_null(c);
        g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
        if (!strstr(err->message, bad[i].message)) {
            g_test_message("case %" G_GSIZE_FORMAT ": got '%s', want '%s'", i,
                           err->message, bad[i].message);
            g_test_fail();
        }
    }
}

static void test_binary(void)
{
    static const char data[] = "[machine]\nname=x\0arch=x86_64\n";
    g_autoptr(GError) err = NULL;
    g_autoptr(QaMachineConfig) c =
        qa_machine_config_parse(data, sizeof(data) - 1, "bin.conf", &err);

    g_assert_null(c);
    g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    g_assert_nonnull(strstr(err->message, "bin.conf: not a text file"));
}

static void test_load_missing(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QaMachineConfig) c =
        qa_machine_config_load("/nonexistent/x.conf", &err);

    g_assert_null(c);
    g_assert_error(err, QA_ERROR, QA_ERROR_IO);
    g_assert_nonnull(strstr(err->message, "/nonexistent/x.conf"));
}

static void test_set(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QaConfigSet) set = qa_config_set_new();
    g_autofree char *dir = g_dir_make_tmp("qaccel-cfg-XXXXXX", &err);
    g_autofree char *a = g_build_filename(dir, "a.conf", NULL);
    g_autofree char *b = g_build_filename(dir, "b.conf", NULL);
    g_autofree char *o = g_build_filename(dir, "override.conf", NULL);

    g_assert_no_error(err);
    g_file_set_contents(a, "[machine]\nname=zed\narch=x86_64\n", -1, NULL);
    g_file_set_contents(b, "[machine]\nname=alpha\narch=arm64\n", -1, NULL);
    g_assert_true(qa_config_set_load_dir(set, dir, &err));
    g_assert_no_error(err);
    g_autoptr(GSList) list = qa_config_set_list(set);
    g_assert_cmpuint(g_slist_length(list), ==, 2);
    g_assert_cmpstr(((QaMachineConfig *)list->data)->name, ==, "alpha");

    /* a later file with the same name replaces the earlier config */
    g_file_set_contents(o, "[machine]\nname=zed\narch=riscv64\n", -1, NULL);
    g_assert_true(qa_config_set_add_file(set, o, &err));
    g_assert_cmpint(qa_config_set_lookup(set, "zed")->arch, ==,
                    QA_ARCH_RISCV64);
    g_assert_null(qa_config_set_lookup(set, "nope"));
    /* a missing directory is not an error */
    g_assert_true(qa_config_set_load_dir(set, "/nonexistent", &err));

    g_unlink(a);
    g_unlink(b);
    g_unlink(o);
    g_rmdir(dir);
}

/* The shipped configs must load. */
static void test_shipped(void)
{
    const char *src = g_getenv("QACCEL_SOURCE_DIR");
    const char *names[] = {"q35-lite", "virt-arm64", "virt-riscv64"};

    if (!src) {
        g_test_skip("QACCEL_SOURCE_DIR not set");
        return;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autoptr(GError) err = NULL;
        g_autofree char *file = g_strdup_printf("%s.conf", names[i]);
        g_autofree char *path =
            g_build_filename(src, "configs", "machines", file, NULL);
        g_autoptr(QaMachineConfig) c = qa_machine_config_load(path, &err);
        g_assert_no_error(err);
        g_assert_cmpstr(c->name, ==, names[i]);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/config/good", test_good);
    g_test_add_func("/config/defaults", test_defaults);
    g_test_add_func("/config/errors", test_errors);
    g_test_add_func("/config/binary", test_binary);
    g_test_add_func("/config/load-missing", test_load_missing);
    g_test_add_func("/config/set", test_set);
    g_test_add_func("/config/shipped", test_shipped);
    return g_test_run();
}
