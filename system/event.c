/*
 * The event bus: QMP-shaped events delivered synchronously to subscribers.
 *
 * Subscribers may unsubscribe (themselves or others), subscribe, or emit
 * further events from inside a callback.  A subscription removed during an
 * emission is only marked dead and compacted away once the outermost
 * emission finishes, so indices stay valid while we iterate; a subscription
 * added during an emission does not see the event being delivered.
 */
#include <qaccel/event.h>

typedef struct {
    unsigned id; /* 0 = removed, awaiting compaction */
    QaEventFn fn;
    void *opaque;
} Subscription;

struct QaEventBus {
    GArray *subs; /* Subscription, in subscription order */
    unsigned next_id;
    unsigned emitting; /* nesting depth of qa_event_bus_emit() */
    bool dirty;        /* a subscription was removed mid-emission */
};

QaEventBus *qa_event_bus_new(void)
{
    QaEventBus *bus = g_new0(QaEventBus, 1);

    bus->subs = g_array_new(FALSE, TRUE, sizeof(Subscription));
    bus->next_id = 1;
    return bus;
}

void qa_event_bus_free(QaEventBus *bus)
{
    if (!bus) {
        return;
    }
    g_array_free(bus->subs, TRUE);
    g_free(bus);
}

unsigned qa_event_bus_subscribe(QaEventBus *bus, QaEventFn fn, void *opaque)
{
    Subscription s = {.fn = fn, .opaque = opaque};

    g_return_val_if_fail(fn != NULL, 0);
    s.id = bus->next_id++;
    if (bus->next_id == 0) {
        /* 0 means "no subscription"; skip it after 2^32 subscriptions. */
        bus->next_id = 1;
    }
    g_array_append_val(bus->subs, s);
    return s.id;
}

static void bus_compact(QaEventBus *bus)
{
    for (guint i = bus->subs->len; i-- > 0;) {
        if (g_array_index(bus->subs, Subscription, i).id == 0) {
            g_array_remove_index(bus->subs, i);
        }
    }
    bus->dirty = false;
}

void qa_event_bus_unsubscribe(QaEventBus *bus, unsigned id)
{
    if (id == 0) {
        return;
    }
    for (guint i = 0; i < bus->subs->len; i++) {
        Subscription *s = &g_array_index(bus->subs, Subscription, i);
        if (s->id != id) {
            continue;
        }
        if (bus->emitting) {
            s->id = 0;
            bus->dirty = true;
        } else {
            g_array_remove_index(bus->subs, i);
        }
        return;
    }
}

void qa_event_bus_emit(QaEventBus *bus, const char *name, JsonObject *data)
{
    gint64 now = g_get_real_time();
    QaEvent ev = {
        .name = name,
        .data = data,
        .seconds = now / G_USEC_PER_SEC,
        .microseconds = now % G_USEC_PER_SEC,
    };
    /* Only those subscribed when the event was raised receive it. */
    guint n = bus->subs->len;

    bus->emitting++;
    for (guint i = 0; i < n; i++) {
        /* Re-read each time: a callback may have grown the array. */
        Subscription s = g_array_index(bus->subs, Subscription, i);
        if (s.id != 0) {
            s.fn(&ev, s.opaque);
        }
    }
    bus->emitting--;
    if (bus->emitting == 0 && bus->dirty) {
        bus_compact(bus);
    }
    if (data) {
        json_object_unref(data);
    }
}

JsonNode *qa_event_to_json(const QaEvent *event)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "event");
    json_builder_add_string_value(b, event->name);
    if (event->data) {
        JsonNode *data = json_node_alloc();

        /* json_node_init_object takes its own reference. */
        json_node_init_object(data, event->data);
        json_builder_set_member_name(b, "data");
        json_builder_add_value(b, data);
    }
    json_builder_set_member_name(b, "timestamp");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "seconds");
    json_builder_add_int_value(b, event->seconds);
    json_builder_set_member_name(b, "microseconds");
    json_builder_add_int_value(b, event->microseconds);
    json_builder_end_object(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* ---- unsigned 64-bit values ------------------------------------------ */

JsonNode *qa_json_node_new_u64(uint64_t v)
{
    char digits[24];
    JsonNode *n;

    if (v <= G_MAXINT64) {
        return json_node_init_int(json_node_alloc(), (gint64)v);
    }
    g_snprintf(digits, sizeof(digits), "%" G_GUINT64_FORMAT, v);
    n = json_node_init_string(json_node_alloc(), digits);
    json_node_seal(n);
    return n;
}

void qa_json_object_set_u64(JsonObject *o, const char *name, uint64_t v)
{
    json_object_set_member(o, name, qa_json_node_new_u64(v));
}

bool qa_json_node_is_big_u64(JsonNode *node)
{
    const char *s;

    if (!node || !JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_STRING ||
        !json_node_is_immutable(node)) {
        return false;
    }
    s = json_node_get_string(node);
    if (!s || !*s) {
        return false;
    }
    for (; *s; s++) {
        if (!g_ascii_isdigit(*s)) {
            return false;
        }
    }
    return true;
}

bool qa_json_node_get_u64(JsonNode *node, uint64_t *out)
{
    if (qa_json_node_is_big_u64(node)) {
        return g_ascii_string_to_unsigned(json_node_get_string(node), 10, 0,
                                          G_MAXUINT64, out, NULL);
    }
    if (node && JSON_NODE_HOLDS_VALUE(node) &&
        json_node_get_value_type(node) == G_TYPE_INT64 &&
        json_node_get_int(node) >= 0) {
        *out = (uint64_t)json_node_get_int(node);
        return true;
    }
    return false;
}
