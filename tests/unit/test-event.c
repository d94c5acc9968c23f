/*
 * Event bus: subscription order, removal and addition during emission,
 * nested emission, data ownership, timestamps and the QMP wire form.
 */
#include <math.h>
#include <string.h>
#include <qaccel/event.h>

typedef struct {
    GPtrArray *log; /* "tag:EVENT" strings */
    QaEventBus *bus;
    unsigned ids[4];
    GVariant *kept; /* a data dictionary a subscriber kept */
} Ctx;

static void ctx_init(Ctx *c, QaEventBus *bus)
{
    memset(c, 0, sizeof(*c));
    c->log = g_ptr_array_new_with_free_func(g_free);
    c->bus = bus;
}

static void ctx_clear(Ctx *c)
{
    g_ptr_array_unref(c->log);
    if (c->kept) {
        g_variant_unref(c->kept);
    }
}

static char *log_join(Ctx *c)
{
    g_ptr_array_add(c->log, NULL);
    char *s = g_strjoinv(" ", (char **)c->log->pdata);
    g_ptr_array_remove_index(c->log, c->log->len - 1);
    return s;
}

#define LOGGER(tag)                                                            \
    static void log_##tag(const QaEvent *ev, void *opaque)                     \
    {                                                                          \
        Ctx *c = opaque;                                                       \
        g_ptr_array_add(c->log, g_strdup_printf(#tag ":%s", ev->name));        \
    }
LOGGER(a)
LOGGER(b)
LOGGER(c)

static void test_order_and_ids(void)
{
    g_autoptr(QaEventBus) bus = qa_event_bus_new();
    Ctx c;

    ctx_init(&c, bus);
    /* no subscribers: emitting is fine and frees the data */
    qa_event_bus_emit(bus, "NOBODY", g_variant_new("a{sv}", NULL));

    unsigned a = qa_event_bus_subscribe(bus, log_a, &c);
    unsigned b = qa_event_bus_subscribe(bus, log_b, &c);
    unsigned cc = qa_event_bus_subscribe(bus, log_c, &c);
    g_assert_cmpuint(a, >, 0);
    g_assert_cmpuint(b, >, 0);
    g_assert_cmpuint(cc, >, 0);
    g_assert_cmpuint(a, !=, b);
    g_assert_cmpuint(b, !=, cc);

    qa_event_bus_emit(bus, "ONE", NULL);
    qa_event_bus_unsubscribe(bus, b);
    qa_event_bus_unsubscribe(bus, b);     /* twice: no-op */
    qa_event_bus_unsubscribe(bus, 0);     /* never an id */
    qa_event_bus_unsubscribe(bus, 12345); /* unknown */
    qa_event_bus_emit(bus, "TWO", NULL);

    g_autofree char *got = log_join(&c);
    g_assert_cmpstr(got, ==, "a:ONE b:ONE c:ONE a:TWO c:TWO");
    ctx_clear(&c);
}

/* b removes itself, then removes c (after it in order) */
static void unsub_self_and_next(const QaEvent *ev, void *opaque)
{
    Ctx *c = opaque;

    g_ptr_array_add(c->log, g_strdup_printf("b:%s", ev->name));
    qa_event_bus_unsubscribe(c->bus, c->ids[1]);
    qa_event_bus_unsubscribe(c->bus, c->ids[2]);
}

static void test_unsubscribe_during_emit(void)
{
    g_autoptr(QaEventBus) bus = qa_event_bus_new();
    Ctx c;

    ctx_init(&c, bus);
    c.ids[0] = qa_event_bus_subscribe(bus, log_a, &c);
    c.ids[1] = qa_event_bus_subscribe(bus, unsub_self_and_next, &c);
    c.ids[2] = qa_event_bus_subscribe(bus, log_c, &c);
    qa_event_bus_emit(bus, "X", NULL);
    qa_event_bus_emit(bus, "Y", NULL);

    g_autofree char *got = log_join(&c);
    g_assert_cmpstr(got, ==, "a:X b:X a:Y");
    ctx_clear(&c);
}

static void subscribe_more(const QaEvent *ev, void *opaque)
{
    Ctx *c = opaque;

    g_ptr_array_add(c->log, g_strdup_printf("a:%s", ev->name));
    if (!c->ids[3]) {
        c->ids[3] = qa_event_bus_subscribe(c->bus, log_c, c);
    }
}

static void test_subscribe_during_emit(void)
{
    g_autoptr(QaEventBus) bus = qa_event_bus_new();
    Ctx c;

    ctx_init(&c, bus);
    qa_event_bus_subscribe(bus, subscribe_more, &c);
    qa_event_bus_subscribe(bus, log_b, &c);
    qa_event_bus_emit(bus, "X", NULL); /* the new one misses X */
    qa_event_bus_emit(bus, "Y", NULL);

    g_autofree char *got = log_join(&c);
    g_assert_cmpstr(got, ==, "a:X b:X a:Y b:Y c:Y");
    ctx_clear(&c);
}

/* Nested emission: the inner event reaches everyone before the outer
 * event reaches the rest. */
static void emit_inner(const QaEvent *ev, void *opaque)
{
    Ctx *c = opaque;

    g_ptr_array_add(c->log, g_strdup_printf("a:%s", ev->name));
    if (g_str_equal(ev->name, "OUTER")) {
        qa_event_bus_emit(c->bus, "INNER", NULL);
    }
}

static void test_nested_emit(void)
{
    g_autoptr(QaEventBus) bus = qa_event_bus_new();
    Ctx c;

    ctx_init(&c, bus);
    qa_event_bus_subscribe(bus, emit_inner, &c);
    qa_event_bus_subscribe(bus, log_b, &c);
    qa_event_bus_emit(bus, "OUTER", NULL);

    g_autofree char *got = log_join(&c);
    g_assert_cmpstr(got, ==, "a:OUTER a:INNER b:INNER b:OUTER");
    ctx_clear(&c);
}

static void keep_data(const QaEvent *ev, void *opaque)
{
    Ctx *c = opaque;

    g_assert_nonnull(ev->data);
    c->kept = g_variant_ref(ev->data);
}

static void test_data_ownership(void)
{
    g_autoptr(QaEventBus) bus = qa_event_bus_new();
    GVariantBuilder b;
    const char *reason = NULL;
    Ctx c;

    ctx_init(&c, bus);
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "reason",
                          g_variant_new_string("guest-reset"));
    qa_event_bus_subscribe(bus, keep_data, &c);
    /* a floating reference: the bus sinks it */
    qa_event_bus_emit(bus, "RESET", g_variant_builder_end(&b));
    /* the bus dropped its reference; ours keeps the dictionary alive */
    g_assert_false(g_variant_is_floating(c.kept));
    g_assert_true(g_variant_lookup(c.kept, "reason", "&s", &reason));
    g_assert_cmpstr(reason, ==, "guest-reset");
    ctx_clear(&c);
}

/* An owned (non-floating) reference is taken over as well. */
static void test_data_owned_ref(void)
{
    g_autoptr(QaEventBus) bus = qa_event_bus_new();
    GVariant *data = g_variant_ref_sink(g_variant_new("a{sv}", NULL));
    Ctx c;

    ctx_init(&c, bus);
    qa_event_bus_subscribe(bus, keep_data, &c);
    qa_event_bus_emit(bus, "X", data);
    /* the bus's reference was ours: only the subscriber's is left */
    g_assert_true(c.kept == data);
    ctx_clear(&c);
}

typedef struct {
    int64_t seconds, microseconds;
    int calls;
} Stamp;

static void record_stamp(const QaEvent *ev, void *opaque)
{
    Stamp *s = opaque;

    s->seconds = ev->seconds;
    s->microseconds = ev->microseconds;
    s->calls++;
}

static void test_timestamp(void)
{
    g_autoptr(QaEventBus) bus = qa_event_bus_new();
    Stamp s = {0};

    qa_event_bus_subscribe(bus, record_stamp, &s);
    gint64 before = g_get_real_time();
    qa_event_bus_emit(bus, "STOP", NULL);
    gint64 after = g_get_real_time();

    g_assert_cmpint(s.calls, ==, 1);
    g_assert_cmpint(s.microseconds, >=, 0);
    g_assert_cmpint(s.microseconds, <, G_USEC_PER_SEC);
    gint64 t = s.seconds * G_USEC_PER_SEC + s.microseconds;
    g_assert_cmpint(t, >=, before);
    g_assert_cmpint(t, <=, after);
}

static void test_to_json(void)
{
    GVariantBuilder b;
    GVariant *data;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "guest", g_variant_new_boolean(TRUE));
    g_variant_builder_add(&b, "{sv}", "reason",
                          g_variant_new_string("guest-shutdown"));
    data = g_variant_ref_sink(g_variant_builder_end(&b));
    QaEvent with = {
        .name = "SHUTDOWN",
        .data = data,
        .seconds = 1267020223,
        .microseconds = 435656,
    };
    QaEvent without = {
        .name = "STOP",
        .seconds = 1,
        .microseconds = 2,
    };

    /* QEMU's wire form: members in order, blanks after ':' and ',' */
    g_autofree char *a = qa_event_format(&with);
    g_assert_cmpstr(a, ==,
                    "{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, "
                    "\"reason\": \"guest-shutdown\"}, \"timestamp\": "
                    "{\"seconds\": 1267020223, \"microseconds\": 435656}}");
    g_autofree char *b2 = qa_event_format(&without);
    g_assert_cmpstr(b2, ==,
                    "{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1, "
                    "\"microseconds\": 2}}");
    /* formatting leaves the event's data alone */
    g_assert_false(g_variant_is_floating(data));
    g_variant_unref(data);

    QaEvent failed = {.name = "X", .seconds = -1, .microseconds = -1};
    g_autofree char *c = qa_event_format(&failed);
    g_assert_cmpstr(c, ==,
                    "{\"event\": \"X\", \"timestamp\": {\"seconds\": -1, "
                    "\"microseconds\": -1}}");
}

static char *variant_json(GVariant *v, bool compact)
{
    g_autoptr(GVariant) owned = v ? g_variant_ref_sink(v) : NULL;
    GString *out = g_string_new(NULL);

    qa_variant_append_json(out, owned, compact);
    return g_string_free(out, FALSE);
}

/* Every GVariant type the writer knows, u64 above 2^63 unsigned. */
static void test_variant_json(void)
{
    GVariantBuilder b, inner;
    char *t;

    g_variant_builder_init(&inner, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&inner, "{sv}", "type",
                          g_variant_new_string("hyper-v"));
    g_variant_builder_add(&inner, "{sv}", "arg1",
                          g_variant_new_uint64(0xffffffff81000000ull));
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "max", g_variant_new_uint64(G_MAXUINT64));
    g_variant_builder_add(&b, "{sv}", "min", g_variant_new_int64(G_MININT64));
    g_variant_builder_add(&b, "{sv}", "u32", g_variant_new_uint32(G_MAXUINT32));
    g_variant_builder_add(&b, "{sv}", "i32", g_variant_new_int32(-5));
    g_variant_builder_add(&b, "{sv}", "y", g_variant_new_byte(255));
    g_variant_builder_add(&b, "{sv}", "n", g_variant_new_int16(-2));
    g_variant_builder_add(&b, "{sv}", "q", g_variant_new_uint16(65535));
    g_variant_builder_add(&b, "{sv}", "d", g_variant_new_double(0.5));
    g_variant_builder_add(&b, "{sv}", "inf", g_variant_new_double(INFINITY));
    g_variant_builder_add(&b, "{sv}", "f", g_variant_new_boolean(FALSE));
    g_variant_builder_add(&b, "{sv}", "s",
                          g_variant_new_string("tab\there \"q\" \\ \x01 €"));
    g_variant_builder_add(&b, "{sv}", "info", g_variant_builder_end(&inner));
    g_variant_builder_add(&b, "{sv}", "list",
                          g_variant_new_parsed("[1, 2, 3]"));
    g_variant_builder_add(&b, "{sv}", "none",
                          g_variant_new_parsed("@ms nothing"));
    g_variant_builder_add(&b, "{sv}", "tuple",
                          g_variant_new_parsed("(true, 'x')"));
    g_variant_builder_add(&b, "{sv}", "empty", g_variant_new("a{sv}", NULL));
    t = variant_json(g_variant_builder_end(&b), false);
    g_assert_cmpstr(t, ==,
                    "{\"max\": 18446744073709551615, "
                    "\"min\": -9223372036854775808, \"u32\": 4294967295, "
                    "\"i32\": -5, \"y\": 255, \"n\": -2, \"q\": 65535, "
                    "\"d\": 0.5, \"inf\": null, \"f\": false, "
                    "\"s\": \"tab\\there \\\"q\\\" \\\\ \\u0001 \\u20ac\", "
                    "\"info\": {\"type\": \"hyper-v\", "
                    "\"arg1\": 18446744071578845184}, \"list\": [1, 2, 3], "
                    "\"none\": null, \"tuple\": [true, \"x\"], \"empty\": {}}");
    g_free(t);

    /* compact: json-glib's form, but the same values */
    t = variant_json(g_variant_new_parsed("{'a': <[1, 2]>, 'b': <'x, y'>}"),
                     true);
    g_assert_cmpstr(t, ==, "{\"a\":[1,2],\"b\":\"x, y\"}");
    g_free(t);

    /* invalid UTF-8 cannot be in a GVariant string; NULL is null */
    t = variant_json(NULL, false);
    g_assert_cmpstr(t, ==, "null");
    g_free(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/event/order-and-ids", test_order_and_ids);
    g_test_add_func("/event/unsubscribe-during-emit",
                    test_unsubscribe_during_emit);
    g_test_add_func("/event/subscribe-during-emit", test_subscribe_during_emit);
    g_test_add_func("/event/nested-emit", test_nested_emit);
    g_test_add_func("/event/data-ownership", test_data_ownership);
    g_test_add_func("/event/data-owned-ref", test_data_owned_ref);
    g_test_add_func("/event/timestamp", test_timestamp);
    g_test_add_func("/event/to-json", test_to_json);
    g_test_add_func("/event/variant-json", test_variant_json);
    return g_test_run();
}
