/*
 * Chardev spec parsing (system/chardev.c): the -qtest/-qmp/-chardev
 * spellings, refusals, and -mon chardev=ID lookup; teardown of threaded
 * input.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/sockios.h>
#include <unistd.h>
#include <glib/gstdio.h>
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

typedef struct Teardown {
    int opened;
    bool freeing;    /* qa_chardev_free() has started */
    int late_inputs; /* input handler calls after that */
} Teardown;

static void *td_open(void *opaque, QaChardevConn *conn)
{
    Teardown *td = opaque;

    td->opened++;
    return td;
}

static void td_input(void *opaque, void *state, char *buf, size_t len)
{
    Teardown *td = opaque;

    if (td->freeing) {
        td->late_inputs++;
    }
}

static const QaChardevHandlers td_handlers = {
    .open = td_open,
    .input = td_input,
};

/*
 * Threaded input: once qa_chardev_free() starts, no reader may run the
 * input handler, even with input already received and waiting for the
 * lock.  (Freeing one connection releases the lock to join its reader; a
 * command run on another reader then could touch connections already
 * freed.)
 */
static void test_threaded_free(void)
{
    enum { NCONN = 3 };
    g_autofree char *dir = g_dir_make_tmp("test-chardev-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "sock", NULL);
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off", path);
    GMainContext *ctx = g_main_context_new();
    g_autoptr(GError) err = NULL;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    Teardown td = {0};
    int fds[NCONN];
    GMutex lock;
    QaChardev *chr;

    g_mutex_init(&lock);
    g_mutex_lock(&lock);
    chr = qa_chardev_new_full(spec, ctx, &td_handlers, &td, &lock, &err);
    g_assert_no_error(err);
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    for (int i = 0; i < NCONN; i++) {
        fds[i] = socket(AF_UNIX, SOCK_STREAM, 0);
        g_assert_cmpint(connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)), ==,
                        0);
    }
    while (td.opened < NCONN) {
        g_main_context_iteration(ctx, TRUE);
    }
    for (int i = 0; i < NCONN; i++) {
        int queued;

        g_assert_cmpint(write(fds[i], "x\n", 2), ==, 2);
        /* wait until the reader has taken it (it then waits for @lock) */
        do {
            g_assert_cmpint(ioctl(fds[i], SIOCOUTQ, &queued), ==, 0);
            if (queued) {
                g_usleep(1000);
            }
        } while (queued);
    }
    g_usleep(10000); /* let every reader reach g_mutex_lock() */
    td.freeing = true;
    qa_chardev_free(chr);
    g_assert_cmpint(td.late_inputs, ==, 0);
    g_mutex_unlock(&lock);
    g_mutex_clear(&lock);
    for (int i = 0; i < NCONN; i++) {
        close(fds[i]);
    }
    g_main_context_unref(ctx);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/chardev/specs", test_specs);
    g_test_add_func("/chardev/find", test_find);
    g_test_add_func("/chardev/threaded-free", test_threaded_free);
    return g_test_run();
}
