/*
 * Event bus: subscription order, removal and addition during emission,
 * nested emission, data ownership, timestamps and the QMP wire form.
 */
#include <string.h>
#include <qaccel/event.h>

typedef struct {
    GPtrArray *log; /* "tag:EVENT" strings */
    QaEventBus *bus;
    unsigned ids[4];
    JsonObject *kept; /* a data object a subscriber kept */
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
        json_object_unref(c->kept);
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
    qa_event_bus_emit(bus, "NOBODY", json_object_new());

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
    c->kept = json_object_ref(ev->data);
}

static void test_data_ownership(void)
{
    g_autoptr(QaEventBus) bus = qa_event_bus_new();
    JsonObject *data = json_object_new();
    Ctx c;

    ctx_init(&c, bus);
    json_object_set_string_member(data, "reason", "guest-reset");
    qa_event_bus_subscribe(bus, keep_data, &c);
    qa_event_bus_emit(bus, "RESET", data);
    /* the bus dropped its reference; ours keeps the object alive */
    g_assert_cmpstr(json_object_get_string_member(c.kept, "reason"), ==,
                    "guest-reset");
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

static char *to_wire(const QaEvent *ev)
{
    g_autoptr(JsonNode) node = qa_event_to_json(ev);
    g_autoptr(JsonGenerator) gen = json_generator_new();

    json_generator_set_root(gen, node);
    return json_generator_to_data(gen, NULL);
}

static void test_to_json(void)
{
    JsonObject *data = json_object_new();
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

    json_object_set_boolean_member(data, "guest", true);
    json_object_set_string_member(data, "reason", "guest-shutdown");

    g_autofree char *a = to_wire(&with);
    g_assert_cmpstr(a, ==,
                    "{\"event\":\"SHUTDOWN\",\"data\":{\"guest\":true,"
                    "\"reason\":\"guest-shutdown\"},\"timestamp\":"
                    "{\"seconds\":1267020223,\"microseconds\":435656}}");
    g_autofree char *b = to_wire(&without);
    g_assert_cmpstr(b, ==,
                    "{\"event\":\"STOP\",\"timestamp\":{\"seconds\":1,"
                    "\"microseconds\":2}}");
    /* the node shares, not steals, the event's data */
    g_assert_true(json_object_get_boolean_member(data, "guest"));
    json_object_unref(data);

    QaEvent failed = {.name = "X", .seconds = -1, .microseconds = -1};
    g_autofree char *c = to_wire(&failed);
    g_assert_cmpstr(c, ==,
                    "{\"event\":\"X\",\"timestamp\":{\"seconds\":-1,"
                    "\"microseconds\":-1}}");
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
    g_test_add_func("/event/timestamp", test_timestamp);
    g_test_add_func("/event/to-json", test_to_json);
    return g_test_run();
}
