/*
 * Chardev spec parsing (system/chardev.c): the -qtest/-qmp/-chardev
 * spellings, refusals, and -mon chardev=ID lookup.
 */
#include <qaccel/error.h>
#include "system/chardev.h"

static void test_specs(void)
{
    static const struct {
        const char *spec;
        QaChardevKind kind;
        const char *path, *id;
    } ok[] = {
        {"unix:/tmp/a", QA_CHARDEV_UNIX_CLIENT, "/tmp/a", NULL},
        {"unix:/tmp/a,server=on,wait=off", QA_CHARDEV_UNIX_SERVER, "/tmp/a",
         NULL},
        {"unix:/tmp/a,server,nowait", QA_CHARDEV_UNIX_SERVER, "/tmp/a", NULL},
        {"stdio", QA_CHARDEV_STDIO, NULL, NULL},
        {"socket,path=/tmp/q,id=char0", QA_CHARDEV_UNIX_CLIENT, "/tmp/q",
         "char0"},
        {"socket,id=m,path=/tmp/q,server=on,wait=off", QA_CHARDEV_UNIX_SERVER,
         "/tmp/q", "m"},
    };
    static const char *const bad[] = {
        "",
        "tcp:localhost:4444",
        "unix:",
        "unix:/tmp/a,server=on", /* wait=on is refused */
        "unix:/tmp/a,server=maybe,wait=off",
        "unix:/tmp/a,bogus=1",
        "socket,id=x", /* no path */
        "stdio,server=on,wait=off",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(ok); i++) {
        g_autoptr(GError) err = NULL;
        QaChardevSpec s;

        g_assert_true(qa_chardev_spec_parse(ok[i].spec, &s, &err));
        g_assert_no_error(err);
        g_assert_cmpint(s.kind, ==, ok[i].kind);
        g_assert_cmpstr(s.path, ==, ok[i].path);
        g_assert_cmpstr(s.id, ==, ok[i].id);
        qa_chardev_spec_clear(&s);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        QaChardevSpec s;

        if (qa_chardev_spec_parse(bad[i], &s, &err)) {
            g_error("'%s' was accepted", bad[i]);
        }
        g_assert_error(err, QA_ERROR, QA_ERROR_INVALID);
    }
}

static void test_find(void)
{
    const char *const devs[] = {"socket,path=/a,id=one",
                                "socket,id=two,path=/b", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_cmpstr(qa_chardev_find(devs, "two", NULL), ==, devs[1]);
    g_assert_cmpstr(qa_chardev_find(devs, "one", NULL), ==, devs[0]);
    g_assert_null(qa_chardev_find(devs, "three", &err));
    g_assert_error(err, QA_ERROR, QA_ERROR_NOT_FOUND);
    g_assert_null(qa_chardev_find(NULL, "one", NULL));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/chardev/specs", test_specs);
    g_test_add_func("/chardev/find", test_find);
    return g_test_run();
}
