/*
 * The internal event bus: QMP-shaped events (name, optional data object,
 * timestamp) that the QMP server, the tests and embedders subscribe to.
 * Emission and subscription are main-thread only; emission calls every
 * subscriber synchronously, in subscription order.
 *
 * Event data is a GVariant dictionary (a{sv}), members in QMP order, each
 * value typed as QMP types it: 'b' bool, 's' str, 'x' int, 'u' uint32,
 * 't' uint64 (printed unsigned on the wire, also at or above 2^63),
 * nested 'a{sv}' for objects.  The core needs nothing but GLib for it;
 * the QMP server prints it (qa_variant_append_json()).
 */
#ifndef QACCEL_EVENT_H
#define QACCEL_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct QaEvent {
    const char *name; /* "SHUTDOWN", ... */
    GVariant *data;   /* a{sv}; NULL if the event has no data */
    int64_t seconds;  /* wall clock at emission, -1 on failure */
    int64_t microseconds;
} QaEvent;

typedef void (*QaEventFn)(const QaEvent *event, void *opaque);

typedef struct QaEventBus QaEventBus;

/** qa_event_bus_new / _free: an empty bus. */
QaEventBus *qa_event_bus_new(void);
void qa_event_bus_free(QaEventBus *bus);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QaEventBus, qa_event_bus_free)

/** qa_event_bus_subscribe: add @fn; returns an id > 0 for unsubscribe. */
unsigned qa_event_bus_subscribe(QaEventBus *bus, QaEventFn fn, void *opaque);

/** qa_event_bus_unsubscribe: remove a subscription (unknown id: no-op). */
void qa_event_bus_unsubscribe(QaEventBus *bus, unsigned id);

/**
 * qa_event_bus_emit: timestamp and deliver an event.  @data is an a{sv}
 * dictionary or NULL; a floating reference is sunk and the bus drops its
 * reference after delivery (a subscriber that keeps it takes its own).
 */
void qa_event_bus_emit(QaEventBus *bus, const char *name, GVariant *data);

/**
 * qa_variant_append_json: append @value as JSON text to @out: QEMU's QMP
 * form ({"a": 1, "b": [2, 3]}, pure ASCII) or, with @compact, without
 * the blanks after ':' and ','.  a{sv} and a{s*} become objects (members
 * in order), other arrays and tuples arrays, 'v' its content, integers
 * decimal (u64 unsigned), doubles "%.17g" (non-finite: null), 'b' true /
 * false, strings escaped (\uXXXX above ASCII; invalid UTF-8 as U+FFFD),
 * maybe-nothing null.
 */
void qa_variant_append_json(GString *out, GVariant *value, bool compact);

/**
 * qa_event_format: the QMP wire form of @event as a new string,
 * {"event": ..., "data": {...}, "timestamp": {"seconds": S,
 * "microseconds": U}} ("data" only when the event has some), without a
 * line end.
 */
char *qa_event_format(const QaEvent *event);

G_END_DECLS

#endif
