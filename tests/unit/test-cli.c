/*
 * Command-line and option-value parsing.
 */
#include <qaccel/error.h>
#include "system/cli.h"
#include "system/opts.h"

static QaCli *parse(GError **error, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    va_list ap;
    const char *a;

    g_ptr_array_add(argv, "qaccel");
    va_start(ap, error);
    while ((a = va_arg(ap, const char *))) {
        g_ptr_array_add(argv, (gpointer)a);
    }
    va_end(ap);
    return qa_cli_parse((int)argv->len, (char **)argv->pdata, error);
}

static void test_opts(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) o = qa_opts_parse(
        "-device", "pvpanic,id=p0,,x,ioport=0x505", "type", false, &err);

    g_assert_no_error(err);
    g_assert_cmpuint(o->len, ==, 3);
    g_assert_cmpstr(qa_opts_get(o, "type"), ==, "pvpanic");
    g_assert_cmpstr(qa_opts_get(o, "id"), ==, "p0,x"); /* ",," escapes */
    g_assert_cmpstr(qa_opts_get(o, "ioport"), ==, "0x505");
    g_assert_null(qa_opts_get(o, "nope"));
}

static void test_opts_errors(void)
{
    const char *bad[] = {"", "a,b", "a,=1", "x=1,y"};

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(GPtrArray) o =
            qa_opts_parse("-machine", bad[i], "type", false, &err);
        g_assert_null(o);
        g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
        g_assert_true(g_str_has_prefix(err->message, "-machine: "));
    }
}

static void test_full(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QaCli) c = parse(
        &err, "-machine", "q35-lite,dumpdtb=x.dtb", "-accel", "kvm:qtest",
        "-smp", "4", "-m", "size=256M", "-device", "pvpanic,id=p", "-global",
        "acpi-pm.s4-val=3", "-readconfig", "a.conf", "-action", "panic=pause",
        "-no-reboot", "-no-shutdown", "-S", "-qtest", "unix:/tmp/q",
        "-qtest-log", "none", "-chardev", "socket,path=/tmp/m,id=c0", "-mon",
        "chardev=c0,mode=control", "-qmp", "stdio", "-display", "none",
        "-nodefaults", "-no-user-config", "--dump-tree", NULL);

    g_assert_no_error(err);
    g_assert_cmpstr(c->machine, ==, "q35-lite");
    g_assert_cmpuint(c->machine_opts->len, ==, 1);
    g_assert_cmpstr(c->accel, ==, "kvm:qtest");
    g_assert_cmpstr(c->smp, ==, "4");
    g_assert_cmpstr(c->mem, ==, "256M");
    g_assert_cmpuint(c->devices->len, ==, 1);
    g_assert_cmpuint(c->globals->len, ==, 1);
    g_assert_cmpuint(c->readconfigs->len, ==, 1);
    g_assert_cmpuint(c->actions->len, ==, 1);
    g_assert_true(c->no_reboot && c->no_shutdown && c->start_paused);
    g_assert_cmpstr(c->qtest, ==, "unix:/tmp/q");
    g_assert_cmpstr(c->qtest_log, ==, "none");
    g_assert_cmpuint(c->chardevs->len, ==, 1);
    g_assert_cmpuint(c->mons->len, ==, 1);
    g_assert_cmpuint(c->qmp->len, ==, 1);
    g_assert_true(c->dump_tree);
}

static void test_help_forms(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QaCli) c = parse(&err, "-machine", "help", "-accel", "help",
                               "-device", "help", NULL);
    g_autoptr(QaCli) d = parse(&err, "-device", "pvpanic,help", NULL);

    g_assert_true(c->machine_help && c->accel_help && c->device_help);
    g_assert_nonnull(d);
    g_assert_cmpstr(
        qa_opts_get(((QaCliDevice *)d->devices->pdata[0])->opts, "help"), ==,
        "on");
}

static const struct {
    const char *args[3];
    const char *message;
} bad[] = {
    {{"-bogus"}, "-bogus: unknown option"},
    {{"stray"}, "stray: unexpected argument"},
    {{"-smp"}, "-smp: requires an argument"},
    {{"-smp", "sockets=2"}, "-smp: unsupported parameter 'sockets'"},
    {{"-m", "size=1G,slots=2"}, "-m: unsupported parameter 'slots'"},
    {{"-global", "nodot=1"}, "-global nodot=1: expected TYPE.PROP=VALUE"},
    {{"-global", "a.b"}, "expected TYPE.PROP=VALUE"},
    {{"-device", "id=x"}, "the device type must come first"},
    {{"-display", "gtk"}, "only 'none' is accepted"},
    {{"-machine", "q35-lite,,x"}, NULL},
    {{"-machine", "a,b"}, "-machine: 'b' is not of the form key=value"},
};

static void test_errors(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(QaCli) c =
            parse(&err, bad[i].args[0], bad[i].args[1], bad[i].args[2]);
        if (!bad[i].message) {
            /* ",," is an escaped comma inside the machine name */
            g_assert_no_error(err);
            g_assert_cmpstr(c->machine, ==, "q35-lite,x");
            continue;
        }
        g_assert_null(c);
        g_assert_nonnull(err);
        if (!strstr(err->message, bad[i].message)) {
            g_test_message("case %" G_GSIZE_FORMAT ": got '%s'", i,
                           err->message);
            g_test_fail();
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cli/opts", test_opts);
    g_test_add_func("/cli/opts-errors", test_opts_errors);
    g_test_add_func("/cli/full", test_full);
    g_test_add_func("/cli/help-forms", test_help_forms);
    g_test_add_func("/cli/errors", test_errors);
    return g_test_run();
}
