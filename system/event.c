/*
 * The event bus: QMP-shaped events delivered synchronously to subscribers.
 *
 * Subscribers may unsubscribe (themselves or others), subscribe, or emit
 * further events from inside a callback.  A subscription removed during an
 * emission is only marked dead and compacted away once the outermost
 * emission finishes, so indices stay valid while we iterate; a subscription
 * added during an emission does not see the event being delivered.
 */
#include <math.h>
#include <qaccel/event.h>
#include "system/json-text.h"

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

void qa_event_bus_emit(QaEventBus *bus, const char *name, GVariant *data)
{
    gint64 now = g_get_real_time();
    QaEvent ev = {
        .name = name,
        .data = data ? g_variant_ref_sink(data) : NULL,
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
    if (ev.data) {
        g_variant_unref(ev.data);
    }
}

/* ---- JSON text ------------------------------------------------------- */

void qa_json_append_string(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (const char *p = s; *p;) {
        gunichar c = g_utf8_get_char_validated(p, -1);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            c = 0xfffd;
            p++;
        } else {
            p = g_utf8_next_char(p);
        }
        switch (c) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\b':
            g_string_append(out, "\\b");
            break;
        case '\f':
            g_string_append(out, "\\f");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (c >= 0x20 && c < 0x7f) {
                g_string_append_c(out, c);
            } else if (c < 0x10000) {
                g_string_append_printf(out, "\\u%04x", c);
            } else {
                c -= 0x10000;
                g_string_append_printf(out, "\\u%04x\\u%04x",
                                       0xd800 | (c >> 10),
                                       0xdc00 | (c & 0x3ff));
            }
        }
    }
    g_string_append_c(out, '"');
}

void qa_json_append_double(GString *out, double d)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    g_string_append(out, isfinite(d)
                             ? g_ascii_formatd(buf, sizeof(buf), "%.17g", d)
                             : "null");
}

/* A dictionary with string keys prints as an object. */
static bool is_object(GVariant *v)
{
    const GVariantType *t = g_variant_get_type(v);

    return g_variant_type_is_array(t) &&
           g_variant_type_is_dict_entry(g_variant_type_element(t)) &&
           g_variant_type_equal(g_variant_type_key(g_variant_type_element(t)),
                                G_VARIANT_TYPE_STRING);
}

static void append_container(GString *out, GVariant *v, bool compact)
{
    bool obj = is_object(v);
    const char *sep = compact ? "," : ", ";
    GVariantIter it;
    GVariant *child;
    bool first = true;

    g_string_append_c(out, obj ? '{' : '[');
    g_variant_iter_init(&it, v);
    while ((child = g_variant_iter_next_value(&it))) {
        g_string_append(out, first ? "" : sep);
        first = false;
        if (obj) {
            g_autoptr(GVariant) key = g_variant_get_child_value(child, 0);
            g_autoptr(GVariant) val = g_variant_get_child_value(child, 1);

            qa_json_append_string(out, g_variant_get_string(key, NULL));
            g_string_append(out, compact ? ":" : ": ");
            qa_variant_append_json(out, val, compact);
        } else {
            qa_variant_append_json(out, child, compact);
        }
        g_variant_unref(child);
    }
    g_string_append_c(out, obj ? '}' : ']');
}

void qa_variant_append_json(GString *out, GVariant *v, bool compact)
{
    g_autoptr(GVariant) inner = NULL;

    switch (v ? g_variant_classify(v) : G_VARIANT_CLASS_MAYBE) {
    case G_VARIANT_CLASS_BOOLEAN:
        g_string_append(out, g_variant_get_boolean(v) ? "true" : "false");
        break;
    case G_VARIANT_CLASS_BYTE:
        g_string_append_printf(out, "%u", g_variant_get_byte(v));
        break;
    case G_VARIANT_CLASS_INT16:
        g_string_append_printf(out, "%d", g_variant_get_int16(v));
        break;
    case G_VARIANT_CLASS_UINT16:
        g_string_append_printf(out, "%u", g_variant_get_uint16(v));
        break;
    case G_VARIANT_CLASS_INT32:
        g_string_append_printf(out, "%" G_GINT32_FORMAT,
                               g_variant_get_int32(v));
        break;
    case G_VARIANT_CLASS_UINT32:
        g_string_append_printf(out, "%" G_GUINT32_FORMAT,
                               g_variant_get_uint32(v));
        break;
    case G_VARIANT_CLASS_INT64:
        g_string_append_printf(out, "%" G_GINT64_FORMAT,
                               g_variant_get_int64(v));
        break;
    case G_VARIANT_CLASS_UINT64:
        g_string_append_printf(out, "%" G_GUINT64_FORMAT,
                               g_variant_get_uint64(v));
        break;
    case G_VARIANT_CLASS_HANDLE:
        g_string_append_printf(out, "%" G_GINT32_FORMAT,
                               g_variant_get_handle(v));
        break;
    case G_VARIANT_CLASS_DOUBLE:
        qa_json_append_double(out, g_variant_get_double(v));
        break;
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
        qa_json_append_string(out, g_variant_get_string(v, NULL));
        break;
    case G_VARIANT_CLASS_VARIANT:
        inner = g_variant_get_variant(v);
        qa_variant_append_json(out, inner, compact);
        break;
    case G_VARIANT_CLASS_MAYBE:
        inner = v ? g_variant_get_maybe(v) : NULL;
        if (inner) {
            qa_variant_append_json(out, inner, compact);
        } else {
            g_string_append(out, "null");
        }
        break;
    case G_VARIANT_CLASS_ARRAY:
    case G_VARIANT_CLASS_TUPLE:
    case G_VARIANT_CLASS_DICT_ENTRY:
        append_container(out, v, compact);
        break;
    }
}

char *qa_event_format(const QaEvent *event)
{
    GString *out = g_string_new("{\"event\": ");

    qa_json_append_string(out, event->name);
    if (event->data) {
        g_string_append(out, ", \"data\": ");
        qa_variant_append_json(out, event->data, false);
    }
    g_string_append_printf(out,
                           ", \"timestamp\": {\"seconds\": %" G_GINT64_FORMAT
                           ", \"microseconds\": %" G_GINT64_FORMAT "}}",
                           event->seconds, event->microseconds);
    return g_string_free(out, FALSE);
}
