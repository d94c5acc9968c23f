/*
 * Helpers of the kvm suite (see kvm-test.h).
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "kvm-test.h"

#define KT_EVENT_TIMEOUT_MS 60000
#define KT_POLL_MS 200

bool kt_kvm_usable(const char **why)
{
    static int state; /* 0 unknown, 1 usable, 2 not */
    static const char *reason;

    if (!state) {
        int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            reason = "/dev/kvm cannot be opened here";
            state = 2;
        } else {
            if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
                reason = "/dev/kvm has an unexpected KVM API version";
                state = 2;
            } else {
                state = 1;
            }
            close(fd);
        }
    }
    if (why) {
        *why = reason;
    }
    return state == 1;
}

char *kt_guest_image(const char *name)
{
    const char *dir = g_getenv("QACCEL_GUEST_DIR");

    g_assert_nonnull(dir);
    return g_strdup_printf("%s/%s.img", dir, name);
}

QTestState *kt_start(const char *image_name, const char *extra)
{
    g_autofree char *img = kt_guest_image(image_name);
    QTestState *s;

    g_assert_true(g_file_test(img, G_FILE_TEST_EXISTS));
    s = qtest_initf("-machine q35-lite -accel kvm -bios %s -S %s", img,
                    extra ? extra : "");
    kt_expect_status(s, "prelaunch");
    qtest_qmp_assert_success(s, "{'execute': 'cont'}");
    kt_expect(s, "RESUME", NULL);
    return s;
}

static bool unhex(const char *hex, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi = g_ascii_xdigit_value(hex[2 * i]);
        int lo = hi < 0 ? -1 : g_ascii_xdigit_value(hex[2 * i + 1]);
        if (lo < 0) {
            return false;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

bool kt_mailbox(QTestState *s, int cpu, KtMailbox *mb)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *cmd = g_strdup_printf(
        "read 0x%x %zu", KT_MAILBOX_ADDR + cpu * 128u, sizeof(*mb));
    g_autofree char *reply = qtest_raw_full(s, cmd, &err);

    G_STATIC_ASSERT(sizeof(KtMailbox) == 128);
    if (!reply || !g_str_has_prefix(reply, "OK 0x") ||
        strlen(reply) != 5 + 2 * sizeof(*mb)) {
        return false;
    }
    if (!unhex(reply + 5, (uint8_t *)mb, sizeof(*mb))) {
        return false;
    }
    mb->file[sizeof(mb->file) - 1] = 0;
    mb->expr[sizeof(mb->expr) - 1] = 0;
    return true;
}

/* A failed GUEST_ASSERT in the guest fails the test right away. */
static void check_guest_assert(QTestState *s)
{
    KtMailbox mb;

    if (kt_mailbox(s, 0, &mb) && mb.magic == KT_MAILBOX_MAGIC &&
        mb.kind == KT_MB_ASSERT) {
        if (mb.has_values) {
            g_error("guest assertion failed at %s:%u: %s (0x%x != 0x%x)",
                    mb.file, mb.line, mb.expr, mb.a, mb.b);
        }
        g_error("guest assertion failed at %s:%u: %s", mb.file, mb.line,
                mb.expr);
    }
}

JsonObject *kt_next_event(QTestState *s, const char *what)
{
    gint64 deadline = g_get_monotonic_time() + KT_EVENT_TIMEOUT_MS * 1000ll;
    JsonObject *ev = NULL;

    while (!ev) {
        g_autoptr(GError) err = NULL;

        ev = qtest_qmp_event_next(s, KT_POLL_MS, &err);
        if (ev) {
            break;
        }
        if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
            g_error("waiting for %s: %s", what, err->message);
        }
        check_guest_assert(s);
        if (g_get_monotonic_time() > deadline) {
            g_error("no %s event within %d s", what,
                    KT_EVENT_TIMEOUT_MS / 1000);
        }
    }
    return ev;
}

JsonObject *kt_expect_event(QTestState *s, const char *name,
                            const char *data_json)
{
    JsonObject *ev = kt_next_event(s, name);

    g_assert_cmpstr(json_object_get_string_member(ev, "event"), ==, name);
    if (data_json) {
        g_autofree char *text = NULL;
        g_autoptr(JsonNode) want = NULL;
        JsonNode *have = json_object_get_member(ev, "data");

        text = g_strdup(data_json);
        /* templates use 'single quotes' like libqtest's */
        for (char *p = text; *p; p++) {
            if (*p == '\'') {
                *p = '"';
            }
        }
        want = json_from_string(text, NULL);
        g_assert_nonnull(want);
        if (!qtest_json_subset(want, have)) {
            g_autofree char *got =
                have ? qtest_json_to_string(have) : g_strdup("(no data)");
            g_error("event %s: data %s does not contain %s", name, got, text);
        }
    }
    return ev;
}

void kt_expect(QTestState *s, const char *name, const char *data_json)
{
    json_object_unref(kt_expect_event(s, name, data_json));
}

void kt_expect_no_event(QTestState *s, int ms)
{
    g_autoptr(GError) err = NULL;
    JsonObject *ev = qtest_qmp_event_next(s, ms, &err);

    if (ev) {
        g_autoptr(JsonNode) n = json_node_init_object(json_node_alloc(), ev);
        g_autofree char *text = qtest_json_to_string(n);
        json_object_unref(ev);
        g_error("unexpected event %s", text);
    }
}

void kt_expect_status(QTestState *s, const char *status)
{
    g_autofree char *got = qtest_query_status(s);

    g_assert_cmpstr(got, ==, status);
}

void kt_expect_exit(QTestState *s, int status)
{
    g_autoptr(GError) err = NULL;
    int got = qtest_wait_exit(s, KT_EVENT_TIMEOUT_MS, &err);

    g_assert_no_error(err);
    g_assert_cmpint(got, ==, status);
    qtest_set_expected_status(s, status);
    qtest_quit(s);
}

uint32_t kt_wait_progress(QTestState *s, int cpu, uint32_t seq)
{
    gint64 deadline = g_get_monotonic_time() + KT_EVENT_TIMEOUT_MS * 1000ll;
    KtMailbox mb;

    for (;;) {
        if (kt_mailbox(s, cpu, &mb) && mb.magic == KT_MAILBOX_MAGIC &&
            mb.seq != seq) {
            g_assert_cmpuint(mb.kind, !=, KT_MB_ASSERT);
            return mb.seq;
        }
        if (g_get_monotonic_time() > deadline) {
            g_error("vCPU %d made no progress within %d s", cpu,
                    KT_EVENT_TIMEOUT_MS / 1000);
        }
        g_usleep(2000);
    }
}
